"""`opustrace distribute` and `opustrace statement export` against the real Neo4j, with an audit trail."""

from __future__ import annotations

import asyncio
import json

import pytest
from click.testing import CliRunner

from graph.database import Database, Neo4jSettings
from graph.stores.royalties import usage
from opustrace.cli import cli
from registry.usage import UsageInput
from tests.conftest import WIPE
from tests.integration.test_royalties import scenario

pytestmark = pytest.mark.integration


async def _prepare(settings: Neo4jSettings) -> None:
    db = Database.connect(settings)
    try:
        await db.run_autocommit(WIPE)
        await scenario(db)
        report = UsageInput.of(
            licensee_id="lic-1",
            stream="OUTPUT_USE",
            period="2026-10",
            subject_id="O1",
            amount="1000.00",
            currency="EUR",
        )
        await usage.report_usage(db, report)
    finally:
        await db.close()


async def _cli_events(settings: Neo4jSettings) -> list[dict[str, object]]:
    db = Database.connect(settings)
    try:
        return await db.run_read(
            "MATCH (e:AuditEvent) WHERE e.actor STARTS WITH 'cli:' RETURN DISTINCT e.action AS action"
        )
    finally:
        await db.close()


# A plain function: the commands run their own event loop, as they do from a terminal.
def test_distribute_and_export_from_the_command_line(
    neo4j_settings: Neo4jSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(_prepare(neo4j_settings))
    monkeypatch.setenv("NEO4J_URI", neo4j_settings.uri)
    monkeypatch.setenv("NEO4J_USER", neo4j_settings.user)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_settings.password)
    runner = CliRunner()
    args = [
        "distribute",
        "--period",
        "2026-10",
        "--stream",
        "OUTPUT_USE",
        "--currency",
        "EUR",
        "--id",
        "st-cli",
    ]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "pool     100.00 EUR" in result.output
    assert "paid     85.00 EUR" in result.output
    assert "DECLINED: 10.00 EUR" in result.output
    exported = runner.invoke(cli, ["statement", "export", "st-cli", "--format", "json"])
    assert exported.exit_code == 0, exported.output
    document = json.loads(exported.output)
    assert document["statement"]["pool_minor"] == 10000
    assert sum(int(line["amount"].replace(".", "")) for line in document["lines"]) == 10000
    csv_out = runner.invoke(cli, ["statement", "export", "st-cli", "--format", "csv"])
    assert csv_out.output.splitlines()[0].startswith("statement_id,n,subjects")
    assert len(csv_out.output.splitlines()) == len(document["lines"]) + 1
    assert runner.invoke(cli, ["statement", "finalise", "st-cli"]).exit_code == 0
    again = runner.invoke(cli, [*args[:-2], "--id", "st-cli-2"])
    assert again.exit_code == 1 and "correct it" in again.output
    actions = {row["action"] for row in asyncio.run(_cli_events(neo4j_settings))}
    assert {"distribute", "statement finalise"} <= actions
