"""The audit trail in the graph: one `(:AuditEvent)` per write transaction made under an audit scope.

Events form a hash chain through `(:AuditHead {id: 'audit'})`: each append increments the head's sequence
(a write that takes the head's lock, so appends are serialised) and stores the hash of the previous event,
all in the transaction of the write it records: no write without its event, no event without its write.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from registry.audit import GENESIS, ChainBreak, event_hash, verify_chain

if TYPE_CHECKING:
    from graph.database import Database, Tx


@dataclass(frozen=True, slots=True)
class AuditScope:
    """Who acts, through which path, for which action: set once per request, command or delivery."""

    actor: str
    role: str
    via: str  # GRAPHQL, WEBHOOK, CLI, IMPORT, PULL
    action: str
    request_id: str = "-"
    input_digest: str = ""


@dataclass
class _Touched:
    ids: list[str] = field(default_factory=list)


_scope: contextvars.ContextVar[AuditScope | None] = contextvars.ContextVar("audit_scope", default=None)


@contextmanager
def auditing(scope: AuditScope) -> Iterator[AuditScope]:
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def current_scope() -> AuditScope | None:
    return _scope.get()


def narrowed(action: str, input_digest: str | None = None) -> AuditScope | None:
    """The current scope for a more specific action (e.g. one file of an import)."""
    scope = _scope.get()
    if scope is None:
        return None
    return replace(scope, action=action, input_digest=input_digest or scope.input_digest)


ADVANCE_HEAD = """
MERGE (h:AuditHead {id: 'audit'})
ON CREATE SET h.seq = 0, h.hash = $genesis
SET h.seq = h.seq + 1
RETURN h.seq AS seq, h.hash AS prev_hash
"""
APPEND_EVENT = """
MATCH (h:AuditHead {id: 'audit'})
CREATE (e:AuditEvent)
SET e = $event
SET h.hash = $event.hash
"""
CHAIN_PAGE = """
MATCH (e:AuditEvent) WHERE e.seq > $after
RETURN e {.*} AS event ORDER BY e.seq LIMIT $limit
"""
HEAD = "MATCH (h:AuditHead {id: 'audit'}) RETURN h.seq AS seq, h.hash AS hash"
# A training run's events are listed with the run, never while it uploads (the chain keeps them all; after
# a crash they show again beside the start-up purge that removed the run).
LIST_EVENTS = """
CALL () { MATCH (r:TrainingRun {status: 'UPLOADING'}) RETURN collect(r.id) AS uploading }
MATCH (e:AuditEvent)
WHERE ($subject IS NULL OR $subject IN e.subject_ids)
  AND ($since IS NULL OR e.at >= $since) AND ($until IS NULL OR e.at < $until)
  AND none(id IN e.subject_ids WHERE id IN uploading)
WITH e ORDER BY e.seq DESC
WITH collect(e) AS events
RETURN size(events) AS total, [e IN events[$offset..$offset + $limit] | e {.*}] AS page
"""


async def append(tx: Tx, scope: AuditScope, subject_ids: list[str]) -> dict[str, Any]:
    head = await tx.single(ADVANCE_HEAD, {"genesis": GENESIS})
    assert head is not None
    event: dict[str, Any] = {
        "seq": head["seq"],
        "at": datetime.now(UTC).isoformat(),
        "actor": scope.actor,
        "role": scope.role,
        "via": scope.via,
        "action": scope.action,
        "subject_ids": sorted(set(subject_ids)),
        "request_id": scope.request_id,
        "input_digest": scope.input_digest,
        "prev_hash": head["prev_hash"],
    }
    event["hash"] = event_hash(event["prev_hash"], event)
    await tx.run(APPEND_EVENT, {"event": event})
    return event


async def verify(db: Database, page_size: int = 5000) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain in pages; returns how many events were checked and the first break."""
    checked, prev = 0, GENESIS
    while True:
        rows = await db.run_read(CHAIN_PAGE, {"after": checked, "limit": page_size})
        events = [row["event"] for row in rows]
        broken = verify_chain(events, prev, checked + 1)
        if broken is not None:
            return checked, broken
        if not events:
            break
        checked, prev = events[-1]["seq"], events[-1]["hash"]
    head = await db.run_read(HEAD)
    if head and head[0]["seq"] != checked:
        # The head counted more events than remain: the newest ones were removed.
        return checked, ChainBreak(checked + 1, "REMOVED")
    return checked, None


async def list_events(
    db: Database, subject: str | None, since: datetime | None, until: datetime | None, offset: int, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    params = {"subject": subject, "offset": offset, "limit": limit}
    params |= {"since": since.isoformat() if since else None, "until": until.isoformat() if until else None}
    rows = await db.run_read(LIST_EVENTS, params)
    return rows[0]["total"], rows[0]["page"]
