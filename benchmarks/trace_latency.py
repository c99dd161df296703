"""Trace latency: `trace` for an output with 100 influences, through the HTTP (ASGI) app, against a
baseline query (`serviceInfo`) measured in the same run; prints medians, p90s and their ratio.

    python -m benchmarks.trace_latency [--influences 100] [--requests 20] [--works 10000]

The output's model is a fine-tune of a base trained on `--works` works (a slice of them unlicensed),
so the trace crosses a real lineage, a run with its flags, and 100 influences with their creators and
shares. Both queries are sent with the same API key, so authentication costs the same in both.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from benchmarks.import_cwr import neo4j_server
from benchmarks.provenance_world import ADMIN_SECRET, api, build, manifest_lines, work_id
from graph.database import Database, Neo4jSettings, QueryCounter
from graph.migrations import migrate
from graph.stores import provenance
from registry.provenance import ManifestFormat, ModelInput, OutputInput, RunInput, parse_manifest

TRACE = """
query($id: ID!) {
  trace(outputId: $id) {
    output { id contentHash compliant }
    model { id name version }
    lineage { id name version }
    modelComplianceStatus countingReportId
    trainingRuns { id startedAt compliant itemCount grant { id status validFrom validTo } }
    influences {
      vendorId reportId score confidence licensableAtTraining reasons { code message }
      work { id title iswc creators { id name } shares { role performingBp mechanicalBp } }
    }
    flags { code subjectKind subjectId workId message }
  }
}
"""
BASELINE = "{ serviceInfo { name version apiVersion } }"
REPORT = """
MERGE (v:Vendor {id: 'bench-vendor'}) ON CREATE SET v.name = 'Bench vendor'
WITH v MATCH (o:Output {id: $output})
CREATE (a:AttributionReport {id: 'bench-report', digest: 'bench-report', vendor_id: v.id,
        vendor_report_id: 'r1', method: 'embedding', method_version: '1', computed_at: datetime(),
        received_at: datetime(), via: 'GRAPHQL', current: true})
CREATE (v)-[:SUBMITTED]->(a)-[:ABOUT]->(o)
WITH a UNWIND $influences AS i
MATCH (w:Work {id: i.work})
CREATE (a)-[:INFLUENCE {score: i.score, confidence: '0.9', right_type: 'COMPOSITION',
                        position: i.position}]->(w)
"""


async def setup(db: Database, works: int, influences: int) -> str:
    base = await build(db, works)
    tuned = await provenance.declare_model(
        db, ModelInput(licensee_id="bench-lic", name="bench", version="1-ft", base_model_id=base)
    )
    run = RunInput(
        id="bench-run", licensee_id="bench-lic", model_id=base, grant_id="bench-g1",
        started_at=datetime(2025, 3, 1, tzinfo=UTC), finished_at=datetime(2025, 3, 10, tzinfo=UTC),
    )  # fmt: skip
    items = provenance.items_of(parse_manifest(manifest_lines(works), ManifestFormat.JSON_LINES))
    await provenance.declare_training_run(db, run, items)
    output = OutputInput(
        id="bench-output", licensee_id="bench-lic", model_id=tuned.id,
        content_hash=hashlib.sha256(b"bench").hexdigest(), generated_at=datetime(2025, 4, 1, tzinfo=UTC),
    )  # fmt: skip
    await provenance.declare_output(db, output)
    # Influences spread over the catalogue, so some land on the unlicensed slice.
    step = max(1, works // influences)
    rows = [{"work": work_id(i * step), "score": f"0.{i + 1:04d}", "position": i} for i in range(influences)]
    await db.run_write(REPORT, {"output": output.output_id, "influences": rows})
    return output.output_id


async def timed(http: httpx.AsyncClient, query: str, variables: dict[str, str]) -> float:
    started = time.perf_counter()
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {ADMIN_SECRET}"},
    )
    elapsed = time.perf_counter() - started
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    return elapsed


def describe(name: str, samples: list[float]) -> str:
    p90 = statistics.quantiles(samples, n=10)[-1] if len(samples) > 1 else samples[0]
    return f"{name}: median {statistics.median(samples) * 1000:.1f} ms, p90 {p90 * 1000:.1f} ms"


async def bench(settings: Neo4jSettings, works: int, influences: int, requests: int) -> None:
    db = Database.connect(settings)
    try:
        await migrate(db)
        output_id = await setup(db, works, influences)
        async with api(db) as http:
            variables = {"id": output_id}
            for _ in range(3):  # warm up: query plans, caches, the JIT
                await timed(http, TRACE, variables)
                await timed(http, BASELINE, {})
            async with QueryCounter.counting() as count:
                await timed(http, TRACE, variables)
            traces, baselines = [], []
            for _ in range(requests):  # interleaved, so both see the same load on the machine
                traces.append(await timed(http, TRACE, variables))
                baselines.append(await timed(http, BASELINE, {}))
        print(f"trace of an output with {influences} influences, base trained on {works} works:")
        print(f"  Neo4j queries per trace request (auth included): {count[0]}")
        print("  " + describe("trace      ", traces))
        print("  " + describe("serviceInfo", baselines))
        ratio = statistics.median(traces) / statistics.median(baselines)
        print(f"  ratio of medians trace/serviceInfo: {ratio:.1f}x over {requests} requests each")
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--influences", type=int, default=100)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--works", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, neo4j_server(Path(tmp)) as settings:
        asyncio.run(bench(settings, args.works, args.influences, args.requests))


if __name__ == "__main__":
    main()
