"""The audit head under load: write throughput with 1, 2, 4 and 8 concurrent writers of independent records.

    python -m benchmarks.audit_head [writes | --full] [--rounds N]

Every writer MERGEs records of its own (no two writers touch the same node) under an audit scope, so each
write also appends its event through the one `AuditHead` node in the same transaction. The baseline is the
same MERGE without the audit trail (raw Cypher in a managed write), interleaved with it in the same run
over one driver. One row per writer count: `writes` records per round spread over the writers; the rate
column shows whether throughput grows with writers, the ratio what the trail costs at that concurrency.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from benchmarks.kit import Row, interleaved, rounds, run_alone, throughput_row
from graph.audit import AuditScope, auditing
from graph.database import Database, Tx

MODEST = 200
FULL = 2000
WRITE = "MERGE (r:AuditBenchRecord {id: $id}) SET r.value = $value"
SCOPE = AuditScope(actor="bench", role="ADMIN", via="CLI", action="auditHeadBenchmark")
WRITERS = (1, 2, 4, 8)


async def _one_writer(db: Database, prefix: str, count: int, audited: bool) -> None:
    for index in range(count):
        record_id = f"{prefix}-{index}"

        async def work(tx: Tx, record_id: str = record_id, value: int = index) -> None:
            await tx.run(WRITE, {"id": record_id, "value": value})
            tx.touch(record_id)

        if audited:
            with auditing(SCOPE):
                await db.write(work)
        else:
            await db.write(work)


def _round(db: Database, writers: int, writes: int, audited: bool) -> Callable[[], Awaitable[None]]:
    """One contender: `writes` new records spread over `writers` concurrent writers."""

    async def run() -> None:
        prefix = uuid.uuid4().hex[:8]
        per_writer = writes // writers
        await asyncio.gather(*(_one_writer(db, f"{prefix}-{w}", per_writer, audited) for w in range(writers)))

    return run


async def measure(db: Database, size: int) -> list[Row]:
    rows = []
    for writers in WRITERS:
        audited, raw = await interleaved(
            [_round(db, writers, size, True), _round(db, writers, size, False)], rounds(3), warmup=1
        )
        path = f"audited writes, {writers} writer{'s' if writers > 1 else ''}"
        rows.append(throughput_row(path, "writes", size, audited, raw, 0.5))
    return rows


def main() -> None:
    run_alone("audit_head", measure, MODEST, FULL, __doc__)


if __name__ == "__main__":
    main()
