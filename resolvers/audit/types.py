from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry


@strawberry.type(
    description="One recorded write: who, through which path, what it touched, and its hash link."
)
class AuditEvent:
    seq: int
    at: datetime
    actor: str = strawberry.field(description="The API key id (or CLI/webhook identity) that acted.")
    role: str
    via: str = strawberry.field(description="GRAPHQL, WEBHOOK, CLI, IMPORT or PULL.")
    action: str
    subject_ids: list[str]
    request_id: str
    input_digest: str = strawberry.field(description="SHA-256 of the canonical JSON of the input.")
    prev_hash: str
    hash: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AuditEvent:
        return cls(
            seq=row["seq"],
            at=datetime.fromisoformat(row["at"]),
            actor=row["actor"],
            role=row["role"],
            via=row["via"],
            action=row["action"],
            subject_ids=list(row.get("subject_ids") or []),
            request_id=row["request_id"],
            input_digest=row["input_digest"],
            prev_hash=row["prev_hash"],
            hash=row["hash"],
        )


@strawberry.type(description="The result of walking the whole hash chain.")
class AuditVerification:
    events_checked: int
    intact: bool
    first_break_seq: int | None
    problem: str | None


@strawberry.type(description="The head of one audit chain: its last event's sequence number and hash.")
class AuditChainHead:
    chain: str
    seq: int
    hash: str


@strawberry.type(
    description="A signed checkpoint of the audit chain heads (docs/audit-checkpoints.md): keep it, and "
    "`opustrace audit verify --since` proves later that no event up to those heads was rewritten."
)
class AuditCheckpoint:
    issued_at: datetime
    heads: list[AuditChainHead]
    public_key: str = strawberry.field(description="The Ed25519 signing key, PEM.")
    document: str = strawberry.field(description="The checkpoint exactly as signed and kept (JSON).")
