"""`make bench`: every benchmark at its modest size (or `--full`) in one throwaway Neo4j, one table.

    python -m benchmarks [--full] [--only trace_latency,manifest_write]

To add a benchmark, write a module with `MODEST`, `FULL` and `measure(db, size) -> list[Row]` (see
benchmarks/kit.py) and name it in MODULES.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib

from benchmarks import kit

MODULES = (
    "trace_latency",
    "manifest_write",
    "attribution_write",
    "catalogue_reads",
    "driver_codec",
    "import_cwr",
    "distribution",
    "catalogue_training",
    "audit_head",
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="every benchmark at its full size")
    parser.add_argument("--only", default=",".join(MODULES), help="a comma-separated subset of the modules")
    parser.add_argument("--heap", default="1g")
    parser.add_argument("--pagecache", default="512m")
    parser.add_argument("--rounds", type=int, help="interleaved rounds instead of each benchmark's default")
    args = parser.parse_args()
    kit.set_rounds(args.rounds)
    measures = []
    for name in args.only.split(","):
        module = importlib.import_module(f"benchmarks.{name}")
        measures.append((name, module.measure, module.FULL if args.full else module.MODEST))
    rows = asyncio.run(kit.run_all(measures, args.heap, args.pagecache))
    print(kit.machine())
    print(kit.table(rows))


if __name__ == "__main__":
    main()
