"""Manifest write rate: a training run of N items uploaded through the API, against raw UNWIND.

    python -m benchmarks.manifest_write [10000 | --full]

The project's path is the whole API: a multipart upload of a JSON-lines manifest over every work of the
world (benchmarks.provenance_world) to `declareTrainingRun` through the ASGI app, timing parsing, resolving
every reference, the rights facts and compliance flags, the USED edges, the audit event and the final
COMPLETE flip. The baseline creates the same run node and USED edges with raw `UNWIND` batches of 5,000
work ids. Rounds alternate (API, raw, API, raw, ...), each under a new run id.
"""

from __future__ import annotations

import json

import httpx

from benchmarks.kit import Row, interleaved, rounds, run_alone, throughput_row
from benchmarks.provenance_world import ADMIN_SECRET, api, build, manifest_lines, run_header
from graph.database import Database

DECLARE = """
mutation($i: DeclareTrainingRunInput!, $f: Upload) {
  declareTrainingRun(input: $i, manifest: $f) { id itemCount compliant flags { totalCount } }
}
"""
MODEST, FULL = 10_000, 100_000
RAW_BATCH = 5_000
RAW_RUN = """
MATCH (m:Model {licensee_id: 'bench-lic', name: 'bench', version: '1'}), (g:Grant {id: 'bench-g1'})
CREATE (r:TrainingRun {id: $id, status: 'COMPLETE', started_at: datetime('2025-03-01T00:00:00Z')})
CREATE (r)-[:PRODUCED]->(m), (r)-[:UNDER]->(g)
"""
RAW_USED = """
MATCH (r:TrainingRun {id: $id})
UNWIND $works AS wid
MATCH (w:Work {id: wid})
CREATE (r)-[:USED {weight: '1'}]->(w)
"""


async def via_api(http: httpx.AsyncClient, run_id: str, model_id: str, body: bytes, items: int) -> None:
    operations = {"query": DECLARE, "variables": {"i": run_header(run_id, model_id), "f": None}}
    response = await http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
        files={"0": ("manifest.jsonl", body, "application/x-ndjson")},
        headers={"Authorization": f"Bearer {ADMIN_SECRET}"},
    )
    result = response.json()
    assert not result.get("errors"), result["errors"]
    assert result["data"]["declareTrainingRun"]["itemCount"] == items


async def via_unwind(db: Database, run_id: str, work_ids: list[str]) -> None:
    await db.run_write(RAW_RUN, {"id": run_id})
    for start in range(0, len(work_ids), RAW_BATCH):
        await db.run_write(RAW_USED, {"id": run_id, "works": work_ids[start : start + RAW_BATCH]})


async def measure(db: Database, size: int) -> list[Row]:
    world = await build(db, size)
    body = ("\n".join(manifest_lines(world.work_ids)) + "\n").encode()
    runs = iter(range(1_000_000))
    async with api(db) as http:

        async def ours() -> None:
            await via_api(http, f"bench-lic:bench-run-api-{next(runs)}", world.model_id, body, size)

        async def floor() -> None:
            await via_unwind(db, f"bench-run-raw-{next(runs)}", world.work_ids)

        project, baseline = await interleaved([ours, floor], rounds(3), warmup=0)
    path = f"training manifest API upload, {size:,} items"
    return [throughput_row(path, "items", size, project, baseline, 0.8)]


def main() -> None:
    run_alone("manifest_write", measure, MODEST, FULL, __doc__)


if __name__ == "__main__":
    main()
