"""OpenLineage run events read as declarations: the documented example, items, and what is kept."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from interchange.openlineage_events import EventType, parse_event
from registry.errors import InvalidInput

DOC = Path(__file__).resolve().parents[2] / "docs" / "openlineage.md"


def _example() -> str:
    block = re.search(r"```json\n(.*?)```", DOC.read_text(), re.S)
    assert block is not None, "docs/openlineage.md lost its example"
    return block.group(1)


def test_the_documented_example_reads_as_a_declaration() -> None:
    event = parse_event(_example().encode())
    assert event.eventType is EventType.COMPLETE
    assert (event.run_id, event.model_id, event.grant_id) == (
        "0193a9c2-4b7e-7c1d-9f3a-2e5d8c6b1a40",
        "lic-1:m:1",
        "g1",
    )
    items = event.manifest_items()
    assert [i.reference for i in items] == ["iswc:T0345246801", "isrc:GBAYE6700001", "work:w1"]
    assert [i.weight for i in items] == ["0.5", "1", "1"]
    kept = json.loads(event.kept_facets())
    assert kept["inputs"][0]["facets"]["documentation"]["description"] == "our licensed catalogue"
    assert "opustrace_manifest" not in kept["inputs"][0]["facets"]


def test_bad_events_and_items_say_what_to_fix() -> None:
    with pytest.raises(InvalidInput, match="eventTime"):
        parse_event(b'{"eventType": "START"}')
    event = json.loads(_example())
    event["inputs"][0]["facets"]["opustrace_manifest"]["items"] = [{"iswc": "T-034.524.680-2"}]
    with pytest.raises(InvalidInput, match="catalogue-2025, item 1"):
        parse_event(json.dumps(event).encode()).manifest_items()
