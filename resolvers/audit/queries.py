from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from graph import audit_checkpoints
from graph.stores.audit import events as audit_events
from registry.access import Role
from registry.audit_checkpoint import SignedCheckpoint
from resolvers.access import allow, public
from resolvers.audit.types import AuditChainHead, AuditCheckpoint, AuditEvent, AuditVerification
from resolvers.context import Info
from resolvers.pagination import After, Connection, First, key_window, keyset_connection


def checkpoint_of(signed: SignedCheckpoint) -> AuditCheckpoint:
    heads = [AuditChainHead(chain=h.chain, seq=h.seq, hash=h.hash) for h in signed.checkpoint.heads]
    return AuditCheckpoint(
        issued_at=signed.checkpoint.issued_at,
        heads=heads,
        public_key=signed.public_key,
        document=signed.model_dump_json(),
    )


@strawberry.type
class AuditQuery:
    @strawberry.field(
        extensions=public(),
        description="The audit chain heads (sequence and hash), public: an outsider who keeps one can later "
        "check that the trail only grew.",
    )
    async def audit_head(self, info: Info) -> list[AuditChainHead]:
        return [AuditChainHead(**h) for h in await audit_events.heads(info.context.db)]

    @strawberry.field(extensions=public(), description="The latest signed daily checkpoints, newest first.")
    async def audit_checkpoints(
        self,
        info: Info,
        first: Annotated[
            int,
            strawberry.argument(
                description="How many checkpoints (one a day), newest first: 1 to 100; more is read as 100."
            ),
        ] = 7,
    ) -> list[AuditCheckpoint]:
        kept = await audit_checkpoints.latest(info.context.db, max(1, min(first, 100)))
        return [checkpoint_of(c) for c in kept]

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR),
        description="The audit trail, newest first; filter by a subject id and a time window [since, until).",
    )
    async def audit_events(
        self,
        info: Info,
        subject_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description=("Only events that wrote this record id (a work, grant, report, statement ...).")
            ),
        ] = None,
        since: Annotated[
            datetime | None,
            strawberry.argument(description="Only events at or after this moment (inclusive)."),
        ] = None,
        until: Annotated[
            datetime | None, strawberry.argument(description="Only events before this moment (exclusive).")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[AuditEvent]:
        window = key_window(info, first, after)
        subject = str(subject_id) if subject_id else None
        total, rows = await audit_events.list_events(info.context.db, subject, since, until, window)
        return keyset_connection(rows, total, window, AuditEvent.from_row)

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR),
        description="Walk the hash chain and name the first event that was edited, removed or inserted.",
    )
    async def verify_audit_trail(self, info: Info) -> AuditVerification:
        checked, broken = await audit_events.verify(info.context.db)
        return AuditVerification(
            events_checked=checked,
            intact=broken is None,
            first_break_seq=broken.seq if broken else None,
            problem=broken.describe() if broken else None,
        )
