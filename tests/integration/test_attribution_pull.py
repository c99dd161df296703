"""The pull path against a real HTTP server on 127.0.0.1 and the real Neo4j: two pages, a 503 retried,
the cursor saved per vendor, and a second run that stores nothing twice. Also the CLI command itself."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

import tests.attribution_samples as samples
from attribution_adapters.pull_client import RetryPolicy
from graph.database import Database, Neo4jSettings
from graph.stores.attribution import vendors
from opustrace.attribution_pull import pull
from opustrace.cli import cli
from tests.integration.attribution_graph import count, world
from tests.integration.test_pull_client import Reply, Sleeps, VendorServer, page

NEWER = samples.sureel(analysis_id="sa_02", completed_at="2025-07-01T10:00:00Z")
RUNNING = samples.sureel(analysis_id="sa_03", status="running")
UNKNOWN_OUTPUT = samples.sureel(analysis_id="sa_04", output={"reference": "out_404"})


@pytest.fixture
def server() -> Iterator[VendorServer]:
    with VendorServer() as running:
        yield running


def _script(server: VendorServer) -> None:
    server.script(
        "results",
        Reply(503, {"error": "busy"}),
        Reply(200, page(samples.SUREEL_RESULT, next_cursor="c1", has_more=True)),
        Reply(200, page(NEWER, RUNNING, UNKNOWN_OUTPUT, next_cursor="c2", has_more=False)),
    )


async def test_two_pages_with_a_retry_land_once(db: Database, server: VendorServer) -> None:
    await world(db, vendor_ids=("ven_sureel",))
    _script(server)
    sleeps = Sleeps()
    policy = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.1)
    summary = await pull(db, "ven_sureel", server.base_url, token="tok", retry=policy, sleep=sleeps)

    assert server.hits("results") == 3 and len(sleeps.waits) == 1  # the 503 was retried once
    assert [s.query.get("since") for s in server.seen] == [None, None, ["c1"]]
    assert server.seen[0].headers.get("Authorization") == "Bearer tok"
    assert (summary.pages, summary.stored, summary.duplicates, summary.cursor) == (2, 2, 0, "c2")
    assert len(summary.problems) == 2
    assert "completed" in summary.problems[0] and "out_404" in summary.problems[1]
    saved = (await vendors.vendors_by_id(db, ["ven_sureel"]))["ven_sureel"]
    assert saved.pull_cursor == "c2"
    rows = await db.run_read(
        "MATCH (r:AttributionReport) RETURN r.vendor_report_id AS id, r.current AS current, r.via AS via "
        "ORDER BY id"
    )
    assert rows == [
        {"id": "sa_01HZX4K2", "current": False, "via": "PULL"},
        {"id": "sa_02", "current": True, "via": "PULL"},
    ]

    # Run again from the start (as after a crash before the cursor was saved): nothing new is stored.
    await vendors.save_pull_cursor(db, "ven_sureel", None)
    _script(server)
    again = await pull(db, "ven_sureel", server.base_url, retry=policy, sleep=sleeps)
    assert (again.stored, again.duplicates) == (0, 2)
    assert await count(db, "AttributionReport") == 2


async def test_the_cli_command_pulls_from_the_saved_cursor(
    db: Database, server: VendorServer, neo4j_settings: Neo4jSettings
) -> None:
    await world(db, vendor_ids=("ven_sureel",))
    _script(server)
    env = {
        "NEO4J_URI": neo4j_settings.uri,
        "NEO4J_USER": neo4j_settings.user,
        "NEO4J_PASSWORD": neo4j_settings.password,
        "OPUSTRACE_PULL_TOKEN": "tok-env",
    }
    args = ["pull-attribution", "ven_sureel", "--base-url", server.base_url]
    runner = CliRunner()
    # The command runs its own event loop (asyncio.run), so it runs in a thread beside the test's loop.
    first = await asyncio.to_thread(runner.invoke, cli, args, env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "2 page(s): 2 report(s) stored, 0 already stored, 2 refused; cursor now 'c2'" in first.output
    assert server.seen[0].headers.get("Authorization") == "Bearer tok-env"

    second = await asyncio.to_thread(runner.invoke, cli, args, env=env, catch_exceptions=False)
    assert second.exit_code == 0, second.output
    assert server.seen[-1].query.get("since") == ["c2"]  # resumed where the first run stopped
    assert "0 report(s) stored, 1 already stored" in second.output
    assert await count(db, "AttributionReport") == 2

    unknown = await asyncio.to_thread(
        runner.invoke, cli, ["pull-attribution", "nobody", "--base-url", server.base_url], env=env
    )
    assert unknown.exit_code == 1 and "No vendor has id 'nobody'" in unknown.output
