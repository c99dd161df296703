"""`opustrace declare-run`: a manifest file declared through the same store, under a CLI audit scope."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.database import Database, Neo4jSettings
from opustrace.provenance_command import _declare
from registry.provenance import ManifestFormat
from tests.integration.provenance_graph import add_works, licensee_with_grant, model, opt_in, run_input

pytestmark = pytest.mark.integration


async def test_declare_run_from_a_csv_file(
    db: Database, neo4j_settings: Neo4jSettings, tmp_path: Path
) -> None:
    await licensee_with_grant(db)
    await add_works(db, ["w1", "w2"], "alice")
    await opt_in(db, "k", "alice")
    m = await model(db)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("work_id,weight\r\nw1,0.5\r\nw2,0.5\r\n", encoding="utf-8")
    record = await _declare(neo4j_settings, run_input("r1", m.id), manifest, ManifestFormat.CSV)
    assert (record.item_count, record.compliant) == (2, True)
    events = await db.run_read("MATCH (e:AuditEvent {action: 'declare-run'}) RETURN e.via AS via LIMIT 1")
    assert events == [{"via": "CLI"}]
