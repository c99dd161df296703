"""Import rate of the CWR loader: generate N works, import them into a fresh Neo4j, print works/second.

    python -m benchmarks.import_cwr 100000 [--batch-size 500]

The server is a throwaway local Neo4j on a free port with its data in a temporary directory (as in the
tests), or the one `NEO4J_BENCH_URI` (+ NEO4J_BENCH_USER/PASSWORD) names, whose data it adds to. The time
covers reading, parsing, validating and writing; generating the file is timed apart. The baseline
(benchmarks/cwr_baseline.py) parses the same file with the same parser and writes its records by raw UNWIND.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.cwr_baseline import raw_import
from benchmarks.gen_cwr import write_cwr
from graph.database import Database, Neo4jSettings
from graph.local_server import DEFAULT_USER, LocalNeo4j, free_port
from graph.migrations import migrate
from graph.stores.cwr_import import BATCH_SIZE, ImportReport, import_cwr
from registry.cwr import CwrReader

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def neo4j_server(workdir: Path) -> Iterator[Neo4jSettings]:
    uri = os.environ.get("NEO4J_BENCH_URI")
    if uri:
        yield Neo4jSettings(
            uri, os.environ.get("NEO4J_BENCH_USER", DEFAULT_USER), os.environ["NEO4J_BENCH_PASSWORD"]
        )
        return
    server = LocalNeo4j(
        home=workdir / "neo4j",
        port=free_port(),
        heap="2g",
        pagecache="1g",
        lib_root=REPO / ".data" / "neo4j" / "lib",
    )
    server.start()
    try:
        yield Neo4jSettings(server.uri, DEFAULT_USER, server.password())
    finally:
        server.stop()


async def timed_import(db: Database, path: Path, batch_size: int) -> tuple[ImportReport, float]:
    started = time.perf_counter()
    with path.open(encoding="latin-1", newline="") as lines:
        report = await import_cwr(db, CwrReader(lines), batch_size=batch_size)
    return report, time.perf_counter() - started


async def bench(settings: Neo4jSettings, path: Path, batch_size: int) -> None:
    db = Database.connect(settings)
    try:
        await migrate(db)
        first, seconds = await timed_import(db, path, batch_size)
        print(
            f"first import: {first.works_created} created, {len(first.rejections)} rejected in "
            f"{seconds:.1f} s = {first.works_loaded / seconds:,.0f} works/s"
        )
        again, seconds_again = await timed_import(db, path, batch_size)
        print(
            f"second import: {again.works_unchanged} unchanged, {again.works_created + again.works_updated} "
            f"written in {seconds_again:.1f} s = {again.works_loaded / seconds_again:,.0f} works/s"
        )
        # The floor, on the same file in the same run: the same parser, then raw UNWIND of its records.
        written, floor = await raw_import(db, path)
        print(
            f"baseline (parse + raw UNWIND): {written} works in {floor:.1f} s = "
            f"{written / floor:,.0f} works/s;"
            f" the import takes {seconds / floor:.2f}x the baseline's time"
        )
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("works", type=int)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="opustrace-bench-") as tmp:
        workdir = Path(tmp)
        path = workdir / "bench.V21"
        started = time.perf_counter()
        lines = write_cwr(args.works, path)
        size = path.stat().st_size / 1e6
        took = time.perf_counter() - started
        print(f"generated {args.works} works ({lines} lines, {size:.0f} MB) in {took:.1f} s")
        with neo4j_server(workdir) as settings:
            asyncio.run(bench(settings, path, args.batch_size))


if __name__ == "__main__":
    main()
