"""The audit trail's reads: walking the chain to verify it, every chain's head, the listed events.

The trail itself (scopes, appending an event inside each audited write) is `graph.audit`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from graph.database import Database
from graph.stores._pages import Keyed, KeyWindow, keyed_page, keyset_query
from registry.audit import CHAIN, GENESIS, ChainBreak, anchor_break, verify_chain

CHAIN_PAGE = """
MATCH (e:AuditEvent) WHERE e.seq > $after
RETURN e {.*} AS event ORDER BY e.seq LIMIT $limit
"""
HEAD = "MATCH (h:AuditHead {id: 'audit'}) RETURN h.seq AS seq, h.hash AS hash"
HEADS = "MATCH (h:AuditHead) RETURN h.id AS chain, h.seq AS seq, h.hash AS hash ORDER BY chain"
# A training run's events are listed with the run, never before: not while it uploads, and not at all for
# an upload that died and was purged (its `PurgedUpload` marker says up to which event). The chain keeps
# them all; the purge's own event, after the marker, is listed.
_LISTED = """
CALL () { MATCH (r:TrainingRun {status: 'UPLOADING'}) RETURN collect(r.id) AS uploading }
CALL () { MATCH (p:PurgedUpload) RETURN collect(p {.run_id, .through_seq}) AS purged }
"""
_LISTED_WHERE = """
  ($subject IS NULL OR $subject IN e.subject_ids)
  AND ($since IS NULL OR e.at >= $since) AND ($until IS NULL OR e.at < $until)
  AND none(id IN e.subject_ids WHERE id IN uploading)
  AND none(p IN purged WHERE p.run_id IN e.subject_ids AND e.seq <= p.through_seq)
"""
# Newest first by the unique `seq` index: a page starts below the last sequence number its caller saw, so
# it never loads the events before it.
LIST_EVENTS = keyset_query(
    "MATCH (e:AuditEvent) WHERE" + _LISTED_WHERE,
    order="e.seq DESC",
    row="e {.*}",
    kinds=(int,),
    setup=_LISTED,
)


async def verify(
    db: Database, page_size: int = 5000, anchors: Mapping[int, str] | None = None
) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain in pages; returns how many events were checked and the first break.

    `anchors` (sequence -> hash, from a checkpoint) must be met on the way: the recomputed chain has to
    arrive at each kept hash, or an event up to it was rewritten since.
    """
    checked, prev = 0, GENESIS
    anchors = anchors or {}
    while True:
        rows = await db.run_read(CHAIN_PAGE, {"after": checked, "limit": page_size})
        events = [row["event"] for row in rows]
        broken = verify_chain(events, prev, checked + 1) or anchor_break(events, anchors)
        if broken is not None:
            return checked, broken
        if not events:
            break
        checked, prev = events[-1]["seq"], events[-1]["hash"]
    head = await db.run_read(HEAD)
    if head and head[0]["seq"] != checked:
        # The head counted more events than remain: the newest ones were removed.
        return checked, ChainBreak(checked + 1, "REMOVED")
    beyond = [seq for seq in anchors if seq > checked]
    if beyond:
        # The checkpoint saw a longer chain than there is now.
        return checked, ChainBreak(checked + 1, "REMOVED")
    return checked, None


async def heads(db: Database) -> list[dict[str, Any]]:
    """Every chain's head (chain, seq, hash); a trail with no event yet is its genesis at sequence 0."""
    rows = await db.run_read(HEADS)
    return [dict(row) for row in rows] or [{"chain": CHAIN, "seq": 0, "hash": GENESIS}]


async def list_events(
    db: Database, subject: str | None, since: datetime | None, until: datetime | None, window: KeyWindow
) -> tuple[int | None, list[Keyed[dict[str, Any]]]]:
    """How many listed events match (when counted), and a page of them, newest first."""
    query, params = window.bind(LIST_EVENTS)
    params |= {"subject": subject}
    params |= {"since": since.isoformat() if since else None, "until": until.isoformat() if until else None}
    return keyed_page(await db.run_read(query, params), dict)
