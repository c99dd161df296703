"""The audit trail in the graph: one `(:AuditEvent)` per write transaction made under an audit scope.

Events form a hash chain through `(:AuditHead {id: 'audit'})`: each append increments the head's sequence
(a write that takes the head's lock, so appends are serialised) and stores the hash of the previous event,
all in the transaction of the write it records: no write without its event, no event without its write.
`graph.database` calls `append` for every audited write; the trail's reads (verification, heads, the
event list) are the store `graph.stores.audit.events`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, LiteralString, Protocol

from registry.audit import GENESIS, event_hash


class Transaction(Protocol):
    """What appending needs of the write transaction (`graph.database.Tx`); named here so that the driver
    module may import this one and not the other way round."""

    async def run(self, query: LiteralString, params: Mapping[str, Any] | None = None) -> Any: ...

    async def single(self, query: LiteralString, params: Mapping[str, Any] | None = None) -> Any: ...


@dataclass(frozen=True, slots=True)
class AuditScope:
    """Who acts, through which path, for which action: set once per request, command or delivery."""

    actor: str
    role: str
    via: str  # GRAPHQL, WEBHOOK, CLI, IMPORT, PULL
    action: str
    request_id: str = "-"
    input_digest: str = ""


_scope: contextvars.ContextVar[AuditScope | None] = contextvars.ContextVar("audit_scope", default=None)


@contextmanager
def auditing(scope: AuditScope) -> Iterator[AuditScope]:
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


@contextmanager
def unaudited() -> Iterator[None]:
    """Writes that are one step of an audited whole, whose event another transaction of it writes."""
    token = _scope.set(None)
    try:
        yield
    finally:
        _scope.reset(token)


def current_scope() -> AuditScope | None:
    return _scope.get()


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


async def append(tx: Transaction, scope: AuditScope, subject_ids: list[str]) -> dict[str, Any]:
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
