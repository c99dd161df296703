"""The benchmark kit: interleaved A/B timing, p50/p95, and one table row per measured path.

Every benchmark module exposes `MODEST` and `FULL` (its size argument for `make bench` and for the full
run) and `async def measure(db: Database, size: int) -> list[Row]`, which builds its data through the
project's own code in `db` (a wiped database), runs its raw-Cypher baseline on the same data in the same
run, and returns one `Row` per path. `benchmarks/__main__.py` lists the modules; `python -m benchmarks`
runs them all in one throwaway Neo4j and prints one table. A module's own `main()` is `run_alone(...)`.

Latency rows compare p50 and p95 (project / baseline, lower is better); throughput rows compare rates
(project / baseline, higher is better). Contenders run A, B, A, B, ... so machine noise hits both.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from graph.database import Database
from graph.local_server import throwaway_neo4j
from graph.migrations import migrate

Contender = Callable[[], Awaitable[object]]
Measure = Callable[[Database, int], Awaitable[list["Row"]]]
_rounds_override: list[int] = []  # set by --rounds on the command line
_flags: set[str] = set()  # a module's own on/off options given on its command line
# Relationships first, then the nodes: a batch of nodes detached at once held a catalogue's pool
# creators with every share and chain edge of 100,000 works, past the transaction memory limit.
WIPE_EDGES = """
MATCH (a)-[r]->(b) WHERE NOT a:Migration AND NOT a:MigrationLock AND NOT b:Migration AND NOT b:MigrationLock
CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS
"""
WIPE = """
MATCH (n) WHERE NOT n:Migration AND NOT n:MigrationLock
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
"""


async def wipe(db: Database) -> None:
    """Everything but the migrations' bookkeeping, in bounded transactions whatever the graph's shape."""
    await db.run_autocommit(WIPE_EDGES)
    await db.run_autocommit(WIPE)


@dataclass(frozen=True)
class Row:
    """One line of the table: what was measured, both figures as printed, the ratio, and the goal."""

    path: str
    project: str
    baseline: str
    ratio: str
    goal: str


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation, as numpy's default."""
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


async def interleaved(contenders: Sequence[Contender], count: int, warmup: int = 3) -> list[list[float]]:
    """Seconds per call of each contender, called in turn (A, B, A, B, ...) after `warmup` untimed turns."""
    for _ in range(warmup):
        for call in contenders:
            await call()
    samples: list[list[float]] = [[] for _ in contenders]
    for _ in range(count):
        for call, times in zip(contenders, samples, strict=True):
            started = time.perf_counter()
            await call()
            times.append(time.perf_counter() - started)
    return samples


def set_rounds(count: int | None) -> None:
    """The command line's --rounds, for every benchmark of this process."""
    if count:
        _rounds_override.append(count)


def rounds(default: int) -> int:
    """How many interleaved rounds a benchmark runs: its default, or the command line's --rounds."""
    return _rounds_override[-1] if _rounds_override else default


def latency_row(path: str, project: Sequence[float], baseline: Sequence[float], goal: float) -> Row:
    """p50 / p95 in ms of both; the ratio shown is project / baseline at p50 and at p95."""

    def figure(samples: Sequence[float]) -> str:
        return f"{percentile(samples, 50) * 1000:.1f} / {percentile(samples, 95) * 1000:.1f} ms"

    p50 = percentile(project, 50) / percentile(baseline, 50)
    p95 = percentile(project, 95) / percentile(baseline, 95)
    return Row(path, figure(project), figure(baseline), f"{p50:.2f} / {p95:.2f}", f"<= {goal:g}")


def absolute_row(path: str, samples: Sequence[float], limit_ms: float, baseline: str = "-") -> Row:
    """A latency with an absolute goal (p50 at most `limit_ms`): the ratio is p50 / limit."""
    p50, p95 = percentile(samples, 50) * 1000, percentile(samples, 95) * 1000
    return Row(
        path, f"{p50:.1f} / {p95:.1f} ms", baseline, f"{p50 / limit_ms:.2f}", f"p50 <= {limit_ms:g} ms"
    )


def throughput_row(
    path: str, unit: str, count: int, project: Sequence[float], baseline: Sequence[float], goal: float
) -> Row:
    """Median rate of `count` units per run of each; the ratio is project / baseline (higher is better)."""
    ours, floor = count / statistics.median(project), count / statistics.median(baseline)
    return Row(path, f"{ours:,.0f} {unit}/s", f"{floor:,.0f} {unit}/s", f"{ours / floor:.2f}", f">= {goal:g}")


def table(rows: Sequence[Row]) -> str:
    """A Markdown table, so a run pastes into BENCHMARKS.md as printed."""
    header = Row("path", "project (p50 / p95 or rate)", "baseline (raw Cypher)", "ratio", "goal")
    cells = [[r.path, r.project, r.baseline, r.ratio, r.goal] for r in (header, *rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(5)]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def machine() -> str:
    """Cores and the load average, printed with every table (figures on a loaded machine say so)."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load}, {time.strftime('%Y-%m-%d %H:%M %Z')}"


async def run_all(measures: Sequence[tuple[str, Measure, int]], heap: str, pagecache: str) -> list[Row]:
    """Each benchmark in turn in one throwaway Neo4j, wiped between them."""
    rows: list[Row] = []
    with throwaway_neo4j(heap=heap, pagecache=pagecache) as settings:
        db = Database.connect(settings)
        try:
            await migrate(db)
            for name, measure, size in measures:
                await wipe(db)
                started = time.perf_counter()
                rows += await measure(db, size)
                print(f"# {name} (size {size:,}) took {time.perf_counter() - started:.0f} s", flush=True)
        finally:
            await db.close()
    return rows


def flag(name: str) -> bool:
    """Whether the module's own option `--name` was given (see `run_alone(flags=...)`)."""
    return name in _flags


def run_alone(
    name: str, measure: Measure, modest: int, full: int, doc: str | None, flags: dict[str, str] | None = None
) -> None:
    """The command line of one benchmark module: `python -m benchmarks.x [size | --full] [--flag ...]`."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    for option, meaning in (flags or {}).items():
        parser.add_argument(f"--{option}", action="store_true", help=meaning)
    parser.add_argument("size", type=int, nargs="?", default=modest, help=f"default {modest:,}")
    parser.add_argument("--full", action="store_true", help=f"the full size, {full:,}")
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--pagecache", default="1g")
    parser.add_argument("--rounds", type=int, help="interleaved rounds instead of the benchmark's default")
    args = parser.parse_args()
    set_rounds(args.rounds)
    _flags.update(option for option in flags or {} if getattr(args, option.replace("-", "_")))
    size = full if args.full else args.size
    rows = asyncio.run(run_all([(name, measure, size)], args.heap, args.pagecache))
    print(machine())
    print(table(rows))
