"""The `opustrace` commands against the test server (NEO4J_URI), as an operator runs them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from click.testing import CliRunner

from graph.database import Neo4jSettings
from opustrace.cli import cli
from registry.cwr import parse_cwr_text
from tests.conftest import shared_data

pytestmark = pytest.mark.integration


@pytest.fixture
def runner(neo4j_settings: Neo4jSettings) -> Iterator[tuple[CliRunner, neo4j.Driver]]:
    env = {
        "NEO4J_URI": neo4j_settings.uri,
        "NEO4J_USER": neo4j_settings.user,
        "NEO4J_PASSWORD": neo4j_settings.password,
    }
    with neo4j.GraphDatabase.driver(
        neo4j_settings.uri, auth=(neo4j_settings.user, neo4j_settings.password)
    ) as driver:
        driver.execute_query("MATCH (n) WHERE NOT n:Migration DETACH DELETE n", database_="neo4j")
        yield CliRunner(env=env), driver


def test_import_cwr_is_audited_and_the_trail_verifies(runner: tuple[CliRunner, neo4j.Driver]) -> None:
    cli_runner, driver = runner
    path = shared_data("cwr", "weso_nwrexample2.V21")
    result = cli_runner.invoke(cli, ["import-cwr", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        "1 works loaded (1 created, 0 updated, 0 unchanged), 0 of them repaired, 0 rejected" in result.output
    )
    records, _, _ = driver.execute_query(
        "MATCH (e:AuditEvent) RETURN e.via AS via, e.action AS action, size(e.subject_ids) AS n",
        database_="neo4j",
    )
    assert records and {(r["via"], r["action"]) for r in records} == {
        ("IMPORT", "import-cwr weso_nwrexample2.V21")
    }

    verified = cli_runner.invoke(cli, ["audit", "verify"])
    assert verified.exit_code == 0 and f"{len(records)} events verified" in verified.output

    driver.execute_query("MATCH (e:AuditEvent {seq: 1}) SET e.actor = 'mallory'", database_="neo4j")
    broken = cli_runner.invoke(cli, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "audit event 1 was edited" in broken.output


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
