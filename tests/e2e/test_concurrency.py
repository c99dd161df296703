"""Eight clients at once, submitting attribution and usage reports for overlapping outputs, each request
sent again at random (as a client that timed out would): everything is stored exactly once."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Iterator
from typing import Any

import httpx
import neo4j
import pytest

from graph.database import Neo4jSettings
from opustrace.settings import Settings
from registry.money import parse_amount
from tests.e2e.served import served_app
from tests.e2e.world import LICENSEE, VENDORS, World, build_world
from tests.support import ADMIN_SECRET

pytestmark = pytest.mark.e2e
CLIENTS = 8
# Not a timing margin: how long one request may keep answering UNAVAILABLE (or not answer) before the test
# stops retrying it and fails on its error, instead of hanging.
HANG_GUARD = 300.0
SUBMIT = """mutation($p: JSON!) { submitAttributionReport(format: GENERIC_JSON, payload: $p) {
  reports { duplicate report { id } } } }"""
USAGE = "mutation($i: ReportUsageInput!) { reportUsage(input: $i) { id amount } }"


@pytest.fixture(scope="module")
def world(neo4j_settings: Neo4jSettings) -> Iterator[World]:
    with neo4j.GraphDatabase.driver(
        neo4j_settings.uri, auth=(neo4j_settings.user, neo4j_settings.password)
    ) as driver:
        driver.execute_query("MATCH (n) WHERE NOT n:Migration DETACH DELETE n", database_="neo4j")
    config = Settings(admin_api_key=ADMIN_SECRET, rate_limit_per_minute=100_000)
    with served_app(neo4j_settings, config) as base_url:
        yield build_world(base_url)


def report_payload(
    world: World, output: str, vendor: str, version: int, rng: random.Random
) -> dict[str, Any]:
    works = rng.sample(world.works, 3)
    return {
        "format": "opustrace.attribution.v1",
        "reports": [
            {
                "vendor_report_id": f"{vendor}-{output}-{version}",
                "output_id": output,
                "method": "stems",
                "method_version": "2",
                "computed_at": f"2026-10-1{version}T08:00:00Z",
                "influences": [
                    {"reference": {"iswc": code}, "right_type": "COMPOSITION", "score": score}
                    for code, score in zip(works, ("0.4", "0.3", "0.1"), strict=True)
                ],
            }
        ],
    }


def jobs(world: World, rng: random.Random) -> list[tuple[str, dict[str, Any], str]]:
    """(document, variables, key) for every distinct request."""
    found: list[tuple[str, dict[str, Any], str]] = []
    for output in world.outputs:
        for vendor in VENDORS:
            for version in (1, 2, 3):
                payload = report_payload(world, output, vendor, version, rng)
                found.append((SUBMIT, {"p": json.dumps(payload)}, world.keys[vendor]))
        usage = {"stream": "OUTPUT_USE", "period": "2026-10", "subjectId": output, "currency": "EUR"}
        cents = rng.randint(1, 99999)
        usage["amount"] = f"{cents // 100}.{cents % 100:02d}"
        found.append((USAGE, {"i": usage}, world.keys[LICENSEE]))
    return found


async def client(
    base_url: str, queue: list[tuple[str, dict[str, Any], str]], rng: random.Random
) -> tuple[list[Any], int]:
    """Sends each request 1-3 times; like a real client it tries again after UNAVAILABLE (a busy database)
    until it gets an answer, however long a loaded machine keeps the database busy. Returns the answers
    and how many UNAVAILABLE answers were retried."""
    bodies = []
    busy = 0
    async with httpx.AsyncClient(base_url=base_url, timeout=HANG_GUARD) as http:
        for document, variables, key in queue:
            for _ in range(rng.randint(1, 3)):
                deadline = time.monotonic() + HANG_GUARD
                while True:
                    response = await http.post(
                        "/graphql",
                        json={"query": document, "variables": variables},
                        headers={"Authorization": f"Bearer {key}"},
                    )
                    assert response.status_code < 500, response.text
                    body = response.json()
                    codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or []}
                    if codes != {"UNAVAILABLE"} or time.monotonic() > deadline:
                        break
                    busy += 1
                    await asyncio.sleep(0.5 + rng.random())
                bodies.append(body)
    return bodies, busy


def test_eight_clients_with_retries_store_everything_once(
    world: World, neo4j_settings: Neo4jSettings
) -> None:
    rng = random.Random(20261123)
    distinct = jobs(world, rng)
    # Every request goes to two different clients, so the same one arrives concurrently, too.
    queues: list[list[tuple[str, dict[str, Any], str]]] = [[] for _ in range(CLIENTS)]
    for index, job in enumerate(distinct):
        first = index % CLIENTS
        queues[first].append(job)
        queues[(first + 1 + rng.randrange(CLIENTS - 1)) % CLIENTS].append(job)
    for queue in queues:
        rng.shuffle(queue)

    async def all_clients() -> list[tuple[list[Any], int]]:
        return await asyncio.gather(
            *(client(world.base_url, q, random.Random(i)) for i, q in enumerate(queues))
        )

    answered = asyncio.run(all_clients())
    results = [body for bodies, _ in answered for body in bodies]
    # Each distinct request reached the service at least twice (two clients), most of them more often.
    assert len(results) > 2 * len(distinct)
    busy = sum(n for _, n in answered)
    print(
        f"{len(results)} requests for {len(distinct)} distinct reports from {CLIENTS} clients; "
        f"{busy} UNAVAILABLE answers retried"
    )
    errors = [body["errors"] for body in results if body.get("errors")]
    assert errors == [], errors[:3]

    expected_minor = sum(parse_amount(v["i"]["amount"], "EUR") for d, v, _ in distinct if d == USAGE)
    with neo4j.GraphDatabase.driver(
        neo4j_settings.uri, auth=(neo4j_settings.user, neo4j_settings.password)
    ) as driver:

        def one(query: str) -> Any:
            records, _, _ = driver.execute_query(query, database_="neo4j")
            return records[0][0]

        assert one("MATCH (r:AttributionReport) RETURN count(r)") == len(world.outputs) * len(VENDORS) * 3
        assert (
            one("MATCH (:AttributionReport)-[i:INFLUENCE]->() RETURN count(i)") == len(world.outputs) * 6 * 3
        )
        current = "MATCH (r:AttributionReport {current: true}) RETURN count(r)"
        assert one(current) == len(world.outputs) * len(VENDORS)
        # The report received last is current (receipt order, not the vendor's computed_at): each
        # vendor's reports on an output form one supersession chain in the order they arrived, and the
        # current report is its head, whatever order the racing clients delivered them in.
        assert one("MATCH (r:AttributionReport {current: true})-[:SUPERSEDED_BY]->() RETURN count(r)") == 0
        off_chain = (
            "MATCH (r:AttributionReport {current: false}) "
            "WHERE NOT (r)-[:SUPERSEDED_BY*1..]->(:AttributionReport {current: true}) RETURN count(r)"
        )
        assert one(off_chain) == 0
        chains = "MATCH p = ()-[:SUPERSEDED_BY*2]->({current: true}) RETURN count(p)"
        assert one(chains) == len(world.outputs) * len(VENDORS)
        assert one("MATCH (u:UsageReport) RETURN count(u)") == len(world.outputs)
        assert one("MATCH (u:UsageReport) RETURN sum(u.amount)") == expected_minor
