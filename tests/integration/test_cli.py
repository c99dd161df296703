"""The `opustrace` commands against the test server (NEO4J_URI), as an operator runs them."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from click.testing import CliRunner

from graph.database import Database, Neo4jSettings
from opustrace.cli import cli
from registry.cwr import parse_cwr_text
from tests.conftest import shared_data
from tests.integration.provenance_graph import add_works, licensee_with_grant, model

pytestmark = pytest.mark.integration


def cli_env(settings: Neo4jSettings) -> dict[str, str]:
    return {"NEO4J_URI": settings.uri, "NEO4J_USER": settings.user, "NEO4J_PASSWORD": settings.password}


@pytest.fixture
def runner(neo4j_settings: Neo4jSettings) -> Iterator[tuple[CliRunner, neo4j.Driver]]:
    env = cli_env(neo4j_settings)
    with neo4j.GraphDatabase.driver(
        neo4j_settings.uri, auth=(neo4j_settings.user, neo4j_settings.password)
    ) as driver:
        driver.execute_query("MATCH (n) WHERE NOT n:Migration DETACH DELETE n", database_="neo4j")
        yield CliRunner(env=env), driver


def test_import_cwr_is_audited(runner: tuple[CliRunner, neo4j.Driver]) -> None:
    cli_runner, driver = runner
    path = shared_data("cwr", "weso_nwrexample2.V21")
    result = cli_runner.invoke(cli, ["import-cwr", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        "1 works loaded (1 created, 0 updated, 0 unchanged), 0 of them repaired, 0 rejected" in result.output
    )
    records, _, _ = driver.execute_query(
        "MATCH (e:AuditEvent) RETURN e.via AS via, e.action AS action, e.input_digest AS digest",
        database_="neo4j",
    )
    # Each batch is an event naming the file by its name and its SHA-256.
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert {(r["via"], r["action"], r["digest"]) for r in records} == {
        ("IMPORT", "import-cwr weso_nwrexample2.V21", digest)
    }
    verified = cli_runner.invoke(cli, ["audit", "verify"])
    assert verified.exit_code == 0 and f"{len(records)} events verified" in verified.output


async def test_audit_verify_finds_an_edited_event(
    db: Database, neo4j_settings: Neo4jSettings, tmp_path: Path
) -> None:
    """No sample file needed: the events come from `opustrace declare-run` on a manifest made here."""
    await licensee_with_grant(db)
    await add_works(db, ["w1", "w2"], "alice")
    m = await model(db)
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text('{"workId": "w1", "weight": "1"}\n{"workId": "w2", "weight": "1"}\n')
    cli_runner = CliRunner(env=cli_env(neo4j_settings))
    args = ["declare-run", str(manifest), "--run-id", "lic-1:r1", "--licensee", "lic-1", "--model", m.id]
    args += ["--started-at", "2025-01-01T00:00:00+0000", "--finished-at", "2025-01-02T00:00:00+0000"]
    # The commands run their own event loop, so they run in a thread beside this test's loop.
    declared = await asyncio.to_thread(cli_runner.invoke, cli, args)
    assert declared.exit_code == 0, declared.output
    assert "run lic-1:r1: 2 items" in declared.output
    events = await db.run_read("MATCH (e:AuditEvent) RETURN e.seq AS seq, e.via AS via ORDER BY seq")
    assert events and {e["via"] for e in events} == {"CLI"}

    verified = await asyncio.to_thread(cli_runner.invoke, cli, ["audit", "verify"])
    assert verified.exit_code == 0 and f"{len(events)} events verified" in verified.output
    await db.run_write("MATCH (e:AuditEvent {seq: $seq}) SET e.actor = 'mallory'", {"seq": events[0]["seq"]})
    broken = await asyncio.to_thread(cli_runner.invoke, cli, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"audit event {events[0]['seq']} was edited" in broken.output


def test_import_cwr_strict_with_an_acknowledgement(
    runner: tuple[CliRunner, neo4j.Driver], tmp_path: Path
) -> None:
    cli_runner, driver = runner
    ack = tmp_path / "out.ACK"
    path = shared_data("cwr", "weso_nwrexample2.V21")
    result = cli_runner.invoke(cli, ["import-cwr", "--strict", "--ack", str(ack), str(path)])
    assert result.exit_code == 0, result.output
    assert "0 works loaded" in result.output and "1 rejected" in result.output  # right-trimmed: ER
    assert f"acknowledgement written to {ack}" in result.output
    parsed = parse_cwr_text(ack.read_text(encoding="latin-1"))
    assert [(a.submitter_work_id, a.status) for a in parsed.acknowledgements] == [("CLAIMDIGITAL01", "RJ")]
    assert driver.execute_query("MATCH (w:Work) RETURN count(w) AS n", database_="neo4j").records[0]["n"] == 0


def test_import_cwr_refuses_cwr_3(runner: tuple[CliRunner, neo4j.Driver]) -> None:
    cli_runner, _ = runner
    result = cli_runner.invoke(
        cli, ["import-cwr", str(shared_data("cwr", "dmp_CW220002DMP_0000_V3-0-0.SUB"))]
    )
    assert result.exit_code == 1
    assert "CWR 3.0 is not supported" in result.output
