"""`opustrace distribute` and `opustrace statement export|finalise`: royalties from the command line.

Commands act as ADMIN under an audit scope naming the operating-system user (`cli:<user>`), so every
statement written from a terminal is in the audit trail like one written through GraphQL.
"""

from __future__ import annotations

import sys
import time
import uuid
from typing import IO

import click

from graph.database import Database
from graph.stores.royalties import statement_reads, statements
from graph.stores.royalties.distribution import BATCH_SIZE
from graph.stores.royalties.records import StatementRecord
from opustrace.runtime import cli_scope, run_with_db
from registry.money import Currency, format_amount
from registry.royalties import Stream
from registry.royalties.export import csv_header, csv_rows, json_head, json_rows, json_tail
from registry.usage import Period


def describe(record: StatementRecord) -> list[str]:
    """A statement's totals as lines of text: what `distribute` prints."""

    def money(minor: int) -> str:
        return f"{format_amount(minor, record.currency)} {record.currency}"

    out = [
        f"statement {record.id}: {record.stream.value} {record.period} {record.status}",
        f"  subjects {record.subject_count}, lines {record.line_count}",
        f"  revenue  {money(record.revenue)}",
        f"  pool     {money(record.pool)}",
        f"  paid     {money(record.paid)}",
        f"  suspense {money(record.suspended)}",
    ]
    out += [f"    {reason}: {money(amount)}" for reason, amount in record.suspense_totals.items()]
    return out


@click.command("distribute", help="Distribute a period's usage reports of one stream into a DRAFT statement.")
@click.option("--period", required=True, help="The month, YYYY-MM.")
@click.option("--stream", required=True, type=click.Choice([s.value for s in Stream]))
@click.option("--currency", required=True, help="ISO 4217 code; reports in other currencies are left out.")
@click.option("--id", "statement_id", default=None, help="Statement id (a retry with it is harmless).")
@click.option("--batch-size", default=BATCH_SIZE, show_default=True, type=click.IntRange(1, 10_000))
def distribute_command(
    period: str, stream: str, currency: str, statement_id: str | None, batch_size: int
) -> None:
    month, flow = Period.parse(period), Stream(stream)
    new_id = statement_id or f"st-{flow.value.lower()}-{month}-{uuid.uuid4().hex[:12]}"
    code = Currency.of(currency).code
    started = time.perf_counter()

    async def work(db: Database) -> StatementRecord:
        return await statements.run_distribution(
            db,
            statement_id=new_id,
            stream=flow,
            period=month,
            currency=code,
            created_by=cli_scope("distribute").actor,
            batch_size=batch_size,
        )

    record = run_with_db("distribute", work)
    for line in describe(record):
        click.echo(line)
    click.echo(f"  took {time.perf_counter() - started:.1f} s")


@click.group(name="statement", help="Statements: export or finalise.")
def statement_group() -> None:
    pass


@statement_group.command("export", help="Write a statement's lines as CSV or JSON to stdout (streamed).")
@click.argument("statement_id")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
def export_command(statement_id: str, fmt: str) -> None:
    out = sys.stdout

    async def work(db: Database) -> None:
        await write_export(db, statement_id, fmt, out)

    run_with_db("statement export", work)


async def write_export(db: Database, statement_id: str, fmt: str, out: IO[str]) -> None:
    """Page through the lines and write each page as it arrives: memory stays one page."""
    record = await statement_reads.get_statement(db, statement_id)
    out.write(csv_header() if fmt == "csv" else json_head(record.header))
    first = True
    async for page in statement_reads.iter_lines(db, statement_id):
        out.write(
            csv_rows(page, record.currency) if fmt == "csv" else json_rows(page, record.currency, first=first)
        )
        first = False
    if fmt == "json":
        out.write(json_tail() + "\n")


@statement_group.command("finalise", help="DRAFT -> FINAL: the statement becomes immutable.")
@click.argument("statement_id")
def finalise_command(statement_id: str) -> None:
    async def work(db: Database) -> StatementRecord:
        return await statements.finalise(db, statement_id)

    for line in describe(run_with_db("statement finalise", work)):
        click.echo(line)
