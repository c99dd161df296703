"""Import rate of the CWR loader against its floor: generate N works, import them, print works/second.

    python -m benchmarks.import_cwr [10000 | --full]

The server is the benchmarks' throwaway Neo4j (graph.local_server.throwaway_neo4j). The import's time
covers reading, parsing, validating and writing; generating the file is not timed. In the same run, on the
same file: the parser alone, and the baseline (benchmarks/cwr_baseline.py): the same parser, then raw UNWIND
of its records. Goal (issue 10): at least 5,000 works/s, within 1.2x of the baseline (ratio >= 0.83), the
parser alone at least 20,000 works/s; the second import changes nothing.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.cwr_baseline import raw_import, wipe
from benchmarks.gen_cwr import write_cwr
from benchmarks.kit import Row, run_alone, throughput_row
from graph.database import Database
from graph.stores.cwr_import import BATCH_SIZE, ImportReport, import_cwr
from registry.cwr import CwrReader

MODEST, FULL = 10_000, 100_000


async def timed_import(db: Database, path: Path, batch_size: int) -> tuple[ImportReport, float]:
    started = time.perf_counter()
    with path.open(encoding="latin-1", newline="") as lines:
        report = await import_cwr(db, CwrReader(lines), batch_size=batch_size)
    return report, time.perf_counter() - started


def timed_parse(path: Path) -> float:
    started = time.perf_counter()
    with path.open(encoding="latin-1", newline="") as lines:
        for _ in CwrReader(lines):
            pass
    return time.perf_counter() - started


async def measure(db: Database, size: int) -> list[Row]:
    """The import, the same file again (idempotent), the parser alone and the raw baseline, one file."""
    with tempfile.TemporaryDirectory(prefix="opustrace-bench-") as tmp:
        path = Path(tmp) / "bench.V21"
        write_cwr(size, path)
        first, seconds = await timed_import(db, path, BATCH_SIZE)
        again, seconds_again = await timed_import(db, path, BATCH_SIZE)
        parse = timed_parse(path)
        written, floor = await raw_import(db, path)
        await wipe(db)
    assert first.works_loaded == size and again.works_created + again.works_updated == 0, (first, again)
    assert written == size
    return [
        throughput_row(f"CWR import, {size:,} works (first)", "works", size, [seconds], [floor], 0.83),
        Row(f"CWR import, {size:,} works (again)", f"{size / seconds_again:,.0f} works/s", "-", "-", "-"),
        Row(f"CWR parser alone, {size:,} works", f"{size / parse:,.0f} works/s", "-", "-", ">= 20,000/s"),
    ]


def main() -> None:
    run_alone("import_cwr", measure, MODEST, FULL, __doc__)


if __name__ == "__main__":
    main()
