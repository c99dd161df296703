"""Signed audit checkpoints in the graph: `(:AuditCheckpoint {day, document, issued_at})`, one a day.

The first checkpoint written on a day stays the day's checkpoint (MERGE on the day), so several workers or
a cron job and the service's own daily task never write two.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from graph.database import Database
from graph.stores.audit import events as audit_events
from registry.audit_checkpoint import (
    ChainHead,
    Checkpoint,
    SignedCheckpoint,
    parse_checkpoint,
    sign_checkpoint,
)

KEEP = """
MERGE (c:AuditCheckpoint {day: $day})
ON CREATE SET c.document = $document, c.issued_at = datetime($issued_at)
RETURN c.document AS document
"""
LATEST = "MATCH (c:AuditCheckpoint) RETURN c.document AS document ORDER BY c.day DESC LIMIT $limit"


async def current_heads(db: Database) -> tuple[ChainHead, ...]:
    return tuple(
        ChainHead(chain=h["chain"], seq=h["seq"], hash=h["hash"]) for h in await audit_events.heads(db)
    )


async def checkpoint_today(
    db: Database, key: Ed25519PrivateKey, now: datetime | None = None
) -> SignedCheckpoint:
    """Today's checkpoint (UTC day): the one already kept, or a new one of the current heads, signed."""
    moment = now or datetime.now(UTC)
    signed = sign_checkpoint(Checkpoint(issued_at=moment, heads=await current_heads(db)), key)
    params = {
        "day": moment.date().isoformat(),
        "document": signed.model_dump_json(),
        "issued_at": moment.isoformat(),
    }
    rows = await db.run_write(KEEP, params)
    return parse_checkpoint(rows[0]["document"])


async def latest(db: Database, limit: int = 30) -> list[SignedCheckpoint]:
    rows = await db.run_read(LATEST, {"limit": limit})
    return [parse_checkpoint(r["document"]) for r in rows]
