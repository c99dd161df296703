"""The floor under the CWR import: the same file parsed by the same parser, its records written by raw UNWIND.

No registration models, no digests, no idempotency check, no audit: creators MERGEd once per import, works
CREATEd with their shares and recordings, batches of 5,000. Written under labels of its own (`BaseWork`,
`BaseCreator`, `BaseRecording`, with uniqueness constraints like the project's) so that it never meets the
project's data in the same database.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from graph.database import Database
from registry.cwr import CwrReader, CwrWork

BATCH = 5_000
CONSTRAINTS = (
    "CREATE CONSTRAINT base_work IF NOT EXISTS FOR (w:BaseWork) REQUIRE w.id IS UNIQUE",
    "CREATE CONSTRAINT base_creator IF NOT EXISTS FOR (c:BaseCreator) REQUIRE c.id IS UNIQUE",
    "CREATE CONSTRAINT base_recording IF NOT EXISTS FOR (r:BaseRecording) REQUIRE r.isrc IS UNIQUE",
)
CREATORS = """
UNWIND $rows AS r
MERGE (c:BaseCreator {id: r.id}) SET c.name = r.name, c.ipi = r.ipi
"""
WORKS = """
UNWIND $rows AS r
CREATE (w:BaseWork {id: r.id, title: r.title, iswc: r.iswc})
WITH w, r
CALL (w, r) {
  UNWIND r.shares AS s
  MATCH (c:BaseCreator {id: s.c})
  CREATE (c)-[:HOLDS_SHARE {role: s.role, performing_bp: s.p, mechanical_bp: s.m,
                            synchronisation_bp: s.s}]->(w)
}
CALL (w, r) {
  UNWIND r.isrcs AS isrc
  MERGE (rec:BaseRecording {isrc: isrc})
  CREATE (rec)-[:EMBODIES]->(w)
}
"""


def _row(work: CwrWork, sender: str, creators: dict[str, dict[str, Any]]) -> dict[str, Any]:
    shares = []
    for index, party in enumerate((*work.writers, *work.publishers)):
        key = party.interested_party_number or f"{work.submitter_work_id}:{index}"
        creator_id = f"cwr:{sender}:{key}"
        creators.setdefault(creator_id, {"id": creator_id, "name": party.name, "ipi": party.ipi_name_number})
        own = party.ownership
        shares.append(
            {"c": creator_id, "role": party.role_code or "", "p": own.performing_bp,
             "m": own.mechanical_bp, "s": own.synchronisation_bp}
        )  # fmt: skip
    return {
        "id": f"cwr:{sender}:{work.submitter_work_id}",
        "title": work.title,
        "iswc": work.iswc,
        "shares": shares,
        "isrcs": sorted({r.isrc for r in work.recordings if r.isrc}),
    }


async def raw_import(db: Database, path: Path) -> tuple[int, float]:
    """Parse `path` and write its works by raw UNWIND: (works written, seconds)."""
    for statement in CONSTRAINTS:
        await db.run_autocommit(statement)
    started = time.perf_counter()
    creators: dict[str, dict[str, Any]] = {}
    sent: set[str] = set()
    written = 0
    rows: list[dict[str, Any]] = []
    with path.open(encoding="latin-1", newline="") as lines:
        reader = CwrReader(lines)
        for item in reader:
            if not isinstance(item, CwrWork):
                continue
            sender = reader.header.sender_id if reader.header and reader.header.sender_id else "unknown"
            rows.append(_row(item, sender, creators))
            if len(rows) >= BATCH:
                written += await _flush(db, rows, creators, sent)
                rows = []
    written += await _flush(db, rows, creators, sent)
    return written, time.perf_counter() - started


async def _flush(
    db: Database, rows: list[dict[str, Any]], creators: dict[str, dict[str, Any]], sent: set[str]
) -> int:
    if not rows:
        return 0
    new = sorted({s["c"] for r in rows for s in r["shares"]} - sent)
    if new:
        await db.run_write(CREATORS, {"rows": [creators[c] for c in new]})
        sent.update(new)
    await db.run_write(WORKS, {"rows": rows})
    return len(rows)
