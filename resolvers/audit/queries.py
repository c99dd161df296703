from __future__ import annotations

from datetime import datetime

import strawberry

from graph import audit
from registry.access import Role
from resolvers.access import allow
from resolvers.audit.types import AuditEvent, AuditVerification
from resolvers.context import Info
from resolvers.pagination import Connection, connection, window


@strawberry.type
class AuditQuery:
    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR),
        description="The audit trail, newest first; filter by a subject id and a time window [since, until).",
    )
    async def audit_events(
        self,
        info: Info,
        subject_id: strawberry.ID | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditEvent]:
        offset, limit = window(first, after)
        subject = str(subject_id) if subject_id else None
        total, rows = await audit.list_events(info.context.db, subject, since, until, offset, limit)
        return connection(rows, total, offset, AuditEvent.from_row)

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR),
        description="Walk the hash chain and name the first event that was edited, removed or inserted.",
    )
    async def verify_audit_trail(self, info: Info) -> AuditVerification:
        checked, broken = await audit.verify(info.context.db)
        return AuditVerification(
            events_checked=checked,
            intact=broken is None,
            first_break_seq=broken.seq if broken else None,
            problem=broken.describe() if broken else None,
        )
