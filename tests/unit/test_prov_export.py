"""The PROV writer and the documented example, read back with the `prov` library itself."""

from __future__ import annotations

import re
from pathlib import Path

from prov.model import PROV, ProvDerivation, ProvDocument

from interchange.prov_export import ProvFormat, ProvWriter, qualified_id

DOC = Path(__file__).resolve().parents[2] / "docs" / "prov.md"


def test_the_documented_example_parses_as_prov() -> None:
    block = re.search(r"```json\n(.*?)```", DOC.read_text(), re.S)
    assert block is not None, "docs/prov.md lost its example"
    document = ProvDocument.deserialize(content=block.group(1), format="json")
    [derivation] = [r for r in document.get_records() if isinstance(r, ProvDerivation)]
    attributes = {str(k): v for k, v in derivation.extra_attributes}
    assert (attributes["ot:score"], attributes["ot:vendor"]) == ("0.5", "vendor_x")
    [plan] = [r for r in document.get_records() if str(r.identifier) == "otid:grant/g1"]
    assert PROV["Plan"] in plan.get_attribute("prov:type")


def test_any_id_is_a_valid_name_in_both_formats() -> None:
    writer = ProvWriter()
    work = writer.entity("work", "Ada Writer's song #1", "ot:Work")
    writer.derived(
        writer.entity("output", "o 1", "ot:Output"), work, qualified_id("influence", "r/1"), score="1"
    )
    assert work == "otid:work/Ada%20Writer%27s%20song%20%231"
    again = ProvDocument.deserialize(content=writer.serialize(ProvFormat.PROV_JSON), format="json")
    assert again == writer.document
    assert (
        "wasDerivedFrom(otid:influence/r%2F1; otid:output/o%201, otid:work/Ada%20Writer"
        in writer.serialize(ProvFormat.PROV_N)
    )
