"""Import rate of the CWR loader against its floor: generate N works, import them, print works/second.

    python -m benchmarks.import_cwr [10000 | --full]

The server is the benchmarks' throwaway Neo4j (graph.local_server.throwaway_neo4j). The import's time
covers reading, parsing, validating and writing; generating the file is not timed. In the same run, on the
same file: the parser alone, and the baseline (benchmarks/cwr_baseline.py): the same parser, then raw UNWIND
of its records. The import and the baseline alternate round by round (import, baseline, baseline, import,
...), each into a wiped database, so machine noise hits both; the rates are the medians. Goal (issue 10):
at least 5,000 works/s, within 1.2x of the baseline (ratio >= 0.83), the parser alone at least 20,000
works/s; the second import changes nothing.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.cwr_baseline import raw_import
from benchmarks.gen_cwr import write_cwr
from benchmarks.kit import Row, rounds, run_alone, throughput_row, wipe
from graph.database import Database
from graph.stores.catalogue.cwr_import import BATCH_SIZE, ImportReport, import_cwr
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
    """Import and baseline alternated (ABBA...) on one file, each into a wiped database; then the same
    file again over the first import (idempotent) and the parser alone, once per round."""
    imports: list[float] = []
    floors: list[float] = []
    parses: list[float] = []
    seconds_again = 0.0
    with tempfile.TemporaryDirectory(prefix="opustrace-bench-") as tmp:
        path = Path(tmp) / "bench.V21"
        write_cwr(size, path)
        for turn in range(rounds(2 if size >= FULL else 3)):
            for project_first in (True, False) if turn % 2 == 0 else (False, True):
                await wipe(db)
                if project_first:
                    first, seconds = await timed_import(db, path, BATCH_SIZE)
                    assert first.works_loaded == size, first
                    imports.append(seconds)
                    if turn == 0:
                        again, seconds_again = await timed_import(db, path, BATCH_SIZE)
                        assert again.works_created + again.works_updated == 0, again
                else:
                    written, floor = await raw_import(db, path)
                    assert written == size
                    floors.append(floor)
            parses.append(timed_parse(path))
        await wipe(db)
    parse = statistics.median(parses)
    return [
        throughput_row(
            f"CWR import, {size:,} works (first, {len(imports)} rounds)", "works", size, imports, floors, 0.83
        ),
        Row(f"CWR import, {size:,} works (again)", f"{size / seconds_again:,.0f} works/s", "-", "-", "-"),
        Row(f"CWR parser alone, {size:,} works", f"{size / parse:,.0f} works/s", "-", "-", ">= 20,000/s"),
    ]


def main() -> None:
    run_alone("import_cwr", measure, MODEST, FULL, __doc__)


if __name__ == "__main__":
    main()
