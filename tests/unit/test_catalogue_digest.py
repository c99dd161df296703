"""A CWR work's registration and digest, built without pydantic validation or model_dump, against both.

The import compares each work's digest with the one stored by the import that wrote it (possibly an
earlier version of this code): a digest computed differently would make a re-import of the same file
rewrite every work. So the digest must hash exactly what `model_dump` gave, and the registration must be
the one the validating models would build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from benchmarks.gen_cwr import write_cwr
from registry.catalogue import WorkRegistration, content_digest
from registry.catalogue_cwr import registration_from_cwr, sender_key
from registry.cwr import CwrReader, CwrWork
from tests.conftest import shared_data


def dumped_digest(work: WorkRegistration) -> str:
    """The digest as earlier versions computed (and stored) it: from model_dump."""
    content = work.model_dump(exclude={"id"}, mode="json")
    content["shares"] = sorted(content["shares"], key=lambda s: (s["holder"]["ipi"] or "", str(s)))
    content["recordings"] = sorted(content["recordings"], key=lambda r: str(r["isrc"]))
    return content_digest(content)


def registrations(lines: Any) -> list[WorkRegistration]:
    reader = CwrReader(lines)
    works = [item for item in reader if isinstance(item, CwrWork)]
    return [registration_from_cwr(work, sender_key(reader.header))[1] for work in works]


def assert_as_validated_and_dumped(works: list[WorkRegistration]) -> None:
    for work in works:
        assert WorkRegistration.model_validate(work.model_dump()) == work
        assert work.digest == dumped_digest(work)


def test_digests_stored_by_earlier_versions_still_match() -> None:
    # Computed by the model_dump digest (commit 8bdf699) for this sample's first work.
    (work, *_) = registrations(shared_data("cwr", "weso_nwrexample2.V21").read_text(encoding="latin-1"))
    assert work.digest == "2d47f5351eaf44956d880b909dee0d9a2de7b8ebf1b77b9dbfece2e4025a300d"


@pytest.mark.parametrize(
    "name",
    ["weso_nwrexample2.V21", "weso_demo_cwr_cleaned.v22", "mmedi_CW190001MPC_000.V21", "weso_revexample.V21"],
)
def test_sample_registrations_are_what_validation_and_model_dump_give(name: str) -> None:
    works = registrations(shared_data("cwr", name).read_text(encoding="latin-1"))
    assert works
    assert_as_validated_and_dumped(works)


def test_generated_registrations_with_chains_and_recordings(tmp_path: Path) -> None:
    path = tmp_path / "works.V21"
    write_cwr(300, path)
    with path.open(encoding="latin-1", newline="") as lines:
        works = registrations(lines)
    assert len(works) == 300
    assert sum(len(work.recordings) for work in works) >= 300
    assert_as_validated_and_dumped(works)


def test_a_one_letter_language_is_refused_as_the_model_refuses_it(tmp_path: Path) -> None:
    path = tmp_path / "works.V21"
    write_cwr(1, path)
    lines = path.read_text(encoding="latin-1").splitlines()
    nwr = next(index for index, line in enumerate(lines) if line.startswith("NWR"))
    lines[nwr] = lines[nwr][:79] + "E " + lines[nwr][81:]
    with pytest.raises(ValidationError, match="language"):
        registrations(lines)
