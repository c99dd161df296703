"""Time and peak memory of an OUTPUT_USE distribution over N outputs with 20 influences each.

    python -m benchmarks.distribution [10000 | --full] [--tracemalloc]

In the benchmarks' throwaway Neo4j (graph.local_server.throwaway_neo4j), writes a synthetic period
with UNWIND batches: 2,000 creators with catalogue opt-ins (5 % declined), 10,000 works with one or
two holders, 10 models trained on 10 works each, N outputs spread over them, each with a current
report of the designated vendor: 20 influences of 0.045 (0.9 attributed, 0.1 to the lineage), 1 in
20 unmatched; one usage report per output. Then it runs the baseline, raw Cypher over the same facts
(the period's usage reports paged the same way, and per page one query that sums each creator's
performing share of the pool over the influences' works, in floats, unchecked against consents), and
the distribution into a statement; with `--tracemalloc` it reports the peak of Python allocations and
ru_maxrss every 10,000 outputs (a bounded distribution has a flat peak).
"""

from __future__ import annotations

import random
import resource
import time
import tracemalloc
from typing import Any

from benchmarks.kit import Row, flag, run_alone, throughput_row, wipe
from graph.database import Database
from graph.stores.royalties import statements
from graph.stores.royalties.distribution import page_subjects
from graph.stores.royalties.records import StatementRecord
from registry.royalties import Stream
from registry.usage import Period, usage_report_id, usage_sort_key

MODEST, FULL = 10_000, 100_000
PERIOD = Period.parse("2026-10")
CREATORS, WORKS, MODELS, LINEAGE, INFLUENCES = 2_000, 10_000, 10, 10, 20
BATCH = 1_000

RAW_PAGE = """
UNWIND range(0, size($ids) - 1) AS k
MATCH (o:Output {id: $ids[k]})<-[:ABOUT]-(r:AttributionReport)-[i:INFLUENCE]->(w:Work)
MATCH (c:Creator)-[s:HOLDS_SHARE]->(w)
RETURN c.id AS creator, sum($amounts[k] * toFloat(i.score) * s.performing_bp / 10000.0) AS amount
"""
SETUP = """
MERGE (lic:Licence {id: 'collective'}) SET lic.name = 'CAL'
MERGE (v:LicenceVersion {id: 'cal-1'})
SET v.licence_id = 'collective', v.version = '1', v.scopes = ['TRAINING', 'SERVICE_USE', 'OUTPUT_USE'],
    v.currency = 'EUR', v.training_fee = 1200000, v.service_rate = '0.15', v.output_rate = '0.10',
    v.confidence_threshold = '0.5', v.training_basis = 'USED_WORKS', v.training_weighted = false,
    v.stream_rights = '{"OUTPUT_USE": "PERFORMING", "SERVICE_USE": "PERFORMING", "TRAINING": "MECHANICAL"}'
MERGE (lic)-[:HAS_VERSION]->(v)
MERGE (l:Licensee {id: 'lic-1'}) SET l.name = 'AI'
MERGE (g:Grant {id: 'grant-1'})
SET g.scopes = v.scopes, g.valid_from = datetime('2024-01-01T00:00:00Z'),
    g.valid_to = datetime('2030-01-01T00:00:00Z'), g.status = 'ACTIVE', g.model_name = 'm',
    g.model_version = '1'
MERGE (l)-[:HOLDS]->(g) MERGE (g)-[:OF]->(v)
MERGE (vendor:Vendor {id: 'vendor-1'}) SET vendor.name = 'Vendor'
MERGE (l)-[:ENGAGED {designated: true}]->(vendor)
"""
CREATORS_Q = """
UNWIND $rows AS row
CREATE (c:Creator {id: row.id, name: row.id, kind: 'PERSON'})
CREATE (c)-[:GAVE]->(:Consent {id: 'k-' + row.id, decision: row.decision, catalogue: true,
  scopes: ['TRAINING', 'SERVICE_USE', 'OUTPUT_USE'], valid_from: datetime('2024-01-01T00:00:00Z')})
"""
WORKS_Q = """
UNWIND $rows AS row
CREATE (w:Work {id: row.id, title: row.id, status: 'ACTIVE'})
WITH w, row
UNWIND row.holders AS h
MATCH (c:Creator {id: h.id})
CREATE (c)-[:HOLDS_SHARE {role: 'COMPOSER', performing_bp: h.bp, mechanical_bp: h.bp,
  synchronisation_bp: h.bp}]->(w)
"""
MODELS_Q = """
UNWIND $rows AS row
MATCH (l:Licensee {id: 'lic-1'}), (g:Grant {id: 'grant-1'})
CREATE (m:Model {id: row.id, name: row.id, version: '1', licensee_id: 'lic-1'})
CREATE (l)-[:OPERATES]->(m)
CREATE (r:TrainingRun {id: 'run-' + row.id, status: 'COMPLETE', started_at: datetime('2025-01-01T00:00:00Z')})
CREATE (r)-[:PRODUCED]->(m)
CREATE (r)-[:UNDER]->(g)
WITH r, row
UNWIND row.works AS wid
MATCH (w:Work {id: wid})
CREATE (r)-[:USED {weight: '1'}]->(w)
"""
OUTPUTS_Q = """
UNWIND $rows AS row
MATCH (m:Model {id: row.model}), (vendor:Vendor {id: 'vendor-1'})
CREATE (o:Output {id: row.id, content_hash: row.hash, created_at: datetime('2026-09-15T00:00:00Z')})
CREATE (m)-[:GENERATED]->(o)
CREATE (r:AttributionReport {id: 'r-' + row.id, digest: 'd-' + row.id, vendor_id: 'vendor-1', current: true,
  computed_at: datetime('2026-09-20T00:00:00Z'), received_at: datetime('2026-09-20T00:00:00Z')})
CREATE (vendor)-[:SUBMITTED]->(r)
CREATE (r)-[:ABOUT]->(o)
CREATE (u:UsageReport {id: row.usage_id, sort_key: row.sort_key, licensee_id: 'lic-1', stream: 'OUTPUT_USE',
  period: $period, subject_id: row.id, amount: row.amount, currency: 'EUR', created_at: datetime(),
  history: []})
CREATE (u)-[:FOR]->(o)
WITH r, row
CALL (r, row) {
  UNWIND row.influences AS wid
  MATCH (w:Work {id: wid})
  CREATE (r)-[:INFLUENCE {score: '0.045', confidence: '0.9', right_type: 'COMPOSITION'}]->(w)
}
CALL (r, row) {
  UNWIND row.unmatched AS ref
  CREATE (r)-[:UNMATCHED]->(:UnmatchedInfluence {reference: ref, score: '0.045', confidence: '0.9',
    right_type: 'COMPOSITION', reason: 'NO_MATCH'})
}
"""


def _catalogue(rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    creators = [
        {"id": f"C{i:05d}", "decision": "DECLINE" if rng.random() < 0.05 else "OPT_IN"}
        for i in range(CREATORS)
    ]
    works = []
    for i in range(WORKS):
        holders = rng.sample(range(CREATORS), 2 if rng.random() < 0.3 else 1)
        bp = 10_000 // len(holders)
        works.append({"id": f"W{i:05d}", "holders": [{"id": f"C{h:05d}", "bp": bp} for h in holders]})
    return creators, works


def _output(i: int, rng: random.Random) -> dict[str, Any]:
    oid = f"O{i:07d}"
    usage_id = usage_report_id("lic-1", Stream.OUTPUT_USE, str(PERIOD), oid)
    works = rng.sample(range(WORKS), INFLUENCES)
    unmatched = rng.random() < 0.05
    return {
        "id": oid,
        "hash": f"{i:064x}",
        "model": f"M{i % MODELS}",
        "usage_id": usage_id,
        "sort_key": usage_sort_key(Stream.OUTPUT_USE, str(PERIOD), "EUR", oid, usage_id),
        "amount": rng.randint(100, 100_000),
        "influences": [f"W{w:05d}" for w in works[: INFLUENCES - 1 if unmatched else INFLUENCES]],
        "unmatched": [f'{{"vendor_work_id": "x{i}"}}'] if unmatched else [],
    }


async def generate(db: Database, n: int, seed: int = 7) -> float:
    rng = random.Random(seed)
    started = time.perf_counter()
    await wipe(db)
    await db.run_write(SETUP)
    creators, works = _catalogue(rng)
    for start in range(0, len(creators), BATCH):
        await db.run_write(CREATORS_Q, {"rows": creators[start : start + BATCH]})
    for start in range(0, len(works), BATCH):
        await db.run_write(WORKS_Q, {"rows": works[start : start + BATCH]})
    models = [
        {"id": f"M{m}", "works": [f"W{w:05d}" for w in rng.sample(range(WORKS), LINEAGE)]}
        for m in range(MODELS)
    ]
    await db.run_write(MODELS_Q, {"rows": models})
    for start in range(0, n, BATCH):
        rows = [_output(i, rng) for i in range(start, min(n, start + BATCH))]
        await db.run_write(OUTPUTS_Q, {"rows": rows, "period": str(PERIOD)})
    return time.perf_counter() - started


async def baseline(db: Database) -> tuple[int, float]:
    """Paging the usage reports and summing per creator in Neo4j, per page: the floor of the same facts."""
    started = time.perf_counter()
    count = 0
    async for page in page_subjects(db, Stream.OUTPUT_USE, PERIOD, "EUR"):
        count += len(page)
        await db.run_read(
            RAW_PAGE, {"ids": [s.subject_id for s in page], "amounts": [s.amount for s in page]}
        )
    return count, time.perf_counter() - started


async def distribute(db: Database, n: int, traced: bool) -> tuple[StatementRecord, float, int]:
    if traced:
        tracemalloc.start()
    started = time.perf_counter()

    def progress(subjects: int, lines: int) -> None:
        # Every 10,000 outputs: a run cut short still shows whether memory stays flat.
        if subjects % 10_000 == 0:
            peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else 0.0
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            elapsed = time.perf_counter() - started
            print(
                f"  {subjects} outputs, {lines} lines, {elapsed:.0f} s, tracemalloc peak {peak:.1f} MiB, "
                f"ru_maxrss {rss:.0f} MiB",
                flush=True,
            )

    record = await statements.run_distribution(
        db,
        statement_id=f"bench-{n}",
        stream=Stream.OUTPUT_USE,
        period=PERIOD,
        currency="EUR",
        created_by="bench",
        on_page=progress,
    )
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    if traced:
        tracemalloc.stop()
    return record, elapsed, peak


async def measure(db: Database, size: int) -> list[Row]:
    """The distribution of a period of `size` outputs against paging the same outputs."""
    await generate(db, size)
    count, paged = await baseline(db)
    record, elapsed, _ = await distribute(db, size, traced=flag("tracemalloc"))
    assert count == size and record.paid + record.suspended == record.pool
    print(
        f"  statement {record.id}: {record.line_count} lines, pool {record.pool}, paid {record.paid}",
        flush=True,
    )
    path = f"distribution, {size:,} outputs x {INFLUENCES} influences"
    row = throughput_row(path, "outputs", size, [elapsed], [paged], goal=0)
    return [Row(row.path, row.project, row.baseline, row.ratio, "100,000 in <= 60 s")]


def main() -> None:
    meaning = "trace Python allocations (slower), printing the peak every 10,000 outputs"
    run_alone("distribution", measure, MODEST, FULL, __doc__, flags={"tracemalloc": meaning})


if __name__ == "__main__":
    main()
