"""GraphQL types of royalties.

Amounts are `Money`: a decimal string in the currency given beside it, never Int or Float (GraphQL's
Int is 32-bit, and a float cannot hold a cent exactly).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, NewType

import strawberry

from graph.stores.royalties import statement_reads
from graph.stores.royalties.records import Earnings, StatementRecord
from graph.stores.royalties.records import Payee as StoredPayee
from graph.stores.royalties.usage import UploadResult, UsageRecord
from registry.access import Role
from registry.money import format_amount
from registry.royalties import Basis, Distribution, Line, Payee, Stream, SuspenseLine, SuspenseReason
from registry.royalties.export import ratio_text
from registry.usage import CsvError
from resolvers.access import allow, part_of_parent, party_filtered
from resolvers.context import Info
from resolvers.enum_values import enum_values
from resolvers.mapping import from_record
from resolvers.pagination import After, Connection, First, key_window, keyset_connection

Money = NewType("Money", str)
# Who was paid how much is personal payment data: ADMIN only (auditors see totals; creators myEarnings).
PAYMENT_DATA = allow(Role.ADMIN)
MONEY_SCALAR = strawberry.scalar(
    name="Money",
    description='An exact amount as a decimal string in its currency\'s major unit, e.g. "12.34" EUR; '
    "the currency is the `currency` field beside it. Never a float.",
    serialize=str,
    parse_value=str,
)
# Registered on the schema (resolvers/schema.py): strawberry maps the NewType to the scalar.
SCALAR_MAP: dict[object, Any] = {Money: MONEY_SCALAR}


def money(minor: int, currency: str) -> Money:
    return Money(format_amount(minor, currency))


strawberry.enum(
    Stream, description="TRAINING, SERVICE_USE, OUTPUT_USE: the three points at which creators are paid."
)
enum_values(
    Stream,
    {
        "TRAINING": "The fee for training a model version.",
        "SERVICE_USE": "Revenue of a service running a model.",
        "OUTPUT_USE": "Revenue from using generated outputs.",
    },
)
strawberry.enum(Basis, description="Which rule produced a line.")
enum_values(
    Basis,
    {
        "TRAINING": "The training fee, over the works the run used (or the licensed catalogue).",
        "SERVICE_USE": "Service revenue, over the works the model's lineage trained on.",
        "ATTRIBUTION": "Output revenue, by the counting attribution report's influence scores.",
        "ANALOGY_FALLBACK": "Output revenue without a counting report: follows the model's lineage.",
        "UNATTRIBUTED_REMAINDER": "Output revenue the report attributes to no work: follows the lineage.",
        "CARRIED_FORWARD": "A total below the minimum payout, carried from or to another statement.",
    },
)
strawberry.enum(SuspenseReason, description="Why money could not be paid; it waits in suspense, never lost.")
enum_values(
    SuspenseReason,
    {
        "NO_CONSENT": "A holder had not opted in for the stream's scope then.",
        "DECLINED": "A holder declined the work.",
        "WITHDRAWN": "The work is withdrawn.",
        "UNKNOWN_WORK": "A manifest or report named a work the registry does not know.",
        "UNMATCHED_REFERENCE": "A vendor reference matched no single registry entry.",
        "NO_SHARES": "The work has no shares for the stream's right.",
        "NO_ELIGIBLE_WORKS": "No licensable work to split the money over.",
        "CREATOR_LEFT": "Money carried for a creator who is no longer registered.",
        "DISPUTED": "Registrations claim more than the whole of a right; an ADMIN decides.",
    },
)


@strawberry.enum(description="RUNNING while lines are written, DRAFT to review, FINAL and immutable.")
class StatementStatus(StrEnum):
    RUNNING = "RUNNING"
    DRAFT = "DRAFT"
    FINAL = "FINAL"


enum_values(
    StatementStatus,
    {
        "RUNNING": "Lines are being written; not yet readable as a whole.",
        "DRAFT": "Complete, to review; may be recomputed.",
        "FINAL": "Immutable; corrections are new statements.",
    },
)


@strawberry.enum(description="Export formats of a statement.")
class ExportFormat(StrEnum):
    CSV = "CSV"
    JSON = "JSON"


enum_values(
    ExportFormat,
    {
        "CSV": "Comma-separated, one row per line, with a header row.",
        "JSON": "One JSON document with the statement and its lines.",
    },
)


@strawberry.type(description="A licensee's declared usage for one month, stream and model or output.")
class UsageReport:
    id: strawberry.ID = strawberry.field(
        description="The report's id, derived from licensee, stream, period and subject."
    )
    licensee_id: strawberry.ID = strawberry.field(description="The reporting licensee.")
    stream: Stream = strawberry.field(description="The royalty stream.")
    period: str = strawberry.field(description="The month, as YYYY-MM.")
    subject_id: strawberry.ID = strawberry.field(description="The model (TRAINING, SERVICE_USE) or output.")
    amount: Money = strawberry.field(
        description=(
            'The fee or revenue (Money: decimal string in the currency\'s major unit, e.g. "12.34").'
        )
    )
    currency: str = strawberry.field(description="ISO 4217 code, e.g. EUR.")
    created_at: datetime = strawberry.field(description="When it was first reported.")
    corrected_at: datetime | None = strawberry.field(
        description="When its amount was last corrected; null if never."
    )
    corrections: int = strawberry.field(description="How many times the amount was corrected.")

    @classmethod
    def from_record(cls, record: UsageRecord) -> UsageReport:
        return from_record(
            cls, record, amount=money(record.amount, record.currency), corrections=len(record.history)
        )


@strawberry.type(
    description="One problem of a CSV upload: line 1 is the header; column null means the whole line."
)
class CsvProblem:
    line: int = strawberry.field(description="The line number; 1 is the header.")
    column: str | None = strawberry.field(description="The column concerned; null for the whole line.")
    reason: str = strawberry.field(description="What is wrong and how to fix it.")

    @classmethod
    def from_error(cls, error: CsvError) -> CsvProblem:
        return cls(line=error.line, column=error.column, reason=error.reason)


@strawberry.type(description="What an upload did. With any problem nothing was stored (all-or-nothing).")
class UsageUploadResult:
    lines: int = strawberry.field(description="Data lines read (the header not counted).")
    created: int = strawberry.field(
        description="Usage reports created (a line repeating a stored one creates none)."
    )
    unchanged: int = strawberry.field(
        description="Lines already stored with the same amount (a re-sent file)."
    )
    problems: list[CsvProblem] = strawberry.field(description="Every problem found; empty when stored.")
    stored: bool = strawberry.field(description="True when every line was stored; false stores nothing.")

    @classmethod
    def from_result(cls, result: UploadResult) -> UsageUploadResult:
        return cls(
            lines=result.lines,
            created=result.created,
            unchanged=result.unchanged,
            problems=[CsvProblem.from_error(e) for e in result.errors],
            stored=not result.errors,
        )


@strawberry.type(description="One hop of an explanation: a node of the provenance graph and what it did.")
class PathStep:
    label: str = strawberry.field(
        description=("The node's label in the graph (Output, Model, TrainingRun, Work, Creator ...).")
    )
    ref: str = strawberry.field(description="The node's id.")
    detail: str = strawberry.field(description="What it contributed, in words.")


def _steps(leaf: Line | SuspenseLine) -> list[PathStep]:
    return [PathStep(label=s.label, ref=s.ref, detail=s.detail) for s in leaf.path]


def _ratio(value: Any) -> str | None:
    return None if value is None else str(value)


@strawberry.type(
    description="A payment to one creator for one work, role and rule, with the path that explains it."
)
class PaymentLine:
    creator_id: strawberry.ID = strawberry.field(description="The creator paid.")
    work_id: strawberry.ID = strawberry.field(description="The work the payment is for.")
    role: str = strawberry.field(description="The creator's role in the work (ShareRole name).")
    right: str = strawberry.field(
        description=("The right whose shares split it: PERFORMING, MECHANICAL or SYNCHRONISATION.")
    )
    basis: Basis = strawberry.field(description="The rule that produced it.")
    share_bp: int = strawberry.field(
        description="The creator's share for the right, hundredths of a percent."
    )
    share_total_bp: int = strawberry.field(
        description="The work's actual total for the right (payouts divide by it)."
    )
    weight: str | None = strawberry.field(description="Usage weight in the run or lineage (exact ratio).")
    influence_score: str | None = strawberry.field(
        description="The attribution report's score (exact ratio)."
    )
    collected_for: strawberry.ID | None = strawberry.field(
        description="When the licence has the publisher collect: the writer whose share creatorId (the "
        "publisher its CWR chain names) collected."
    )
    chain: int | None = strawberry.field(
        description="The work's CWR publisher chain naming who collects for the writer (evidence)."
    )
    chain_publisher_id: strawberry.ID | None = strawberry.field(
        description="The publisher that chain names for the writer: its administrator, else original one."
    )
    exact: str = strawberry.field(description="The exact amount in minor units before rounding, as a ratio.")
    amount: Money = strawberry.field(
        description=('The amount paid (Money: decimal string in the currency\'s major unit, e.g. "12.34").')
    )
    explanation: str = strawberry.field(description="Why, in one sentence a person can check.")
    path: list[PathStep] = strawberry.field(description="The provenance path from the output to the creator.")

    @classmethod
    def from_line(cls, line: Line, currency: str) -> PaymentLine:
        return from_record(
            cls,
            line,
            creator_id=line.holder_id,
            role=line.role.value,
            right=line.right.value,
            weight=_ratio(line.weight),
            influence_score=_ratio(line.influence_score),
            chain_publisher_id=line.chain_publisher,
            exact=ratio_text(line.exact),
            amount=money(line.amount, currency),
            path=_steps(line),
        )


@strawberry.type(description="Money that cannot be paid, with the reason; it is held, never given to others.")
class SuspenseEntry:
    reason: SuspenseReason = strawberry.field(description="Why it cannot be paid.")
    work_id: strawberry.ID | None = strawberry.field(
        description="The work the held money is for (as PaymentLine.workId); null when no work applies."
    )
    work_ref: str | None = strawberry.field(
        description="The work id or vendor reference concerned, if any.",
        deprecation_reason="Use workId, as PaymentLine does.",
    )
    basis: Basis = strawberry.field(description="The rule that produced it.")
    message: str = strawberry.field(description="The reason in words.")
    exact: str = strawberry.field(description="The exact amount in minor units before rounding, as a ratio.")
    amount: Money = strawberry.field(
        description=('The amount held (Money: decimal string in the currency\'s major unit, e.g. "12.34").')
    )
    explanation: str = strawberry.field(description="Why, in one sentence a person can check.")
    path: list[PathStep] = strawberry.field(description="The provenance path that led to it.")

    @classmethod
    def from_line(cls, line: SuspenseLine, currency: str) -> SuspenseEntry:
        exact, amount = ratio_text(line.exact), money(line.amount, currency)
        return from_record(
            cls, line, work_id=line.work_ref or None, exact=exact, amount=amount, path=_steps(line)
        )


@strawberry.type(
    description="One payee of a payout: a creator, or a suspense reason, with its exact total and the "
    "rounding applied to it (rounded once per payee, by largest remainder; see docs/royalties.md)."
)
class PayoutPayee:
    creator_id: strawberry.ID | None = strawberry.field(
        description="The creator paid; null for a suspense payee."
    )
    reason: SuspenseReason | None = strawberry.field(description="The suspense reason; null for a creator.")
    exact: str = strawberry.field(description='The exact total in minor units, as a ratio (e.g. "1/3").')
    amount: Money = strawberry.field(
        description=(
            'Its total, rounded once (Money: decimal string in the currency\'s major unit, e.g. "12.34").'
        )
    )
    rounding: str = strawberry.field(
        description="amount minus exact, in minor units as a ratio: always between -1 and 1."
    )

    @classmethod
    def from_payee(cls, payee: Payee, currency: str) -> PayoutPayee:
        creator = payee.party[2:] if payee.party.startswith("c:") else None
        reason = SuspenseReason(payee.party[2:]) if creator is None else None
        return from_record(
            cls,
            payee,
            creator_id=creator,
            reason=reason,
            exact=ratio_text(payee.exact),
            amount=money(payee.amount, currency),
            rounding=ratio_text(payee.rounding),
        )


@strawberry.type(
    description="Who gets paid for one output and an amount: lines plus suspense add up to it exactly. "
    "Each payee's total is rounded once (payees); its lines split that rounded total."
)
class PayoutBreakdown:
    output_id: strawberry.ID = strawberry.field(description="The output.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. EUR.")
    amount: Money = strawberry.field(
        description=(
            'The amount asked about (Money: decimal string in the currency\'s major unit, e.g. "12.34").'
        )
    )
    paid: Money = strawberry.field(
        description=(
            'What the lines pay (Money: decimal string in the currency\'s major unit, e.g. "12.34").'
        )
    )
    suspended: Money = strawberry.field(
        description=(
            "What waits in suspense (Money: decimal string in the currency's major "
            'unit, e.g. "12.34"); paid + suspended = amount.'
        )
    )
    lines: list[PaymentLine] = strawberry.field(
        description="The payments, each with its explanation.", extensions=part_of_parent()
    )
    suspense: list[SuspenseEntry] = strawberry.field(
        description="The money that cannot be paid, with its reasons."
    )
    payees: list[PayoutPayee] = strawberry.field(
        description="Each payee's total, rounded once.", extensions=part_of_parent()
    )

    @classmethod
    def from_distribution(cls, output_id: str, d: Distribution) -> PayoutBreakdown:
        return from_record(
            cls,
            d,
            output_id=output_id,
            amount=money(d.pool, d.currency),
            paid=money(d.paid, d.currency),
            suspended=money(d.suspended, d.currency),
            lines=[PaymentLine.from_line(line, d.currency) for line in d.lines],
            suspense=[SuspenseEntry.from_line(line, d.currency) for line in d.suspense],
            payees=[PayoutPayee.from_payee(p, d.currency) for p in d.payees],
        )


@strawberry.type(
    description="One stored line of a statement: a payment (kind PAY) or a suspense entry, summed over "
    "every subject of the period for one rule, work, creator and role (or suspense reason and work). "
    "`exact` is the exact sum; `amount` its part of the payee's total, which is rounded once."
)
class StatementLine:
    n: int = strawberry.field(description="Position in the statement, from 0.")
    subjects: int = strawberry.field(
        description="How many subjects (outputs, models) of the period contributed to the line."
    )
    kind: str = strawberry.field(
        description=(
            "PAY (a payment to a creator), SUSPENSE (money held), CARRIED_IN or "
            "CARRIED_OUT (a total below the minimum payout, carried between "
            "statements)."
        )
    )
    basis: Basis = strawberry.field(description="The rule that produced it.")
    creator_id: strawberry.ID | None = strawberry.field(description="The creator paid; null for suspense.")
    work_id: str | None = strawberry.field(description="The work, or the unmatched reference, concerned.")
    role: str | None = strawberry.field(
        description="The creator's role in the work (ShareRole name); null for suspense."
    )
    right: str | None = strawberry.field(
        description="The right whose shares split it; null when none applies."
    )
    share_bp: int | None = strawberry.field(
        description="The creator's share of that right, in basis points (10000 = 100 %)."
    )
    share_total_bp: int | None = strawberry.field(
        description="The work's total for that right, in basis points; payouts divide by it."
    )
    collected_for: strawberry.ID | None = strawberry.field(
        description="When the licence has the publisher collect: the writer whose share creatorId (the "
        "publisher its CWR chain names) collected."
    )
    chain: int | None = strawberry.field(
        description="The work's CWR publisher chain naming who collects for the writer (evidence)."
    )
    chain_publisher_id: strawberry.ID | None = strawberry.field(
        description="The publisher that chain names for the writer: its administrator, else original one."
    )
    reason: SuspenseReason | None = strawberry.field(description="The suspense reason; null for a payment.")
    statement_ref: strawberry.ID | None = strawberry.field(
        description="For kind CARRIED_IN and CARRIED_OUT: the statement the money was carried from."
    )
    exact: str | None = strawberry.field(
        description=(
            'The exact amount in minor units before rounding, as a ratio (e.g. "1/3"); null where not kept.'
        )
    )
    amount: Money = strawberry.field(
        description=(
            'The rounded amount (Money: decimal string in the currency\'s major unit, e.g. "12.34").'
        )
    )
    explanation: str = strawberry.field(description="Why, in one sentence a person can check.")

    @classmethod
    def from_row(cls, row: dict[str, Any], currency: str) -> StatementLine:
        # A stored line names its creator `holder_id` and its chain's publisher `chain_publisher`.
        return from_record(
            cls,
            row,
            subjects=row.get("subjects") or 0,
            creator_id=row.get("holder_id") or None,
            chain_publisher_id=row.get("chain_publisher"),
            amount=money(row["amount"], currency),
        )


@strawberry.type(description="What one creator is paid by a statement.")
class StatementPayee:
    creator_id: strawberry.ID = strawberry.field(description="The creator.")
    exact: str = strawberry.field(description="The creator's exact total in minor units, as a ratio.")
    amount: Money = strawberry.field(description="The exact total rounded once, by largest remainder.")
    rounding: str = strawberry.field(
        description="The rounded total minus exact, in minor units: between -1 and 1."
    )
    carried: Money = strawberry.field(
        description="The rounded total, when below the minimum payout: carried to the next statement "
        "instead of paid (amount is then 0)."
    )
    adjustment: Money = strawberry.field(
        description="For a correction, the difference from the statement it corrects; else the amount."
    )
    exact_adjustment: str = strawberry.field(
        description="For a correction, the exact difference in minor units (a ratio); else the exact total."
    )
    lines: int = strawberry.field(description="How many lines pay it.")

    @classmethod
    def from_payee(cls, payee: StoredPayee, currency: str) -> StatementPayee:
        amount, carried, adjustment = (
            money(v, currency) for v in (payee.amount, payee.carried, payee.adjustment)
        )
        return from_record(cls, payee, amount=amount, carried=carried, adjustment=adjustment)


@strawberry.type(description="Suspended money for one reason.")
class SuspenseTotal:
    reason: SuspenseReason = strawberry.field(description="The suspense reason.")
    amount: Money = strawberry.field(
        description=(
            'The total held for it (Money: decimal string in the currency\'s major unit, e.g. "12.34").'
        )
    )


@strawberry.type(
    description="A distribution of one period, stream and currency. Paid plus suspended equals the pool."
)
class Statement:
    id: strawberry.ID = strawberry.field(description="The statement's id.")
    stream: Stream = strawberry.field(description="The royalty stream distributed.")
    period: str = strawberry.field(description="The month distributed, as YYYY-MM.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. EUR.")
    status: StatementStatus = strawberry.field(description="RUNNING, DRAFT or FINAL.")
    revenue: Money = strawberry.field(description="What the usage reports declared.")
    pool: Money = strawberry.field(description="What the licence rates make of it: the money split.")
    paid: Money = strawberry.field(
        description=('Paid to creators (Money: decimal string in the currency\'s major unit, e.g. "12.34").')
    )
    suspended: Money = strawberry.field(
        description=('Held in suspense (Money: decimal string in the currency\'s major unit, e.g. "12.34").')
    )
    carried_in: Money = strawberry.field(
        description="Brought from earlier statements for creators below the minimum payout then."
    )
    carried_out: Money = strawberry.field(
        description="Creators' totals below the minimum payout, carried to the next statement. "
        "paid + suspended + carriedOut = pool + carriedIn."
    )
    suspense_totals: list[SuspenseTotal] = strawberry.field(description="Suspended money by reason.")
    subject_count: int = strawberry.field(
        description=(
            "How many subjects were distributed: models (TRAINING, SERVICE_USE) or outputs (OUTPUT_USE)."
        )
    )
    line_count: int = strawberry.field(description="How many stored lines it has.")
    created_at: datetime = strawberry.field(description="When the distribution started.")
    completed_at: datetime | None = strawberry.field(
        description="When its lines were all written (RUNNING to DRAFT); null while running."
    )
    finalised_at: datetime | None = strawberry.field(description="When it became FINAL; null before.")
    corrects_id: strawberry.ID | None = strawberry.field(
        description="The FINAL statement this one corrects; null for an original."
    )
    record: strawberry.Private[StatementRecord]

    @classmethod
    def from_record(cls, r: StatementRecord) -> Statement:
        cur = r.currency
        return from_record(
            cls,
            r,
            status=StatementStatus(r.status),
            revenue=money(r.revenue, cur),
            pool=money(r.pool, cur),
            paid=money(r.paid, cur),
            suspended=money(r.suspended, cur),
            carried_in=money(r.carried_in, cur),
            carried_out=money(r.carried_out, cur),
            suspense_totals=[
                SuspenseTotal(reason=SuspenseReason(k), amount=money(v, cur))
                for k, v in r.suspense_totals.items()
            ],
            record=r,
        )

    @strawberry.field(
        extensions=PAYMENT_DATA,
        description="Every line in order (lines name creators and what they are paid).",
    )
    async def lines(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        creator_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only lines paying this creator.")
        ] = None,
    ) -> Connection[StatementLine]:
        page = key_window(info, first, after)
        db = info.context.db
        if creator_id is None:
            rows = await statement_reads.lines(db, self.record.id, page)
            total = self.record.line_count
        else:
            rows = await statement_reads.creator_lines(db, self.record.id, str(creator_id), page)
            found = await statement_reads.payee(db, self.record.id, str(creator_id))
            total = found.lines if found else 0
        return keyset_connection(rows, total, page, lambda row: StatementLine.from_row(row, self.currency))

    @strawberry.field(extensions=PAYMENT_DATA, description="What each creator is paid, by creator id.")
    async def payees(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[StatementPayee]:
        page = key_window(info, first, after)
        total, found = await statement_reads.payees(info.context.db, self.record.id, page)
        return keyset_connection(found, total, page, lambda p: StatementPayee.from_payee(p, self.currency))

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR),
        description="The suspense lines in order: no personal data, so auditors see them too.",
    )
    async def suspense(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[StatementLine]:
        page = key_window(info, first, after)
        rows = await statement_reads.suspense_lines(info.context.db, self.record.id, page)
        total = self.record.suspense_line_count
        return keyset_connection(rows, total, page, lambda row: StatementLine.from_row(row, self.currency))


@strawberry.type(description="A creator's earnings from one statement.")
class EarningsEntry:
    statement: Statement = strawberry.field(description="The statement.", extensions=part_of_parent())
    amount: Money = strawberry.field(
        description=(
            'What it pays the creator (Money: decimal string in the currency\'s major unit, e.g. "12.34").'
        )
    )
    adjustment: Money = strawberry.field(
        description=(
            "The change against the statement it corrects (Money: decimal string in "
            'the currency\'s major unit, e.g. "12.34"); 0 for an original.'
        )
    )
    line_count: int = strawberry.field(description="How many of its lines pay the creator.")
    creator_id: strawberry.Private[str]

    @classmethod
    def from_earnings(cls, e: Earnings, creator_id: str) -> EarningsEntry:
        currency = e.statement.currency
        return cls(
            statement=Statement.from_record(e.statement),
            amount=money(e.amount, currency),
            adjustment=money(e.adjustment, currency),
            line_count=e.lines,
            creator_id=creator_id,
        )

    @strawberry.field(
        extensions=party_filtered(),
        description="This creator's lines of the statement, in order.",
    )
    async def lines(self, info: Info, first: First = None, after: After = None) -> Connection[StatementLine]:
        page = key_window(info, first, after)
        rows = await statement_reads.creator_lines(
            info.context.db, str(self.statement.id), self.creator_id, page
        )
        convert = lambda row: StatementLine.from_row(row, self.statement.currency)  # noqa: E731
        return keyset_connection(rows, self.line_count, page, convert)
