"""Consents: `(:Creator)-[:GAVE]->(:Consent)-[:COVERS]->(:Work)` (no COVERS for a catalogue consent).

Consents are never deleted or edited: revoking sets `revoked_at` and keeps the node, so the history
of who allowed what, and when, stays queryable and past verdicts can always be recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from neo4j.time import DateTime

from graph.database import Database, Tx
from graph.stores._pages import Keyed, KeyWindow, keyed_page, keyset_query
from graph.stores._records import record_from_row, require_same
from graph.stores.licensing.licensable import refresh_holder_works, refresh_works
from registry.errors import InvalidInput, NotFound
from registry.licensing import ConsentInput
from registry.rights import Decision, Scope

CREATOR_AND_SHARE = """
MATCH (c:Creator {id: $creator_id})
OPTIONAL MATCH (w:Work {id: $work_id})
RETURN c.id AS creator, w.id AS work,
       w IS NOT NULL AND EXISTS { (c)-[:HOLDS_SHARE]->(w) } AS holds_share
"""
# Links are made only by the request that created the node: a replay with another creator or work
# must not attach the existing consent to them (it is reported as a CONFLICT instead).
GIVE = """
MATCH (c:Creator {id: $creator_id})
OPTIONAL MATCH (w:Work {id: $work_id})
MERGE (k:Consent {id: $id})
ON CREATE SET k += $props, k.created_at = datetime(), k.valid_from = coalesce($valid_from, datetime())
WITH c, w, k, NOT EXISTS { (:Creator)-[:GAVE]->(k) } AS fresh
FOREACH (_ IN CASE WHEN fresh THEN [1] ELSE [] END |
  MERGE (c)-[:GAVE]->(k)
  FOREACH (x IN CASE WHEN w IS NULL THEN [] ELSE [w] END | MERGE (k)-[:COVERS]->(x)))
WITH k
MATCH (owner:Creator)-[:GAVE]->(k)
OPTIONAL MATCH (k)-[:COVERS]->(covered:Work)
RETURN k {.*, creator_id: owner.id, work_id: covered.id} AS consent
"""
# Revoking twice keeps the first revocation: its time is the one verdicts depend on.
REVOKE = """
MATCH (owner:Creator)-[:GAVE]->(k:Consent {id: $id})
WHERE $creator_id IS NULL OR owner.id = $creator_id
SET k.revoked_at = coalesce(k.revoked_at, datetime()),
    k.revoked_by = coalesce(k.revoked_by, $revoked_by),
    k.revocation_evidence = coalesce(k.revocation_evidence, $evidence)
WITH k, owner
OPTIONAL MATCH (k)-[:COVERS]->(covered:Work)
RETURN k {.*, creator_id: owner.id, work_id: covered.id} AS consent
"""
# A work's history includes the catalogue consents of its share holders: they cover it too. Latest start
# first; `valid_from` is set once, when the consent is given.
HISTORY = keyset_query(
    """
MATCH (owner:Creator)-[:GAVE]->(k:Consent)
WHERE ($creator_id IS NULL OR owner.id = $creator_id)
  AND ($include_revoked OR k.revoked_at IS NULL)
  AND ($work_id IS NULL
       OR EXISTS { (k)-[:COVERS]->(:Work {id: $work_id}) }
       OR (k.catalogue AND EXISTS { (owner)-[:HOLDS_SHARE]->(:Work {id: $work_id}) }))
""",
    order="k.valid_from DESC, k.id DESC",
    row="k {.*, creator_id: owner.id, work_id: COLLECT { MATCH (k)-[:COVERS]->(w:Work) RETURN w.id }[0]}",
    kinds=(DateTime, str),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsentRecord:
    id: str
    creator_id: str
    work_id: str | None
    decision: Decision
    scopes: frozenset[Scope]
    catalogue: bool = False
    valid_from: datetime
    revoked_at: datetime | None
    given_by: str | None
    evidence: str | None
    revoked_by: str | None
    revocation_evidence: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ConsentRecord:
        return record_from_row(cls, row)


async def give_consent(db: Database, consent: ConsentInput, given_by: str) -> ConsentRecord:
    """Record an opt-in or decline; the same id sent again returns the stored consent unchanged.

    Without `valid_from` the consent starts at the database's clock, the same clock that stamps
    revocations, so the order of a consent and its revocation never depends on two machines' clocks.
    """

    async def work(tx: Tx) -> dict[str, Any]:
        await _check_target(tx, consent)
        props = {
            "decision": consent.decision.value,
            "scopes": sorted(consent.scopes),
            "catalogue": consent.catalogue,
            "given_by": given_by,
            "evidence": consent.evidence,
        }
        params = {"id": consent.id, "creator_id": consent.creator_id, "work_id": consent.work_id}
        row = await tx.single(GIVE, params | {"props": props, "valid_from": consent.valid_from})
        assert row is not None
        # Checked inside the transaction, so a conflicting retry rolls back (and leaves no audit event).
        require_same("Consent", consent.id, row["consent"], sent)
        await _refresh_covered(tx, row["consent"])
        tx.touch(consent.id, consent.creator_id, consent.work_id)
        return dict(row["consent"])

    sent = {
        "creator_id": consent.creator_id,
        "work_id": consent.work_id,
        "decision": consent.decision.value,
        "scopes": sorted(consent.scopes),
        "catalogue": consent.catalogue,
    }
    stored = await db.write(work)
    return ConsentRecord.from_row(stored)


async def _check_target(tx: Tx, consent: ConsentInput) -> None:
    row = await tx.single(CREATOR_AND_SHARE, {"creator_id": consent.creator_id, "work_id": consent.work_id})
    if row is None:
        raise NotFound(f"No creator has id {consent.creator_id!r}.")
    if consent.work_id is None:
        return
    if row["work"] is None:
        raise NotFound(f"No work has id {consent.work_id!r}.")
    if not row["holds_share"]:
        raise InvalidInput(
            f"Creator {consent.creator_id} holds no share in work {consent.work_id}; only share holders "
            "consent to a work. Register the share first."
        )


async def revoke_consent(
    db: Database, consent_id: str, revoked_by: str, evidence: str | None, *, creator_id: str | None = None
) -> ConsentRecord | None:
    """Revoke from now on; None when no consent has that id (of `creator_id`, when given)."""
    params = {"id": consent_id, "creator_id": creator_id, "revoked_by": revoked_by, "evidence": evidence}

    async def work(tx: Tx) -> ConsentRecord | None:
        row = await tx.single(REVOKE, params)
        if row is None:
            return None
        await _refresh_covered(tx, row["consent"])
        return ConsentRecord.from_row(row["consent"])

    return await db.write(work)


async def _refresh_covered(tx: Tx, consent: dict[str, Any]) -> None:
    """Keep the licensable catalogue (licensing/licensable.py) of the consent's scopes current."""
    scopes = [Scope(s) for s in consent["scopes"]]
    if consent.get("work_id") is not None:
        await refresh_works(tx, [consent["work_id"]], scopes)
    else:
        await refresh_holder_works(tx, consent["creator_id"], scopes)


async def consent_history(
    db: Database,
    *,
    creator_id: str | None,
    work_id: str | None,
    include_revoked: bool,
    window: KeyWindow,
) -> tuple[int | None, list[Keyed[ConsentRecord]]]:
    params = {"creator_id": creator_id, "work_id": work_id, "include_revoked": include_revoked}
    query, page = window.bind(HISTORY)
    rows = await db.run_read(query, params | page)
    return keyed_page(rows, ConsentRecord.from_row)
