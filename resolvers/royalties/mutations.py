"""Royalty mutations: usage reports (one, or a month of output use as CSV) and the statement lifecycle."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from graph.stores.royalties import statement_reads, statements, usage
from registry.access import Role
from registry.errors import InvalidInput
from registry.money import Currency
from registry.royalties import Stream
from registry.usage import Period, UsageInput, parse_output_usage_csv
from resolvers.access import allow, require_principal
from resolvers.context import Info
from resolvers.royalties.types import Money, Statement, UsageReport, UsageUploadResult

MAX_CSV_BYTES = 20 * 1024 * 1024


@strawberry.input(description="One usage report. Retrying with the same values is harmless.")
class ReportUsageInput:
    stream: Stream = strawberry.field(description="The royalty stream.")
    period: str = strawberry.field(description="The month, YYYY-MM.")
    subject_id: strawberry.ID = strawberry.field(
        description="The model (TRAINING fee, SERVICE_USE revenue) or the output (OUTPUT_USE revenue)."
    )
    amount: Money = strawberry.field(
        description=(
            "The fee or revenue (Money: decimal string in the currency's major unit, "
            'e.g. "12.34"); no more decimals than the currency has.'
        )
    )
    currency: str = strawberry.field(description="ISO 4217 code, e.g. EUR; must be the licence version's.")
    licensee_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required for ADMIN; a LICENSEE key reports for itself."
    )
    correction: bool = strawberry.field(
        default=False,
        description="Replace an earlier report with the same licensee, stream, period and subject "
        "(kept in its history). Without it a different amount is a CONFLICT.",
    )


@strawberry.input(description="Run a distribution into a new DRAFT statement.")
class RunDistributionInput:
    period: str = strawberry.field(description="The month, as YYYY-MM.")
    stream: Stream = strawberry.field(description="The royalty stream.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. EUR.")
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Your id for the statement: a retry with it returns the same statement."
    )


def _new_statement_id(stream: Stream, period: Period) -> str:
    return f"st-{stream.value.lower()}-{period}-{uuid.uuid4().hex[:12]}"


@strawberry.type
class RoyaltiesMutation:
    @strawberry.mutation(
        extensions=allow(Role.LICENSEE, Role.ADMIN),
        description="Report a month's training fee (per model version), service revenue (per model) or "
        "output revenue (per output). Idempotent per licensee, stream, period and subject.",
    )
    async def report_usage(
        self,
        info: Info,
        input: Annotated[
            ReportUsageInput,
            strawberry.argument(description="The licensee, stream, month, subject and amount."),
        ],
    ) -> UsageReport:
        principal = require_principal(info)
        report = UsageInput.of(
            licensee_id=principal.named_party(Role.LICENSEE, input.licensee_id, "licensee"),
            stream=input.stream,
            period=input.period,
            subject_id=str(input.subject_id),
            amount=str(input.amount),
            currency=input.currency,
            correction=input.correction,
        )
        return UsageReport.from_record(await usage.report_usage(info.context.db, report))

    @strawberry.mutation(
        extensions=allow(Role.LICENSEE, Role.ADMIN),
        description="A month of output-use revenue as CSV (header output_id,amount,currency). Every line is "
        "checked first; with any problem nothing is stored and each problem names its line and column.",
    )
    async def upload_output_usage_csv(
        self,
        info: Info,
        period: Annotated[
            str, strawberry.argument(description="The month the revenue was earned, as YYYY-MM.")
        ],
        file: Annotated[
            Upload,
            strawberry.argument(
                description=(
                    "The CSV file (multipart upload): header output_id,amount,currency; "
                    "amounts as decimal strings in the currency's major unit."
                )
            ),
        ],
        licensee_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The reporting licensee (a LICENSEE key: itself; an ADMIN must name one)."
            ),
        ] = None,
    ) -> UsageUploadResult:
        principal = require_principal(info)
        licensee = principal.named_party(Role.LICENSEE, licensee_id, "licensee")
        month = Period.parse(period)
        if not isinstance(file, UploadFile):
            raise InvalidInput("`file` must be a multipart upload.")
        body = await file.read(MAX_CSV_BYTES + 1)
        if len(body) > MAX_CSV_BYTES:
            raise InvalidInput(f"The file is larger than {MAX_CSV_BYTES} bytes; split it.")
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"The file is not UTF-8 (byte {exc.start}); save it as UTF-8 CSV.") from None
        lines, errors = parse_output_usage_csv(text)
        result = await usage.upload_output_usage(info.context.db, licensee, month, lines, errors)
        return UsageUploadResult.from_result(result)

    @strawberry.mutation(
        extensions=allow(Role.ADMIN),
        description="Distribute a period's usage reports of one stream and currency into a DRAFT statement.",
    )
    async def run_distribution(
        self,
        info: Info,
        input: Annotated[
            RunDistributionInput,
            strawberry.argument(description="The month, stream and currency to distribute."),
        ],
    ) -> Statement:
        principal = require_principal(info)
        period = Period.parse(input.period)
        record = await statements.run_distribution(
            info.context.db,
            statement_id=str(input.id) if input.id else _new_statement_id(input.stream, period),
            stream=input.stream,
            period=period,
            currency=Currency.of(input.currency).code,
            created_by=principal.key_id,
        )
        return Statement.from_record(record)

    @strawberry.mutation(
        extensions=allow(Role.ADMIN), description="DRAFT -> FINAL: the statement becomes immutable."
    )
    async def finalise_statement(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The DRAFT statement's id.")],
    ) -> Statement:
        return Statement.from_record(await statements.finalise(info.context.db, str(id)))

    @strawberry.mutation(
        extensions=allow(Role.ADMIN),
        description="Recompute a FINAL statement's period as a new DRAFT that CORRECTS it; payees carry "
        "the adjustment against it.",
    )
    async def correct_statement(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The FINAL statement to correct.")],
        new_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description=(
                    "The id for the correcting statement; omitted, one is made up. Send the "
                    "same id on a retry."
                )
            ),
        ] = None,
    ) -> Statement:
        principal = require_principal(info)
        original = await statement_reads.get_statement(info.context.db, str(id))
        period = Period.parse(original.period)
        record = await statements.correct(
            info.context.db,
            str(id),
            new_id=str(new_id) if new_id else _new_statement_id(original.stream, period),
            created_by=principal.key_id,
        )
        return Statement.from_record(record)
