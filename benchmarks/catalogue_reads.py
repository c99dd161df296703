"""Catalogue reads for a licensee: a page of `licensableWorks` (with and without `totalCount`), of `works`,
and a `rightsCheck`, at a small catalogue and at one `size` works (1,000,000 with --full).

    python -m benchmarks.catalogue_reads [100000 | --full]

The goal is the same cost at 10,000 works and at 1,000,000 (p50 at most 50 ms a page). The catalogue is
written with raw UNWIND batches in the shape of benchmarks.provenance_world (one to four writers a work,
most with a publisher, so about four holders; 92 % of holders with a catalogue opt-in, the rest silent),
since a million works through the CWR import would take longer than the benchmark should; the catalogue
opt-ins too, in the consent store's node shape. Each row's baseline is `serviceInfo`
through the same app, so the ratio is the cost of the catalogue question above a trivial request.
"""

from __future__ import annotations

import random
import time
from typing import Any

import httpx

from benchmarks.kit import Row, absolute_row, interleaved, rounds, run_alone
from benchmarks.provenance_world import ADMIN_SECRET, OPTED_IN, api
from graph.database import Database
from graph.stores.licensing.licensable import refresh_due

MODEST, FULL = 100_000, 1_000_000
SMALL = 10_000
REQUESTS = 20
BATCH = 10_000
WRITERS_PER_WORK = 3  # works per writer, as in benchmarks.gen_cwr's pools
ADD_WORKS = """
UNWIND $rows AS row
CREATE (w:Work {id: row.id, title: row.title, title_search: toLower(row.title), status: 'ACTIVE'})
WITH w, row
UNWIND row.holders AS h
MERGE (c:Creator {id: h.id}) ON CREATE SET c.name = h.id, c.kind = h.kind
CREATE (c)-[:HOLDS_SHARE {role: h.role, performing_bp: h.bp, mechanical_bp: h.bp,
                          synchronisation_bp: h.bp}]->(w)
"""
LICENSABLE = """
query { licensableWorks(scope: TRAINING, first: 25) { %s edges { node { id title } } } }
"""
WORKS = "query { works(first: 25) { totalCount edges { node { id title } } } }"
RIGHTS = """
query($id: ID!) { rightsCheck(scope: TRAINING, workId: $id) { licensable reasons { code } } }
"""
BASELINE = "{ serviceInfo { name version apiVersion } }"
# The consent store's node shape (graph/stores/licensing/consents.py GIVE), for holders without a consent yet.
OPT_IN = """
MATCH (c:Creator) WHERE NOT (c)-[:GAVE]->() AND (c)-[:HOLDS_SHARE]->()
WITH c WHERE rand() < $share
CALL (c) {
  CREATE (c)-[:GAVE]->(:Consent {id: 'bench-k-' + c.id, decision: 'OPT_IN', catalogue: true,
    scopes: ['OUTPUT_USE', 'SERVICE_USE', 'TRAINING'], given_by: 'bench', created_at: datetime(),
    valid_from: datetime('2024-01-01T00:00:00Z')})
} IN TRANSACTIONS OF 10000 ROWS
"""

MARK_DUE = """
MATCH (w:Work) WHERE w.licensable_due IS NULL
CALL (w) { SET w.licensable_due = datetime({epochSeconds: 0}) } IN TRANSACTIONS OF 10000 ROWS
"""


def _work(i: int, rng: random.Random, writers: int, publishers: int) -> dict[str, Any]:
    count = rng.randint(1, 4)
    holders = []
    for w in rng.sample(range(writers), count):
        holders.append({"id": f"W{w:08d}", "kind": "PERSON", "role": "COMPOSER", "bp": 10_000 // (2 * count)})
        if rng.random() < 0.8:
            p = rng.randrange(publishers)
            holders.append({"id": f"P{p:08d}", "kind": "PUBLISHER", "role": "PUBLISHER", "bp": 1})
    # Two holders may name the same publisher: MERGE above keeps one node, CREATE two shares.
    return {"id": f"cw{i:08d}", "title": f"{rng.choice(TITLE_WORDS)} {i}", "holders": holders}


TITLE_WORDS = ("Blue", "Night", "River", "Song", "Light", "Dance", "Home", "Fire", "Rain", "Gold")


async def grow(db: Database, start: int, end: int) -> None:
    """Works start..end-1, holders drawn from pools sized for `end` works."""
    rng = random.Random(start)
    writers, publishers = max(10, end // WRITERS_PER_WORK), max(5, end // 20)
    for first in range(start, end, BATCH):
        rows = [_work(i, rng, writers, publishers) for i in range(first, min(end, first + BATCH))]
        await db.run_write(ADD_WORKS, {"rows": rows})


def post(http: httpx.AsyncClient, query: str, variables: dict[str, str] | None = None) -> Any:
    async def call() -> None:
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {ADMIN_SECRET}"},
        )
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), body

    return call


async def reads(db: Database, works: int) -> list[Row]:
    paths = {
        "licensableWorks page + totalCount": post_of(LICENSABLE % "totalCount"),
        "licensableWorks page": post_of(LICENSABLE % ""),
        "works page + totalCount": post_of(WORKS),
        "rightsCheck": post_of(RIGHTS, {"id": f"cw{works // 2:08d}"}),
    }
    rows = []
    async with api(db) as http:
        for name, make in paths.items():
            ours, floor = await interleaved([make(http), post(http, BASELINE)], rounds(REQUESTS))
            baseline = f"serviceInfo {sorted(floor)[len(floor) // 2] * 1000:.1f} ms"
            rows.append(absolute_row(f"{name} ({works:,} works)", ours, 50, baseline))
    return rows


def post_of(query: str, variables: dict[str, str] | None = None) -> Any:
    return lambda http: post(http, query, variables)


async def catch_up(db: Database) -> None:
    """Judge the works written above with raw Cypher, as the project's writes would have in their own
    transactions: mark them due, and let the maintained catalogue judge them
    (graph/stores/licensing/licensable.py)."""
    started = time.perf_counter()
    await db.run_autocommit(MARK_DUE)
    judged = await refresh_due(db)
    took = time.perf_counter() - started
    print(f"maintained licensability of {judged:,} works in {took:.1f} s", flush=True)


async def measure(db: Database, size: int) -> list[Row]:
    await grow(db, 0, SMALL)
    await db.run_autocommit(OPT_IN, {"share": OPTED_IN})
    await catch_up(db)
    rows = await reads(db, SMALL)
    await grow(db, SMALL, size)
    await db.run_autocommit(OPT_IN, {"share": OPTED_IN})
    await catch_up(db)
    return rows + await reads(db, size)


def main() -> None:
    run_alone("catalogue_reads", measure, MODEST, FULL, __doc__)


if __name__ == "__main__":
    main()
