"""API keys in the graph: `(:ApiKey {id, hash, role, scope_id, name, created_at, revoked_at})`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from neo4j.time import DateTime

from graph.database import Database, Tx
from graph.stores._pages import Keyed, KeyWindow, keyed_page, keyset_query
from graph.stores._records import record_from_row
from registry.access import Principal, Role
from registry.api_keys import check_scope, hash_secret, new_secret
from registry.errors import NotFound

BOOTSTRAP_KEY_ID = "bootstrap-admin"
# Which node a scoped key's scope_id must name.
SCOPE_LABEL_QUERIES = {
    Role.LICENSEE: "MATCH (p:Licensee {id: $scope_id}) RETURN p.id AS id",
    Role.VENDOR: "MATCH (p:Vendor {id: $scope_id}) RETURN p.id AS id",
    Role.CREATOR: "MATCH (p:Creator {id: $scope_id}) RETURN p.id AS id",
}

CREATE_KEY = """
CREATE (k:ApiKey {id: $id, hash: $hash, role: $role, scope_id: $scope_id, name: $name,
                  created_by: $created_by, created_at: datetime()})
RETURN k {.*} AS key
"""
# Every request runs this: only what a Principal holds (no times to hydrate), decoded plain.
FIND_ACTIVE_BY_HASH = """
MATCH (k:ApiKey {hash: $hash}) WHERE k.revoked_at IS NULL
RETURN k.id AS id, k.role AS role, k.scope_id AS scope_id, coalesce(k.name, '') AS name
"""
REVOKE_KEY = """
MATCH (k:ApiKey {id: $id})
SET k.revoked_at = coalesce(k.revoked_at, datetime())
RETURN k {.*} AS key
"""
# Oldest first; a revoked key stays listed.
LIST_KEYS = keyset_query("MATCH (k:ApiKey)", order="k.created_at, k.id", row="k {.*}", kinds=(DateTime, str))
# Re-pointing the bootstrap key at a new secret retires the old one: ADMIN_API_KEY is rotated by restart.
ENSURE_BOOTSTRAP = """
MERGE (k:ApiKey {id: $id})
ON CREATE SET k.created_at = datetime(), k.created_by = 'ADMIN_API_KEY', k.role = 'ADMIN',
              k.name = 'bootstrap admin (ADMIN_API_KEY)'
SET k.hash = $hash, k.revoked_at = null
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiKeyRecord:
    id: str
    role: Role
    scope_id: str | None
    name: str = ""
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ApiKeyRecord:
        return record_from_row(cls, row)


async def create_key(
    db: Database, role: Role, scope_id: str | None, name: str, created_by: str
) -> tuple[ApiKeyRecord, str]:
    """Create a key and return it with its secret, which is never stored and never shown again."""
    scope = check_scope(role, scope_id)
    secret = new_secret()

    async def work(tx: Tx) -> dict[str, Any]:
        if scope is not None and await tx.single(SCOPE_LABEL_QUERIES[role], {"scope_id": scope}) is None:
            raise NotFound(f"No {role.lower()} has id {scope!r}; create it first, then its key.")
        params: dict[str, str | None] = {"id": str(uuid.uuid4()), "hash": hash_secret(secret)}
        params |= {"role": role.value, "scope_id": scope, "name": name, "created_by": created_by}
        row = await tx.single(CREATE_KEY, params)
        assert row is not None
        return dict(row["key"])

    return ApiKeyRecord.from_row(await db.write(work)), secret


async def principal_for_secret(db: Database, secret: str) -> Principal | None:
    rows = await db.run_read_plain(FIND_ACTIVE_BY_HASH, {"hash": hash_secret(secret)})
    if not rows:
        return None
    key = rows[0]
    return Principal(key_id=key["id"], role=Role(key["role"]), scope_id=key["scope_id"], name=key["name"])


async def revoke_key(db: Database, key_id: str) -> ApiKeyRecord:
    rows = await db.run_write(REVOKE_KEY, {"id": key_id})
    if not rows:
        raise NotFound(f"No API key has id {key_id!r}.")
    return ApiKeyRecord.from_row(rows[0]["key"])


async def list_keys(db: Database, window: KeyWindow) -> tuple[int | None, list[Keyed[ApiKeyRecord]]]:
    query, page = window.bind(LIST_KEYS)
    rows = await db.run_read(query, page)
    return keyed_page(rows, ApiKeyRecord.from_row)


async def ensure_bootstrap_admin(db: Database, secret: str) -> None:
    await db.run_write(ENSURE_BOOTSTRAP, {"id": BOOTSTRAP_KEY_ID, "hash": hash_secret(secret)})
