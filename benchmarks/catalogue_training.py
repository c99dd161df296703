"""A TRAINING distribution on the CATALOGUE basis over a catalogue of N works, against raw Cypher.

    python -m benchmarks.catalogue_training [N | --full]      (modest 20,000; full 1,000,000)

Writes N works with one or two holders (30 % two, 50/50), N/20 creators with catalogue opt-ins (5 %
declined), a licence version with `training_basis: CATALOGUE`, one model trained under its grant and a
TRAINING usage report of 12,000.00 EUR. Then, interleaved: the baseline, one raw Cypher query returning
the same facts (the licensable works' mechanical basis points summed per creator, the same filter, no
paging, no exact fractions), and the distribution into a statement (which pages through the catalogue
in Neo4j and sums exactly). Reports works per second of each and the process's ru_maxrss.
"""

from __future__ import annotations

import random
import resource
import time
from datetime import UTC, datetime
from typing import Any

import neo4j

from benchmarks.distribution import CREATORS_Q, WORKS_Q
from benchmarks.kit import Row, interleaved, rounds, run_alone, throughput_row
from graph.database import Database
from graph.stores.licensing.rights import LICENSABLE_FILTER
from graph.stores.royalties import statements
from graph.stores.royalties.records import StatementRecord
from registry.royalties import Stream
from registry.usage import Period, usage_report_id, usage_sort_key

PERIOD = Period.parse("2026-10")
BATCH = 10_000
MODEST, FULL = 20_000, 1_000_000
SETUP = """
MERGE (lic:Licence {id: 'collective'}) SET lic.name = 'CAL'
MERGE (v:LicenceVersion {id: 'cal-cat'})
SET v.licence_id = 'collective', v.version = '1', v.scopes = ['TRAINING', 'SERVICE_USE', 'OUTPUT_USE'],
    v.currency = 'EUR', v.training_fee = 1200000, v.service_rate = '0.15', v.output_rate = '0.10',
    v.confidence_threshold = '0.5', v.training_basis = 'CATALOGUE', v.training_weighted = false,
    v.stream_rights = '{"OUTPUT_USE": "PERFORMING", "SERVICE_USE": "PERFORMING", "TRAINING": "MECHANICAL"}'
MERGE (lic)-[:HAS_VERSION]->(v)
MERGE (l:Licensee {id: 'lic-1'}) SET l.name = 'AI'
MERGE (g:Grant {id: 'grant-cat'})
SET g.scopes = v.scopes, g.valid_from = datetime('2025-01-01T00:00:00Z'),
    g.valid_to = datetime('2030-01-01T00:00:00Z'), g.status = 'ACTIVE', g.model_name = 'm',
    g.model_version = '1'
MERGE (l)-[:HOLDS]->(g) MERGE (g)-[:OF]->(v)
CREATE (m:Model {id: 'M-cat', name: 'm', version: '1', licensee_id: 'lic-1'})
CREATE (l)-[:OPERATES]->(m)
CREATE (r:TrainingRun {id: 'run-cat', status: 'COMPLETE', started_at: datetime('2025-02-01T00:00:00Z')})
CREATE (r)-[:PRODUCED]->(m)
CREATE (r)-[:UNDER]->(g)
CREATE (u:UsageReport {id: $usage_id, sort_key: $sort_key, licensee_id: 'lic-1', stream: 'TRAINING',
  period: $period, subject_id: 'M-cat', amount: 1200000, currency: 'EUR', created_at: datetime(),
  history: []})
CREATE (u)-[:FOR]->(m)
"""
# The floor: the same facts (licensable works at the grant, mechanical bp per creator) in one query.
BASELINE = (
    "MATCH (w:Work) WHERE coalesce(w.status, 'ACTIVE') <> 'WITHDRAWN'"
    + LICENSABLE_FILTER
    + """
MATCH (c:Creator)-[s:HOLDS_SHARE]->(w)
RETURN c.id AS creator, sum(s.mechanical_bp) AS bp, count(DISTINCT w) AS works
"""
)


def _rows(n: int, rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    creators = max(2, n // 20)
    people = [
        {"id": f"C{i:07d}", "decision": "DECLINE" if rng.random() < 0.05 else "OPT_IN"}
        for i in range(creators)
    ]
    works = []
    for i in range(n):
        holders = rng.sample(range(creators), 2 if rng.random() < 0.3 else 1)
        bp = 10_000 // len(holders)
        works.append({"id": f"W{i:07d}", "holders": [{"id": f"C{h:07d}", "bp": bp} for h in holders]})
    return people, works


async def generate(db: Database, n: int) -> float:
    started = time.perf_counter()
    people, works = _rows(n, random.Random(11))
    for start in range(0, len(people), BATCH):
        await db.run_write(CREATORS_Q, {"rows": people[start : start + BATCH]})
    for start in range(0, len(works), BATCH):
        await db.run_write(WORKS_Q, {"rows": works[start : start + BATCH]})
    usage_id = usage_report_id("lic-1", Stream.TRAINING, str(PERIOD), "M-cat")
    sort_key = usage_sort_key(Stream.TRAINING, str(PERIOD), "EUR", "M-cat", usage_id)
    await db.run_write(SETUP, {"usage_id": usage_id, "sort_key": sort_key, "period": str(PERIOD)})
    return time.perf_counter() - started


async def measure(db: Database, size: int) -> list[Row]:
    """Catalogue-basis distributions of `size` works against the raw aggregation of the same facts."""
    await generate(db, size)
    params = {"scope": "TRAINING", "at": datetime(2025, 1, 1, tzinfo=UTC)}
    runs: list[StatementRecord] = []

    timed_out: list[str] = []

    async def raw() -> None:
        # One unpaged query over a million works can outlive the server's transaction timeout on a
        # loaded machine: that is reported as the baseline's figure rather than losing the project's.
        try:
            await db.run_read(BASELINE, params)
        except neo4j.exceptions.ClientError as error:
            if "TransactionTimedOut" not in (error.code or ""):
                raise
            timed_out.append(error.code or "")

    async def project() -> None:
        runs.append(
            await statements.run_distribution(
                db,
                statement_id=f"bench-cat-{size}-{len(runs)}",
                stream=Stream.TRAINING,
                period=PERIOD,
                currency="EUR",
                created_by="bench",
            )
        )

    ours, baseline = await interleaved([project, raw], rounds(2), warmup=0)
    record = runs[-1]
    assert record.paid + record.suspended == record.pool == 1_200_000
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    path = f"catalogue training basis, {size:,} works"
    row = throughput_row(path, "works", size, ours, baseline, goal=0)
    floor = "timed out (server transaction timeout)" if timed_out else row.baseline
    ratio = "-" if timed_out else row.ratio
    return [Row(path, row.project, floor, ratio, f"exact, paged; ru_maxrss {rss:.0f} MiB")]


def main() -> None:
    run_alone("catalogue_training", measure, MODEST, FULL, __doc__)


if __name__ == "__main__":
    main()
