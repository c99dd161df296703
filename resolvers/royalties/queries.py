"""Royalty queries: whoGetsPaid, statements, exports, a creator's earnings, usage reports.

Who sees what (docs/architecture.md, roles): ADMIN everything; AUDITOR statements' totals and suspense but no
personal payment data (no lines, payees, exports, whoGetsPaid); a LICENSEE its own usage reports and
whoGetsPaid for its own outputs; a CREATOR its own earnings, from final statements only.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.stores.attribution import reads as attribution_reads
from graph.stores.royalties import statement_reads, usage
from graph.stores.royalties.distribution import who_gets_paid as distribute_one
from registry.access import Role
from registry.errors import Forbidden, InvalidInput
from registry.money import Currency, parse_amount
from registry.royalties import Stream
from registry.royalties.export import csv_header, csv_rows, json_head, json_rows, json_tail
from registry.usage import Period
from resolvers.access import allow, require_principal, require_visible
from resolvers.context import Info
from resolvers.pagination import After, Connection, First, key_window, keyset_connection
from resolvers.royalties.types import (
    EarningsEntry,
    ExportFormat,
    Money,
    PayoutBreakdown,
    Statement,
    StatementStatus,
    UsageReport,
)
from resolvers.selection import selected_names

# The fields of whoGetsPaid's lines and suspense entries built from the rule's explanation.
_EXPLAINING = frozenset({"path", "explanation", "message"})
# A GraphQL answer is one string in memory; past this, the CLI streams the export instead.
MAX_EXPORT_LINES = 50_000


def _str(value: strawberry.ID | None) -> str | None:
    return str(value) if value is not None else None


@strawberry.type
class RoyaltiesQuery:
    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.LICENSEE),
        description="Who would be paid, and why, if one generated output earned `amount`: each line names "
        "the creator, work, role and share, influence score and the path that explains it; suspense lines "
        "say why money is held. Lines plus suspense equal the amount exactly. A LICENSEE asks about its "
        "own outputs only; auditors see provenance elsewhere, not payment splits.",
    )
    async def who_gets_paid(
        self,
        info: Info,
        output_id: Annotated[strawberry.ID, strawberry.argument(description="The generated output's id.")],
        amount: Annotated[
            Money,
            strawberry.argument(
                description=(
                    "The amount the output earned, as Money: a decimal string in the "
                    'currency\'s major unit, e.g. "12.34".'
                )
            ),
        ],
        currency: Annotated[str, strawberry.argument(description="ISO 4217 code of `amount`, e.g. EUR.")],
    ) -> PayoutBreakdown:
        db = info.context.db
        if not require_principal(info).unconfined:
            exists, owner = await attribution_reads.output_licensee(db, str(output_id))
            require_visible(info, Role.LICENSEE, owner if exists else None, f"output {str(output_id)!r}")
        code = Currency.of(currency).code
        # Paths and messages cost more than the arithmetic; the amounts are the same without them.
        explain = not selected_names(info).isdisjoint(_EXPLAINING)
        pool = parse_amount(str(amount), code)
        distribution = await distribute_one(db, str(output_id), pool, code, explain=explain)
        return PayoutBreakdown.from_distribution(str(output_id), distribution)

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR),
        description="Statements, newest period first. Auditors see totals and suspense, not payees. "
        "`currency` keeps one currency's (ISO 4217, e.g. EUR); `latestOnly` keeps the last statement of "
        "each correction chain (the one no correction replaces).",
    )
    async def statements(
        self,
        info: Info,
        period: Annotated[str | None, strawberry.argument(description="Only this month, as YYYY-MM.")] = None,
        stream: Annotated[Stream | None, strawberry.argument(description="Only this royalty stream.")] = None,
        status: Annotated[
            StatementStatus | None, strawberry.argument(description="Only statements in this state.")
        ] = None,
        currency: Annotated[
            str | None, strawberry.argument(description="Only this currency (ISO 4217 code, e.g. EUR).")
        ] = None,
        latest_only: Annotated[
            bool,
            strawberry.argument(
                description=(
                    "True keeps only the latest statement of each period, stream and currency"
                    " (a correction replaces what it corrects)."
                )
            ),
        ] = False,
        first: First = None,
        after: After = None,
    ) -> Connection[Statement]:
        page = key_window(info, first, after)
        total, records = await statement_reads.list_statements(
            info.context.db,
            period=str(Period.parse(period)) if period else None,
            stream=stream,
            status=status.value if status is not None else None,
            window=page,
            currency=Currency.of(currency).code if currency else None,
            latest=latest_only,
        )
        return keyset_connection(records, total, page, Statement.from_record)

    @strawberry.field(extensions=allow(Role.ADMIN, Role.AUDITOR), description="One statement.")
    async def statement(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The statement's id.")]
    ) -> Statement:
        return Statement.from_record(await statement_reads.get_statement(info.context.db, str(id)))

    @strawberry.field(
        extensions=allow(Role.ADMIN),
        description="A statement as a CSV or JSON document (up to 50,000 lines; larger statements: "
        "`opustrace statement export`). Amounts are decimal strings in the statement's currency.",
    )
    async def statement_export(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The statement's id.")],
        format: Annotated[ExportFormat, strawberry.argument(description="CSV (one row per line) or JSON.")],
    ) -> str:
        db = info.context.db
        record = await statement_reads.get_statement(db, str(id))
        if record.line_count > MAX_EXPORT_LINES:
            raise InvalidInput(
                f"Statement {id} has {record.line_count} lines; export it with "
                f"`opustrace statement export {id} --format csv` instead."
            )
        parts = [csv_header() if format == ExportFormat.CSV else json_head(record.header)]
        first = True
        async for page in statement_reads.iter_lines(db, record.id):
            if format == ExportFormat.CSV:
                parts.append(csv_rows(page, record.currency))
            else:
                parts.append(json_rows(page, record.currency, first=first))
            first = False
        if format == ExportFormat.JSON:
            parts.append(json_tail())
        return "".join(parts)

    @strawberry.field(
        extensions=allow(Role.CREATOR, Role.ADMIN),
        description="A creator's earnings for a period (one entry per statement, corrections included), "
        "from final statements. A CREATOR key sees its own; an ADMIN names the creator, may add drafts.",
    )
    async def my_earnings(
        self,
        info: Info,
        period: Annotated[str, strawberry.argument(description="The month, as YYYY-MM.")],
        stream: Annotated[
            Stream | None, strawberry.argument(description="Only this royalty stream; omitted, all three.")
        ] = None,
        creator_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The creator; a CREATOR key reads only itself."),
        ] = None,
        include_drafts: Annotated[
            bool,
            strawberry.argument(
                description="True includes DRAFT statements (not yet final, may still change)."
            ),
        ] = False,
    ) -> list[EarningsEntry]:
        principal = require_principal(info)
        if include_drafts and not principal.unconfined:
            raise Forbidden(
                "A creator key reads earnings from final statements only: leave out includeDrafts."
            )
        creator = principal.named_party(Role.CREATOR, _str(creator_id), "creator")
        found = await statement_reads.earnings(
            info.context.db, creator, Period.parse(period), stream, include_drafts=include_drafts
        )
        return [EarningsEntry.from_earnings(e, creator) for e in found]

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE),
        description="Usage reports in distribution order. A LICENSEE key sees its own.",
    )
    async def usage_reports(
        self,
        info: Info,
        licensee_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only this licensee's reports. A LICENSEE key sees only its own."
            ),
        ] = None,
        period: Annotated[str | None, strawberry.argument(description="Only this month, as YYYY-MM.")] = None,
        stream: Annotated[Stream | None, strawberry.argument(description="Only this royalty stream.")] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[UsageReport]:
        licensee = require_principal(info).acting_for(Role.LICENSEE, _str(licensee_id), "licensee")
        page = key_window(info, first, after)
        total, records = await usage.usage_reports(
            info.context.db,
            licensee_id=licensee,
            period=Period.parse(period) if period else None,
            stream=stream,
            window=page,
        )
        return keyset_connection(records, total, page, UsageReport.from_record)
