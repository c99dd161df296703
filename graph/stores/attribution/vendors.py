"""Attribution vendors, who engaged them, their webhook secrets and their pull cursors.

```
(:Vendor {id, name, format, webhook_secrets, created_at, pull_cursor, pull_cursor_at})
(:Licensee)-[:ENGAGED {designated, since}]->(:Vendor)
```

`webhook_secrets` are **secrets at rest**: HMAC verification needs the key itself, so they cannot be
stored hashed the way API keys are. They are returned once, by `create_vendor`, and never again by the
API; only `webhook_verification` reads them, to check a delivery's signature. A list, so a rotation can
keep the old and the new secret valid at once (signatures.verify_webhook accepts any of them).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph.database import Database, Tx
from graph.stores._records import record_from_row, require_same, required_native
from registry.errors import NotFound

SECRET_PREFIX = "whsec_"  # noqa: S105 - a label that makes leaked secrets recognisable, not a secret

MERGE_VENDOR = """
MERGE (v:Vendor {id: $id})
ON CREATE SET v.name = $name, v.format = $format, v.webhook_secrets = [$secret], v.created_at = datetime(),
              v.created_now = $token
WITH v, v.created_now = $token AS created
REMOVE v.created_now
RETURN v {.id, .name, .format, .created_at, .pull_cursor, .pull_cursor_at} AS vendor, created
"""
VENDORS_BY_ID = """
UNWIND $ids AS id MATCH (v:Vendor {id: id})
RETURN v {.id, .name, .format, .created_at, .pull_cursor, .pull_cursor_at} AS vendor
"""
VERIFICATION = "MATCH (v:Vendor {id: $id}) RETURN v.format AS format, v.webhook_secrets AS secrets"
# A licensee designates at most one vendor: designating one undesignates the others, in the same write.
ENGAGE = """
MATCH (l:Licensee {id: $licensee_id})
OPTIONAL MATCH (v:Vendor {id: $vendor_id})
WITH l, v WHERE v IS NOT NULL
MERGE (l)-[e:ENGAGED]->(v)
ON CREATE SET e.since = datetime()
SET e.designated = $designated
WITH l, v, e
OPTIONAL MATCH (l)-[other:ENGAGED]->(o:Vendor) WHERE $designated AND o <> v
SET other.designated = false
RETURN DISTINCT e {.designated, .since, licensee_id: l.id, vendor_id: v.id} AS engagement
"""
PARTIES = """
OPTIONAL MATCH (l:Licensee {id: $licensee_id})
OPTIONAL MATCH (v:Vendor {id: $vendor_id})
RETURN l.id AS licensee, v.id AS vendor
"""
SAVE_CURSOR = """
MATCH (v:Vendor {id: $id})
SET v.pull_cursor = $cursor, v.pull_cursor_at = datetime()
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class VendorRecord:
    id: str
    name: str = ""
    format: str
    created_at: datetime
    pull_cursor: str | None
    pull_cursor_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> VendorRecord:
        return record_from_row(cls, row)


@dataclass(frozen=True, slots=True)
class Engagement:
    licensee_id: str
    vendor_id: str
    designated: bool
    since: datetime


@dataclass(frozen=True, slots=True)
class WebhookVerification:
    format: str
    secrets: tuple[str, ...]


def new_webhook_secret() -> str:
    # 32 random bytes as hex: 64 characters, past signatures.MIN_SECRET_BYTES with the prefix.
    return SECRET_PREFIX + secrets.token_hex(32)


async def create_vendor(
    db: Database, vendor_id: str, name: str, format_name: str
) -> tuple[VendorRecord, str | None]:
    """The vendor and its new webhook secret; a retry returns the stored vendor and no secret."""

    async def work(tx: Tx) -> tuple[dict[str, Any], bool]:
        params = {"id": vendor_id, "name": name, "format": format_name, "token": token}
        row = await tx.single(MERGE_VENDOR, params | {"secret": secret})
        assert row is not None
        tx.touch(vendor_id)
        return dict(row["vendor"]), bool(row["created"])

    # Both drawn outside the transaction function, which the driver may run more than once.
    secret, token = new_webhook_secret(), secrets.token_hex(8)
    stored, created = await db.write(work)
    require_same("Vendor", vendor_id, stored, {"name": name, "format": format_name})
    return VendorRecord.from_row(stored), secret if created else None


async def vendors_by_id(db: Database, ids: list[str]) -> dict[str, VendorRecord]:
    rows = await db.run_read(VENDORS_BY_ID, {"ids": ids})
    return {r["vendor"]["id"]: VendorRecord.from_row(r["vendor"]) for r in rows}


async def webhook_verification(db: Database, vendor_id: str) -> WebhookVerification | None:
    """The vendor's format and secrets, for verifying a delivery; None for an unknown vendor."""
    rows = await db.run_read(VERIFICATION, {"id": vendor_id})
    if not rows:
        return None
    return WebhookVerification(rows[0]["format"], tuple(rows[0]["secrets"] or ()))


async def engage(db: Database, licensee_id: str, vendor_id: str, designated: bool) -> Engagement:
    """Record that the licensee engaged the vendor (again: only `designated` changes)."""

    async def work(tx: Tx) -> dict[str, Any]:
        row = await tx.single(
            ENGAGE, {"licensee_id": licensee_id, "vendor_id": vendor_id, "designated": designated}
        )
        if row is None:
            await _missing_party(tx, licensee_id, vendor_id)
        assert row is not None
        tx.touch(licensee_id, vendor_id)
        return dict(row["engagement"])

    row = await db.write(work)
    return Engagement(row["licensee_id"], row["vendor_id"], row["designated"], required_native(row["since"]))


async def _missing_party(tx: Tx, licensee_id: str, vendor_id: str) -> None:
    row = await tx.single(PARTIES, {"licensee_id": licensee_id, "vendor_id": vendor_id})
    if row is None or row["licensee"] is None:
        raise NotFound(f"No licensee has id {licensee_id!r}.")
    raise NotFound(f"No vendor has id {vendor_id!r}.")


async def save_pull_cursor(db: Database, vendor_id: str, cursor: str | None) -> None:
    async def work(tx: Tx) -> None:
        await tx.run(SAVE_CURSOR, {"id": vendor_id, "cursor": cursor})
        tx.touch(vendor_id)

    await db.write(work)
