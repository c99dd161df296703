"""Attribution reports: a VENDOR reads its own submissions, a LICENSEE the reports on its outputs,
ADMIN and AUDITOR everything. Another party's report answers FORBIDDEN, exactly as a missing one."""

from __future__ import annotations

import strawberry

from graph.stores import attribution_reads as reads
from graph.stores.attribution_reads import ReportRecord
from registry.access import Principal, Role
from registry.errors import Forbidden, NotFound
from resolvers.access import allow, require_principal
from resolvers.attribution.types import AttributionReport
from resolvers.context import Info
from resolvers.pagination import Connection, connection, window

READERS = (Role.ADMIN, Role.AUDITOR, Role.VENDOR, Role.LICENSEE)


def _confined(principal: Principal, role: Role, asked: str | None) -> str | None:
    if principal.role != role:
        return asked
    if asked is not None and asked != principal.scope_id:
        raise Forbidden(f"A {role.lower()} key reads its own attribution reports only.")
    return principal.scope_id or ""


async def _checked_output(info: Info, principal: Principal, output_id: str) -> None:
    """An output a caller may name: a LICENSEE only its own (absent and foreign answer alike)."""
    exists, licensee = await reads.output_licensee(info.context.db, output_id)
    if principal.role == Role.LICENSEE and (not exists or licensee != principal.scope_id):
        raise Forbidden(f"No output of yours has id {output_id!r}.")
    if not exists:
        raise NotFound(f"No output has id {output_id!r}.")


def _may_read(principal: Principal, record: ReportRecord) -> bool:
    if principal.role == Role.VENDOR:
        return record.vendor_id == principal.scope_id
    if principal.role == Role.LICENSEE:
        return record.licensee_id is not None and record.licensee_id == principal.scope_id
    return True


@strawberry.type
class AttributionQuery:
    @strawberry.field(
        extensions=allow(*READERS),
        description="Attribution reports, latest computation first; superseded ones only with "
        "includeSuperseded. A VENDOR key sees its own submissions, a LICENSEE key reports on its outputs.",
    )
    async def attribution_reports(
        self,
        info: Info,
        output_id: strawberry.ID | None = None,
        vendor_id: strawberry.ID | None = None,
        include_superseded: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AttributionReport]:
        principal = require_principal(info)
        vendor = _confined(principal, Role.VENDOR, str(vendor_id) if vendor_id is not None else None)
        licensee = principal.scope_id or "" if principal.role == Role.LICENSEE else None
        if licensee is not None and output_id is not None:
            await _checked_output(info, principal, str(output_id))
        offset, limit = window(first, after)
        total, records = await reads.list_reports(
            info.context.db,
            output_id=str(output_id) if output_id is not None else None,
            vendor_id=vendor,
            licensee_id=licensee,
            include_superseded=include_superseded,
            offset=offset,
            limit=limit,
        )
        return connection(records, total, offset, AttributionReport.from_record)

    @strawberry.field(extensions=allow(*READERS), description="One attribution report by id.")
    async def attribution_report(self, info: Info, id: strawberry.ID) -> AttributionReport:
        principal = require_principal(info)
        record = (await reads.reports_by_id(info.context.db, [str(id)])).get(str(id))
        if record is not None and _may_read(principal, record):
            return AttributionReport.from_record(record)
        if principal.role in (Role.VENDOR, Role.LICENSEE):
            raise Forbidden(f"No attribution report of yours has id {id!r}.")
        raise NotFound(f"No attribution report has id {id!r}.")

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE),
        description="The report that counts for an output's output-use money under its licence "
        "(default: the current report of the licensee's designated vendor); null when none counts.",
    )
    async def counting_attribution_report(
        self, info: Info, output_id: strawberry.ID
    ) -> AttributionReport | None:
        await _checked_output(info, require_principal(info), str(output_id))
        counted = await reads.counting_report_for(info.context.db, str(output_id))
        return AttributionReport.from_record(counted.report) if counted is not None else None
