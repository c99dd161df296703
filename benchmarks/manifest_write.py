"""Manifest write rate: declare a training run of N items (default 100,000) and print items/second.

    python -m benchmarks.manifest_write [100000]

Two paths over the same world: the store directly (`declare_training_run` fed a stream of items), and the
whole API: a multipart upload of a JSON-lines manifest to `declareTrainingRun` through the ASGI app. Both
time everything: parsing, resolving every reference, the rights facts and compliance flags per batch, the
USED edges, and the final COMPLETE flip. Neo4j: a throwaway local server (NEO4J_BENCH_URI for another).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from benchmarks.import_cwr import neo4j_server
from benchmarks.provenance_world import ADMIN_SECRET, api, build, manifest_lines, run_header
from graph.database import Database, Neo4jSettings
from graph.migrations import migrate
from graph.stores import provenance
from registry.provenance import ManifestFormat, RunInput, parse_manifest

DECLARE = """
mutation($i: DeclareTrainingRunInput!, $f: Upload) {
  declareTrainingRun(input: $i, manifest: $f) { id itemCount compliant flags { totalCount } }
}
"""


async def via_store(db: Database, model_id: str, works: int) -> float:
    header = run_header("bench-run-store", model_id)
    fields = {"id": header["id"], "model_id": model_id, "grant_id": header["grantId"]}
    fields |= {"started_at": header["startedAt"], "finished_at": header["finishedAt"]}
    run = RunInput.model_validate(fields | {"licensee_id": "bench-lic"})
    items = provenance.items_of(parse_manifest(manifest_lines(works), ManifestFormat.JSON_LINES))
    started = time.perf_counter()
    record = await provenance.declare_training_run(db, run, items)
    elapsed = time.perf_counter() - started
    assert record.item_count == works
    return elapsed


async def via_api(db: Database, model_id: str, works: int) -> tuple[float, dict[str, object]]:
    body = ("\n".join(manifest_lines(works)) + "\n").encode()
    operations = {"query": DECLARE, "variables": {"i": run_header("bench-run-api", model_id), "f": None}}
    async with api(db) as http:
        started = time.perf_counter()
        response = await http.post(
            "/graphql",
            data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
            files={"0": ("manifest.jsonl", body, "application/x-ndjson")},
            headers={"Authorization": f"Bearer {ADMIN_SECRET}"},
        )
        elapsed = time.perf_counter() - started
    result = response.json()
    assert not result.get("errors"), result["errors"]
    return elapsed, result["data"]["declareTrainingRun"]


async def bench(settings: Neo4jSettings, works: int) -> None:
    db = Database.connect(settings)
    try:
        await migrate(db)
        started = time.perf_counter()
        model_id = await build(db, works)
        print(f"world: {works} works in {time.perf_counter() - started:.1f} s (not timed below)")
        store = await via_store(db, model_id, works)
        print(f"store: {works} items in {store:.2f} s = {works / store:,.0f} items/s")
        elapsed, run = await via_api(db, model_id, works)
        print(f"api:   {works} items in {elapsed:.2f} s = {works / elapsed:,.0f} items/s  ({run})")
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("items", type=int, nargs="?", default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, neo4j_server(Path(tmp)) as settings:
        asyncio.run(bench(settings, args.items))


if __name__ == "__main__":
    main()
