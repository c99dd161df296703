from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from resolvers.mapping import from_record


@strawberry.type(
    description="One recorded write: who, through which path, what it touched, and its hash link."
)
class AuditEvent:
    seq: int = strawberry.field(description="Its position in the chain, from 1, without gaps.")
    at: datetime = strawberry.field(description="When the write committed.")
    actor: str = strawberry.field(description="The API key id (or CLI/webhook identity) that acted.")
    role: str = strawberry.field(description="The writer's role; ADMIN for commands run by the operator.")
    via: str = strawberry.field(description="GRAPHQL, WEBHOOK, CLI, IMPORT or PULL.")
    action: str = strawberry.field(description="What was done: the mutation, command or endpoint.")
    subject_ids: list[str] = strawberry.field(description="The ids of the records the write touched.")
    request_id: str = strawberry.field(
        description="The request's id (X-Request-ID), to find it in the logs; - for commands."
    )
    input_digest: str = strawberry.field(description="SHA-256 of the canonical JSON of the input.")
    prev_hash: str = strawberry.field(
        description="The previous event's hash (the genesis hash for the first)."
    )
    hash: str = strawberry.field(
        description=(
            "SHA-256 of this event and prevHash, hex: a change to any earlier event breaks the chain."
        )
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AuditEvent:
        return from_record(cls, row, subject_ids=list(row.get("subject_ids") or []))


@strawberry.type(description="The result of walking the whole hash chain.")
class AuditVerification:
    events_checked: int = strawberry.field(description="How many events were found intact, from the first.")
    intact: bool = strawberry.field(description="True when the whole chain recomputes and none is missing.")
    first_break_seq: int | None = strawberry.field(
        description=("The sequence number of the first broken or missing event; null when intact.")
    )
    problem: str | None = strawberry.field(
        description=(
            "What is wrong at that event: EDITED, REMOVED, INSERTED or REWRITTEN "
            "(against a checkpoint); null when intact."
        )
    )


@strawberry.type(description="The head of one audit chain: its last event's sequence number and hash.")
class AuditChainHead:
    chain: str = strawberry.field(description="The chain's name (audit).")
    seq: int = strawberry.field(description="The sequence number of its last event (0: no event yet).")
    hash: str = strawberry.field(
        description="The SHA-256 of its last event, hex; the genesis hash when empty."
    )


@strawberry.type(
    description="A signed checkpoint of the audit chain heads (docs/audit-checkpoints.md): keep it, and "
    "`opustrace audit verify --since` proves later that no event up to those heads was rewritten."
)
class AuditCheckpoint:
    issued_at: datetime = strawberry.field(description="When the checkpoint was signed (one a day, UTC).")
    heads: list[AuditChainHead] = strawberry.field(description="The chain heads it signed.")
    public_key: str = strawberry.field(description="The Ed25519 signing key, PEM.")
    document: str = strawberry.field(description="The checkpoint exactly as signed and kept (JSON).")
