"""Licensees, licences with their versions, and grants.

```
(:Licence)-[:HAS_VERSION]->(:LicenceVersion)
(:Licensee)-[:HOLDS]->(:Grant)-[:OF]->(:LicenceVersion)
```

Every write MERGEs on the client's id; a replay returns the stored record, the same id with other
content is a CONFLICT. A grant's status changes append to `suspended_from` / `reinstated_at` and
set `revoked_at`, so its state at any past moment can be recomputed (nothing is retroactive).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, LiteralString

from neo4j.time import DateTime

from graph.database import Database, Tx
from graph.stores._pages import Keyed, KeyWindow, keyed_page, keyset_query, page_query
from graph.stores._records import record_from_row, require_same
from registry.errors import Conflict, NotFound
from registry.licensing import GrantInput, LicenceInput, LicenceVersionInput, LicenseeInput, grant_scopes
from registry.rights import GrantFacts, GrantStatus, Scope, Use

MERGE_LICENSEE = """
MERGE (l:Licensee {id: $id})
ON CREATE SET l.name = $name, l.created_at = datetime()
RETURN l {.*} AS licensee
"""
LICENSEES_BY_ID = "UNWIND $ids AS id MATCH (l:Licensee {id: id}) RETURN l {.*} AS licensee"
LIST_LICENSEES = page_query("MATCH (l:Licensee)", order="l.name, l.id", row="l {.*}")
MERGE_LICENCE = """
MERGE (l:Licence {id: $id})
ON CREATE SET l.name = $name, l.created_at = datetime()
RETURN l {.*} AS licence
"""
LIST_LICENCES = page_query("MATCH (l:Licence)", order="l.name, l.id", row="l {.*}")
# `licence_id` is kept on the version too: the (licence_id, version) uniqueness constraint needs it.
MERGE_VERSION = """
MATCH (l:Licence {id: $licence_id})
MERGE (v:LicenceVersion {id: $id})
ON CREATE SET v += $props, v.licence_id = l.id, v.created_at = datetime()
WITH l, v
FOREACH (_ IN CASE WHEN v.licence_id = l.id THEN [1] ELSE [] END | MERGE (l)-[:HAS_VERSION]->(v))
RETURN v {.*} AS version
"""
VERSIONS_BY_LICENCE = """
UNWIND $ids AS id
MATCH (:Licence {id: id})-[:HAS_VERSION]->(v:LicenceVersion)
WITH id, v ORDER BY v.effective_from, v.version
RETURN id, collect(v {.*}) AS versions
"""
VERSIONS_BY_ID = "UNWIND $ids AS id MATCH (v:LicenceVersion {id: id}) RETURN v {.*} AS version"
LICENCES_BY_ID = "UNWIND $ids AS id MATCH (l:Licence {id: id}) RETURN l {.*} AS licence"

# A grant as GrantRecord reads it, with (l:Licensee)-[:HOLDS]->(g)-[:OF]->(v:LicenceVersion) matched.
GRANT = "g {.*, licensee_id: l.id, licence_version_id: v.id, licence_id: v.licence_id}"
MERGE_GRANT = (
    """
MATCH (l:Licensee {id: $licensee_id}), (v:LicenceVersion {id: $version_id})
MERGE (g:Grant {id: $id})
ON CREATE SET g += $props, g.status = 'ACTIVE', g.status_changed_at = datetime(), g.created_at = datetime(),
              g.suspended_from = [], g.reinstated_at = []
WITH l, v, g, NOT EXISTS { (:Licensee)-[:HOLDS]->(g) } AS fresh
FOREACH (_ IN CASE WHEN fresh THEN [1] ELSE [] END | MERGE (l)-[:HOLDS]->(g) MERGE (g)-[:OF]->(v))
WITH g
MATCH (l:Licensee)-[:HOLDS]->(g)-[:OF]->(v:LicenceVersion)
RETURN """
    + GRANT
    + """ AS grant
"""
)
GRANTS_BY_ID = (
    """
UNWIND $ids AS id
MATCH (l:Licensee)-[:HOLDS]->(g:Grant {id: id})-[:OF]->(v:LicenceVersion)
RETURN """
    + GRANT
    + """ AS grant, v.scopes AS licence_scopes, v.excluded_uses AS excluded_uses
"""
)
GRANTS_OF_LICENSEE = (
    """
MATCH (l:Licensee {id: $licensee_id})-[:HOLDS]->(g:Grant)-[:OF]->(v:LicenceVersion)
RETURN """
    + GRANT
    + """ AS grant, v.scopes AS licence_scopes, v.excluded_uses AS excluded_uses
"""
)
# Latest start first; a grant's start never changes (suspending or revoking it keeps it listed).
LIST_GRANTS = keyset_query(
    """
MATCH (l:Licensee)-[:HOLDS]->(g:Grant)-[:OF]->(v:LicenceVersion)
WHERE $licensee_id IS NULL OR l.id = $licensee_id
""",
    order="g.valid_from DESC, g.id DESC",
    row=GRANT,
    kinds=(DateTime, str),
)
# Each transition applies only from the state it leaves; `before` tells the caller what happened.
SUSPEND = (
    """
MATCH (l:Licensee)-[:HOLDS]->(g:Grant {id: $id})-[:OF]->(v:LicenceVersion)
WITH l, g, v, g.status AS before
FOREACH (_ IN CASE WHEN before = 'ACTIVE' THEN [1] ELSE [] END |
  SET g.status = 'SUSPENDED', g.status_changed_at = datetime(), g.status_reason = $reason,
      g.suspended_from = g.suspended_from + datetime())
RETURN before, """
    + GRANT
    + """ AS grant
"""
)
REINSTATE = (
    """
MATCH (l:Licensee)-[:HOLDS]->(g:Grant {id: $id})-[:OF]->(v:LicenceVersion)
WITH l, g, v, g.status AS before
FOREACH (_ IN CASE WHEN before = 'SUSPENDED' THEN [1] ELSE [] END |
  SET g.status = 'ACTIVE', g.status_changed_at = datetime(), g.status_reason = $reason,
      g.reinstated_at = g.reinstated_at + datetime())
RETURN before, """
    + GRANT
    + """ AS grant
"""
)
REVOKE = (
    """
MATCH (l:Licensee)-[:HOLDS]->(g:Grant {id: $id})-[:OF]->(v:LicenceVersion)
WITH l, g, v, g.status AS before
FOREACH (_ IN CASE WHEN before <> 'REVOKED' THEN [1] ELSE [] END |
  SET g.status = 'REVOKED', g.status_changed_at = datetime(), g.status_reason = $reason,
      g.revoked_at = datetime())
RETURN before, """
    + GRANT
    + """ AS grant
"""
)


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenseeRecord:
    id: str
    name: str = ""
    created_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> LicenseeRecord:
        return record_from_row(cls, row)


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenceRecord:
    id: str
    name: str = ""

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> LicenceRecord:
        return record_from_row(cls, row)


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenceVersionRecord:
    id: str
    licence_id: str
    version: str
    scopes: frozenset[Scope]
    excluded_uses: frozenset[Use] = frozenset()
    currency: str
    training_fee: int
    minimum_payout: int = 0
    service_rate: str
    output_rate: str
    confidence_threshold: str = "0"
    stream_rights: dict[str, str] = field(default_factory=dict)  # stored as JSON
    training_basis: str = "USED_WORKS"
    training_weighted: bool = False
    publisher_collects: bool = False
    effective_from: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> LicenceVersionRecord:
        return record_from_row(cls, row)


@dataclass(frozen=True, slots=True, kw_only=True)
class GrantRecord:
    id: str
    licensee_id: str
    licence_id: str
    licence_version_id: str
    model_name: str
    model_version: str
    scopes: frozenset[Scope]
    valid_from: datetime
    valid_to: datetime
    status: GrantStatus
    status_changed_at: datetime
    status_reason: str | None
    suspended_from: tuple[datetime, ...] = ()
    reinstated_at: tuple[datetime, ...] = ()
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> GrantRecord:
        return record_from_row(cls, row)

    def facts(self, licence_scopes: frozenset[Scope], excluded_uses: frozenset[Use]) -> GrantFacts:
        # The i-th reinstatement ends the i-th suspension; a suspension without one is still open.
        ends: list[datetime | None] = [*self.reinstated_at]
        ends += [None] * (len(self.suspended_from) - len(ends))
        return GrantFacts(
            id=self.id,
            licensee_id=self.licensee_id,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            scopes=self.scopes,
            licence_scopes=licence_scopes,
            excluded_uses=excluded_uses,
            suspensions=tuple(zip(self.suspended_from, ends, strict=True)),
            revoked_at=self.revoked_at,
        )


# --- licensees and licences ------------------------------------------------------------------


async def create_licensee(db: Database, licensee: LicenseeInput) -> LicenseeRecord:
    stored = await _merge_checked(
        db,
        MERGE_LICENSEE,
        {"id": licensee.id, "name": licensee.name},
        "licensee",
        "Licensee",
        {"name": licensee.name},
    )
    return LicenseeRecord.from_row(stored)


async def licensees_by_id(db: Database, ids: list[str]) -> dict[str, LicenseeRecord]:
    rows = await db.run_read(LICENSEES_BY_ID, {"ids": ids})
    return {r["licensee"]["id"]: LicenseeRecord.from_row(r["licensee"]) for r in rows}


async def list_licensees(db: Database, offset: int, limit: int) -> tuple[int, list[LicenseeRecord]]:
    rows = await db.run_read(LIST_LICENSEES, {"offset": offset, "limit": limit})
    return rows[0]["total"], [LicenseeRecord.from_row(r) for r in rows[0]["page"]]


async def create_licence(db: Database, licence: LicenceInput) -> LicenceRecord:
    stored = await _merge_checked(
        db,
        MERGE_LICENCE,
        {"id": licence.id, "name": licence.name},
        "licence",
        "Licence",
        {"name": licence.name},
    )
    return LicenceRecord.from_row(stored)


async def _merge_checked(
    db: Database, query: LiteralString, params: dict[str, Any], column: str, kind: str, sent: dict[str, Any]
) -> dict[str, Any]:
    """MERGE one record and refuse a different one under its id, inside the transaction so it rolls back."""

    async def work(tx: Tx) -> dict[str, Any]:
        row = await tx.single(query, params)
        assert row is not None
        stored = dict(row[column])
        require_same(kind, params["id"], stored, sent)
        tx.touch(params["id"])
        return stored

    return await db.write(work)


async def licences_by_id(db: Database, ids: list[str]) -> dict[str, LicenceRecord]:
    rows = await db.run_read(LICENCES_BY_ID, {"ids": ids})
    return {r["licence"]["id"]: LicenceRecord.from_row(r["licence"]) for r in rows}


async def list_licences(db: Database, offset: int, limit: int) -> tuple[int, list[LicenceRecord]]:
    rows = await db.run_read(LIST_LICENCES, {"offset": offset, "limit": limit})
    return rows[0]["total"], [LicenceRecord.from_row(r) for r in rows[0]["page"]]


async def add_licence_version(db: Database, version: LicenceVersionInput) -> LicenceVersionRecord:
    """Versions are immutable: a replay returns the stored terms, other terms under the id are a CONFLICT."""
    props = version.to_properties()

    async def work(tx: Tx) -> dict[str, Any]:
        row = await tx.single(
            MERGE_VERSION, {"id": version.id, "licence_id": version.licence_id, "props": props}
        )
        if row is None:
            raise NotFound(f"No licence has id {version.licence_id!r}; create the licence first.")
        stored = dict(row["version"])
        require_same("Licence version", version.id, stored, props | {"licence_id": version.licence_id})
        tx.touch(version.id, version.licence_id)
        return stored

    return LicenceVersionRecord.from_row(await db.write(work))


async def versions_by_licence(db: Database, licence_ids: list[str]) -> dict[str, list[LicenceVersionRecord]]:
    rows = await db.run_read(VERSIONS_BY_LICENCE, {"ids": licence_ids})
    return {r["id"]: [LicenceVersionRecord.from_row(v) for v in r["versions"]] for r in rows}


async def versions_by_id(db: Database, ids: list[str]) -> dict[str, LicenceVersionRecord]:
    rows = await db.run_read(VERSIONS_BY_ID, {"ids": ids})
    return {r["version"]["id"]: LicenceVersionRecord.from_row(r["version"]) for r in rows}


# --- grants ----------------------------------------------------------------------------------


async def create_grant(db: Database, grant: GrantInput) -> GrantRecord:
    async def work(tx: Tx) -> dict[str, Any]:
        versions = await tx.run(VERSIONS_BY_ID, {"ids": [grant.licence_version_id]})
        if not versions:
            raise NotFound(f"No licence version has id {grant.licence_version_id!r}.")
        licence_scopes = frozenset(Scope(s) for s in versions[0]["version"]["scopes"])
        props = {
            "scopes": sorted(grant_scopes(grant.scopes, licence_scopes)),
            "valid_from": grant.valid_from,
            "valid_to": grant.valid_to,
            "model_name": grant.model_name,
            "model_version": grant.model_version,
        }
        params = {"id": grant.id, "licensee_id": grant.licensee_id, "version_id": grant.licence_version_id}
        row = await tx.single(MERGE_GRANT, params | {"props": props})
        if row is None:
            raise NotFound(f"No licensee has id {grant.licensee_id!r}; create the licensee first.")
        stored = dict(row["grant"])
        sent = props | {"licensee_id": grant.licensee_id, "licence_version_id": grant.licence_version_id}
        require_same("Grant", grant.id, stored, sent)
        return stored

    return GrantRecord.from_row(await db.write(work))


async def grants_by_id(db: Database, ids: list[str]) -> dict[str, GrantRecord]:
    rows = await db.run_read(GRANTS_BY_ID, {"ids": ids})
    return {r["grant"]["id"]: GrantRecord.from_row(r["grant"]) for r in rows}


async def list_grants(
    db: Database, licensee_id: str | None, window: KeyWindow
) -> tuple[int | None, list[Keyed[GrantRecord]]]:
    query, page = window.bind(LIST_GRANTS)
    rows = await db.run_read(query, {"licensee_id": licensee_id} | page)
    return keyed_page(rows, GrantRecord.from_row)


async def grant_facts(
    tx: Tx, *, grant_id: str | None = None, licensee_id: str | None = None
) -> list[GrantFacts]:
    """The facts the rule needs about one grant, or about every grant of a licensee (one query)."""
    if grant_id is not None:
        rows = await tx.run(GRANTS_BY_ID, {"ids": [grant_id]})
    else:
        rows = await tx.run(GRANTS_OF_LICENSEE, {"licensee_id": licensee_id})
    return [
        GrantRecord.from_row(r["grant"]).facts(
            frozenset(Scope(s) for s in r["licence_scopes"]),
            frozenset(Use(u) for u in r["excluded_uses"] or []),
        )
        for r in rows
    ]


async def suspend_grant(db: Database, grant_id: str, reason: str | None) -> GrantRecord:
    return await _transition(db, SUSPEND, grant_id, reason, "suspend")


async def reinstate_grant(db: Database, grant_id: str, reason: str | None) -> GrantRecord:
    return await _transition(db, REINSTATE, grant_id, reason, "reinstate")


async def revoke_grant(db: Database, grant_id: str, reason: str | None) -> GrantRecord:
    return await _transition(db, REVOKE, grant_id, reason, "revoke")


async def _transition(
    db: Database, query: LiteralString, grant_id: str, reason: str | None, verb: str
) -> GrantRecord:
    rows = await db.run_write(query, {"id": grant_id, "reason": reason})
    if not rows:
        raise NotFound(f"No grant has id {grant_id!r}.")
    if rows[0]["before"] == GrantStatus.REVOKED and verb != "revoke":
        raise Conflict(
            f"Grant {grant_id} is revoked, which is final; it cannot be {verb}d. Make a new grant."
        )
    return GrantRecord.from_row(rows[0]["grant"])
