"""Import rate of the CWR loader: generate N works, import them into a fresh Neo4j, print works/second.

    python -m benchmarks.import_cwr [10000 | --full]

The server is the benchmarks' throwaway Neo4j (graph.local_server.throwaway_neo4j). The time covers
reading, parsing, validating and writing; generating the file is not timed.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.gen_cwr import write_cwr
from benchmarks.kit import Row, run_alone
from graph.database import Database
from graph.stores.cwr_import import BATCH_SIZE, ImportReport, import_cwr
from registry.cwr import CwrReader

MODEST, FULL = 10_000, 100_000


async def timed_import(db: Database, path: Path, batch_size: int) -> tuple[ImportReport, float]:
    started = time.perf_counter()
    with path.open(encoding="latin-1", newline="") as lines:
        report = await import_cwr(db, CwrReader(lines), batch_size=batch_size)
    return report, time.perf_counter() - started


async def measure(db: Database, size: int) -> list[Row]:
    """One import of a generated file of `size` works, then the same file again (idempotent)."""
    with tempfile.TemporaryDirectory(prefix="opustrace-bench-") as tmp:
        path = Path(tmp) / "bench.V21"
        write_cwr(size, path)
        first, seconds = await timed_import(db, path, BATCH_SIZE)
        again, seconds_again = await timed_import(db, path, BATCH_SIZE)
    assert first.works_loaded == size and again.works_created == 0, (first, again)
    return [
        Row(f"CWR import, {size:,} works (first)", f"{size / seconds:,.0f} works/s", "-", "-", ">= 5,000/s"),
        Row(f"CWR import, {size:,} works (again)", f"{size / seconds_again:,.0f} works/s", "-", "-", "-"),
    ]


def main() -> None:
    run_alone("import_cwr", measure, MODEST, FULL, __doc__)


if __name__ == "__main__":
    main()
