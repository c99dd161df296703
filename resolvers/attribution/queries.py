"""Attribution reports: a VENDOR reads its own submissions, a LICENSEE the reports on its outputs,
ADMIN and AUDITOR everything. Another party's report answers NOT_FOUND, exactly as a missing one."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.stores.attribution import reads
from graph.stores.attribution.reads import ReportRecord
from registry.access import Principal, Role
from registry.errors import NotFound
from resolvers.access import allow, require_principal, require_visible
from resolvers.attribution.types import AttributionReport
from resolvers.context import Info
from resolvers.pagination import After, Connection, First, key_window, keyset_connection

READERS = (Role.ADMIN, Role.AUDITOR, Role.VENDOR, Role.LICENSEE)


async def _checked_output(info: Info, output_id: str) -> None:
    """An output a caller may name: a LICENSEE only its own (absent and foreign answer alike)."""
    exists, licensee = await reads.output_licensee(info.context.db, output_id)
    require_visible(info, Role.LICENSEE, licensee if exists else None, f"output {output_id!r}")


def _may_read(principal: Principal, record: ReportRecord) -> bool:
    """A report belongs to its vendor and to the licensee of its output: either may read it."""
    return principal.sees(Role.VENDOR, record.vendor_id) or principal.sees(Role.LICENSEE, record.licensee_id)


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
        output_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only reports about this output (id).")
        ] = None,
        vendor_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only reports by this vendor (id). A VENDOR key sees only its own."
            ),
        ] = None,
        include_superseded: Annotated[
            bool,
            strawberry.argument(
                description="True includes reports a later computation by the same vendor superseded."
            ),
        ] = False,
        first: First = None,
        after: After = None,
    ) -> Connection[AttributionReport]:
        principal = require_principal(info)
        vendor = principal.acting_for(
            Role.VENDOR, str(vendor_id) if vendor_id is not None else None, "vendor"
        )
        licensee = principal.party(Role.LICENSEE)
        if licensee is not None and output_id is not None:
            await _checked_output(info, str(output_id))
        page = key_window(info, first, after)
        total, records = await reads.list_reports(
            info.context.db,
            output_id=str(output_id) if output_id is not None else None,
            vendor_id=vendor,
            licensee_id=licensee,
            include_superseded=include_superseded,
            window=page,
        )
        return keyset_connection(records, total, page, AttributionReport.from_record)

    @strawberry.field(extensions=allow(*READERS), description="One attribution report by id.")
    async def attribution_report(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The stored report's id.")],
    ) -> AttributionReport:
        principal = require_principal(info)
        record = (await reads.reports_by_id(info.context.db, [str(id)])).get(str(id))
        if record is not None and _may_read(principal, record):
            return AttributionReport.from_record(record)
        raise NotFound(f"No attribution report {str(id)!r} that you may read.")

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE),
        description="The report that counts for an output's output-use money under its licence "
        "(default: the current report of the licensee's designated vendor); null when none counts.",
    )
    async def counting_attribution_report(
        self,
        info: Info,
        output_id: Annotated[strawberry.ID, strawberry.argument(description="The output's id.")],
    ) -> AttributionReport | None:
        await _checked_output(info, str(output_id))
        counted = await reads.counting_report_for(info.context.db, str(output_id))
        return AttributionReport.from_record(counted.report) if counted is not None else None
