"""Claims on works and the resolution of disputes between them (see registry.claims for the rule).

A work's own registration is its first claim (HOLDS_SHARE edges without a `claim` property); each further
registration is a `(:Claim)-[:CLAIMS]->(:Work)` whose shares are HOLDS_SHARE edges marked with its id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph.database import Database, Tx
from graph.stores._records import record_from_row
from graph.stores.catalogue.records import Page, WorkRecord
from graph.stores.licensing.licensable import refresh_works
from registry.claims import ClaimTotals, check_resolution
from registry.errors import InvalidInput, NotFound

# One row per claim, the work's own registration first (its id is the work's id).
CLAIMS_FOR_WORKS = """
UNWIND $ids AS id
MATCH (w:Work {id: id})
WHERE EXISTS { (w)<-[:CLAIMS]-(:Claim) }
CALL (w) {
  OPTIONAL MATCH (w)<-[s:HOLDS_SHARE]-(:Creator) WHERE s.claim IS NULL
  RETURN {id: w.id, status: coalesce(w.dispute_own_status, 'ACTIVE'),
          submitter_work_id: w.submitter_work_id, title: w.title, sender: null} AS own,
         [coalesce(sum(s.performing_bp), 0), coalesce(sum(s.mechanical_bp), 0),
          coalesce(sum(s.synchronisation_bp), 0)] AS own_bp
}
CALL (w) {
  MATCH (k:Claim)-[:CLAIMS]->(w)
  OPTIONAL MATCH (w)<-[s:HOLDS_SHARE {claim: k.id}]-(:Creator)
  WITH k, [coalesce(sum(s.performing_bp), 0), coalesce(sum(s.mechanical_bp), 0),
           coalesce(sum(s.synchronisation_bp), 0)] AS bp
  ORDER BY k.id
  RETURN collect({claim: k {.id, .status, .submitter_work_id, .title, .sender}, bp: bp}) AS others
}
RETURN id, [{claim: own, bp: own_bp}] + others AS claims
"""
# The claims an ADMIN keeps stay (with their shares); the others lose their shares and are marked.
RESOLVE = """
MATCH (w:Work {id: $work_id})
CALL (w) {
  MATCH (w)<-[s:HOLDS_SHARE]-(:Creator)
  WHERE NOT coalesce(s.claim, w.id) IN $keep
  DELETE s
}
CALL (w) {
  MATCH (k:Claim)-[:CLAIMS]->(w)
  SET k.status = CASE WHEN k.id IN $keep THEN 'ACCEPTED' ELSE 'REJECTED' END
}
SET w.disputed = false, w.disputed_rights = [],
    w.dispute_own_status = CASE WHEN w.id IN $keep THEN 'ACCEPTED' ELSE 'REJECTED' END,
    w.dispute_evidence = $evidence, w.dispute_resolved_by = $actor, w.dispute_resolved_at = datetime()
RETURN w {.*} AS node
"""

# The root list of disputed works (V0010 indexes both properties): OPEN while claims exceed a right,
# RESOLVED once an ADMIN decided and no new claim reopened it. `_HELD` narrows it to a creator's works.
_OPEN = "MATCH (w:Work) WHERE w.disputed = true"
_RESOLVED = "MATCH (w:Work) WHERE w.dispute_resolved_at IS NOT NULL AND NOT coalesce(w.disputed, false)"
_HELD = " AND EXISTS { (:Creator {id: $creator_id})-[:HOLDS_SHARE]->(w) }"
_COUNT = " RETURN count(w) AS total"
_PAGE = " RETURN w {.*} AS node ORDER BY w.id SKIP $offset LIMIT $limit"
COUNT_OPEN_DISPUTES = _OPEN + _COUNT
PAGE_OPEN_DISPUTES = _OPEN + _PAGE
COUNT_HELD_OPEN_DISPUTES = _OPEN + _HELD + _COUNT
PAGE_HELD_OPEN_DISPUTES = _OPEN + _HELD + _PAGE
COUNT_RESOLVED_DISPUTES = _RESOLVED + _COUNT
PAGE_RESOLVED_DISPUTES = _RESOLVED + _PAGE
COUNT_HELD_RESOLVED_DISPUTES = _RESOLVED + _HELD + _COUNT
PAGE_HELD_RESOLVED_DISPUTES = _RESOLVED + _HELD + _PAGE
_DISPUTE_QUERIES = {
    (True, False): (COUNT_OPEN_DISPUTES, PAGE_OPEN_DISPUTES),
    (True, True): (COUNT_HELD_OPEN_DISPUTES, PAGE_HELD_OPEN_DISPUTES),
    (False, False): (COUNT_RESOLVED_DISPUTES, PAGE_RESOLVED_DISPUTES),
    (False, True): (COUNT_HELD_RESOLVED_DISPUTES, PAGE_HELD_RESOLVED_DISPUTES),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimRecord:
    """One claim on a work: who registered what, and the shares it claims per right."""

    id: str
    status: str = "ACTIVE"  # ACTIVE, ACCEPTED or REJECTED
    submitter_work_id: str | None
    title: str | None
    totals: ClaimTotals

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ClaimRecord:
        return record_from_row(cls, row["claim"], totals=ClaimTotals(*row["bp"]))


async def claims_for_works(db: Database, work_ids: Sequence[str]) -> dict[str, list[ClaimRecord]]:
    """Each work's claims, its own registration first; a work nobody else has claimed may be left out."""
    rows = await db.run_read(CLAIMS_FOR_WORKS, {"ids": list(set(work_ids))})
    return {row["id"]: [ClaimRecord.from_row(claim) for claim in row["claims"]] for row in rows}


async def disputed_works(
    db: Database, *, open_: bool, creator_id: str | None, offset: int, limit: int
) -> Page[WorkRecord]:
    """Works in dispute (`open_`) or whose dispute an ADMIN resolved, by id; a creator's only when named."""
    count, page = _DISPUTE_QUERIES[(open_, creator_id is not None)]
    params = {"creator_id": creator_id, "offset": offset, "limit": limit}

    async def read(tx: Tx) -> Page[WorkRecord]:
        total = await tx.single(count, params)
        rows = await tx.run(page, params)
        return Page(total["total"] if total else 0, [WorkRecord.from_node(r["node"]) for r in rows])

    return await db.read(read)


async def resolve_dispute(
    db: Database, work_id: str, keep: Sequence[str], evidence: str, actor: str
) -> WorkRecord:
    """Keep the named claims of a work and drop the others' shares, with the evidence; one transaction."""

    async def write(tx: Tx) -> WorkRecord:
        rows = await tx.run(CLAIMS_FOR_WORKS, {"ids": [work_id]})
        if not rows:
            if await tx.single("MATCH (w:Work {id: $id}) RETURN w.id AS id", {"id": work_id}) is None:
                raise NotFound(f"No work has id {work_id}.")
            raise InvalidInput(
                f"Work {work_id} has no claims other than its own registration: nothing to resolve."
            )
        claims = {record.id: record.totals for record in map(ClaimRecord.from_row, rows[0]["claims"])}
        check_resolution(work_id, claims, keep, evidence)
        row = await tx.single(
            RESOLVE,
            {"work_id": work_id, "keep": sorted(set(keep)), "evidence": evidence.strip(), "actor": actor},
        )
        assert row is not None
        await refresh_works(tx, [work_id])  # the dropped claims' holders no longer need to consent
        return WorkRecord.from_node(row["node"])

    return await db.write(write)
