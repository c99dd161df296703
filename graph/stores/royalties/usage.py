"""Usage reports: `(:UsageReport {id, licensee_id, stream, period, amount, currency, subject_id})`.

`(:UsageReport)-[:FOR]->(:Model | :Output)`: a training fee and service revenue are per model,
output revenue per output.

Idempotent on the natural key (licensee, stream, period, subject), from which the id is derived
(registry.usage.usage_report_id): the same report again returns the stored one; another amount or
currency is a CONFLICT unless the licensee marks it as a correction, which replaces the amount and
keeps the earlier values in `history` (JSON strings), so a statement can always be traced to what
was reported when it ran.

A licensee reports for its own models and outputs only: the subject must exist and belong to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from graph.database import Database, Tx
from graph.stores._pages import Keyed, KeyWindow, keyed_page, keyset_query
from graph.stores._records import native, record_from_row
from registry.errors import Conflict, NotFound
from registry.money import format_amount
from registry.royalties.model import Stream
from registry.usage import CsvError, CsvLine, Period, UsageInput, usage_report_id, usage_sort_key

# The owner of a model: its licensee_id, or the licensee that OPERATES it (either may be set first).
MODEL_OWNER = """
UNWIND $ids AS sid
MATCH (m:Model {id: sid})
RETURN sid AS id,
       coalesce(m.licensee_id, head(COLLECT { MATCH (l:Licensee)-[:OPERATES]->(m) RETURN l.id })) AS owner
"""
OUTPUT_OWNER = """
UNWIND $ids AS sid
MATCH (o:Output {id: sid})
OPTIONAL MATCH (m:Model)-[:GENERATED]->(o)
RETURN sid AS id,
       coalesce(m.licensee_id, head(COLLECT { MATCH (l:Licensee)-[:OPERATES]->(m) RETURN l.id })) AS owner
"""
STORED = "UNWIND $ids AS id MATCH (u:UsageReport {id: id}) RETURN u {.*} AS report"
# One query per subject label: labels cannot be parameters, and a label keeps the match on its index.
MERGE_FOR_MODEL = """
UNWIND $rows AS row
MATCH (s:Model {id: row.subject_id})
MERGE (u:UsageReport {id: row.id})
ON CREATE SET u += row.props, u.created_at = datetime(), u.history = []
MERGE (u)-[:FOR]->(s)
RETURN u {.*} AS report
"""
MERGE_FOR_OUTPUT = """
UNWIND $rows AS row
MATCH (s:Output {id: row.subject_id})
MERGE (u:UsageReport {id: row.id})
ON CREATE SET u += row.props, u.created_at = datetime(), u.history = []
MERGE (u)-[:FOR]->(s)
RETURN u {.*} AS report
"""
CORRECT = """
MATCH (u:UsageReport {id: $id})
SET u.history = coalesce(u.history, []) + $previous, u.amount = $amount, u.currency = $currency,
    u.sort_key = $sort_key, u.corrected_at = datetime()
RETURN u {.*} AS report
"""
# By the unique `sort_key` (it ends with the id), on its index (V0007).
LIST = keyset_query(
    """
MATCH (u:UsageReport)
WHERE ($licensee_id IS NULL OR u.licensee_id = $licensee_id) AND ($period IS NULL OR u.period = $period)
  AND ($stream IS NULL OR u.stream = $stream)
""",
    order="u.sort_key",
    row="u {.*}",
    kinds=(str,),
)
CSV_BATCH = 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageRecord:
    id: str
    licensee_id: str
    stream: Stream
    period: str
    subject_id: str
    amount: int
    currency: str
    created_at: datetime
    corrected_at: datetime | None
    history: tuple[dict[str, Any], ...] = ()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> UsageRecord:
        return record_from_row(cls, row)


def _props(usage: UsageInput) -> dict[str, Any]:
    return {
        "licensee_id": usage.licensee_id,
        "stream": usage.stream.value,
        "period": str(usage.period),
        "subject_id": usage.subject_id,
        "amount": usage.amount,
        "currency": usage.currency,
        "sort_key": usage.sort_key,
    }


async def _owners(tx: Tx, stream: Stream, ids: list[str]) -> dict[str, str | None]:
    query: LiteralString = OUTPUT_OWNER if stream is Stream.OUTPUT_USE else MODEL_OWNER
    return {row["id"]: row["owner"] for row in await tx.run(query, {"ids": ids})}


def _merge_query(stream: Stream) -> LiteralString:
    return MERGE_FOR_OUTPUT if stream is Stream.OUTPUT_USE else MERGE_FOR_MODEL


def _subject_problem(usage: UsageInput, owners: dict[str, str | None]) -> str | None:
    if owners.get(usage.subject_id) != usage.licensee_id:
        # The same words whether the subject is another licensee's, unowned or missing: nothing leaks.
        return f"No {usage.subject_label.lower()} {usage.subject_id!r} of licensee {usage.licensee_id}."
    return None


async def report_usage(db: Database, usage: UsageInput) -> UsageRecord:
    """Store one usage report, or return the stored one on a retry (see the module docstring)."""

    async def work(tx: Tx) -> dict[str, Any]:
        problem = _subject_problem(usage, await _owners(tx, usage.stream, [usage.subject_id]))
        if problem is not None:
            raise NotFound(problem)
        rows = await tx.run(_merge_query(usage.stream), {"rows": [_row(usage)]})
        stored: dict[str, Any] = rows[0]["report"]
        tx.touch(usage.id, usage.subject_id)
        if (stored["amount"], stored["currency"]) == (usage.amount, usage.currency):
            return stored
        if not usage.correction:
            raise _conflict(usage, stored)
        return await _correct(tx, usage, stored)

    return UsageRecord.from_row(await db.write(work))


def _row(usage: UsageInput) -> dict[str, Any]:
    return {"id": usage.id, "subject_id": usage.subject_id, "props": _props(usage)}


def _conflict(usage: UsageInput, stored: dict[str, Any]) -> Conflict:
    was = f"{format_amount(stored['amount'], stored['currency'])} {stored['currency']}"
    return Conflict(
        f"{usage.stream.value} for {usage.subject_id} in {usage.period} is already reported as {was}; "
        "a retry must send the same amount, and a change must be sent as a correction.",
        details={"id": usage.id, "amount": format_amount(stored["amount"], stored["currency"])},
    )


async def _correct(tx: Tx, usage: UsageInput, stored: dict[str, Any]) -> dict[str, Any]:
    previous = json.dumps(
        {"amount": stored["amount"], "currency": stored["currency"], "replaced_at": _now_iso(stored)}
    )
    params = {
        "id": usage.id,
        "previous": [previous],
        "amount": usage.amount,
        "currency": usage.currency,
        "sort_key": usage.sort_key,
    }
    row = await tx.single(CORRECT, params)
    assert row is not None
    report: dict[str, Any] = row["report"]
    return report


def _now_iso(stored: dict[str, Any]) -> str:
    # When the replaced amount had been in force since: its last correction, or its creation.
    moment = native(stored.get("corrected_at")) or native(stored.get("created_at"))
    return moment.isoformat() if moment else ""


async def usage_reports(
    db: Database,
    *,
    licensee_id: str | None,
    period: Period | None,
    stream: Stream | None,
    window: KeyWindow,
) -> tuple[int | None, list[Keyed[UsageRecord]]]:
    params = {
        "licensee_id": licensee_id,
        "period": str(period) if period else None,
        "stream": stream.value if stream else None,
    }
    query, page = window.bind(LIST)
    rows = await db.run_read(query, params | page)
    return keyed_page(rows, UsageRecord.from_row)


# --- CSV upload ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UploadResult:
    """What an upload did: nothing at all when `errors` is non-empty (all-or-nothing)."""

    lines: int
    created: int
    unchanged: int
    errors: tuple[CsvError, ...]


def _inputs(licensee_id: str, period: Period, lines: list[CsvLine]) -> list[tuple[CsvLine, UsageInput]]:
    return [
        (
            line,
            UsageInput(licensee_id, Stream.OUTPUT_USE, period, line.output_id, line.amount, line.currency),
        )
        for line in lines
    ]


async def upload_output_usage(
    db: Database, licensee_id: str, period: Period, lines: list[CsvLine], errors: list[CsvError]
) -> UploadResult:
    """Check every parsed line against the graph, then write all of them in one transaction, or none.

    All-or-nothing because a licensee fixes and re-sends the whole month: a partly stored file
    would leave it guessing which lines are in. Retrying a stored file changes nothing (same keys,
    same amounts); a line whose output already has another amount this month is an error: the CSV
    does not correct, the `reportUsage` mutation with `correction` does.
    """
    pairs = _inputs(licensee_id, period, lines)
    found = list(errors)
    for start in range(0, len(pairs), CSV_BATCH):
        found += await _check_batch(db, pairs[start : start + CSV_BATCH])
    if found:
        return UploadResult(len(lines), 0, 0, tuple(sorted(found, key=lambda e: e.line)))
    created = await _write_all(db, [usage for _, usage in pairs])
    return UploadResult(len(lines), created, len(lines) - created, ())


async def _check_batch(db: Database, pairs: list[tuple[CsvLine, UsageInput]]) -> list[CsvError]:
    async def work(tx: Tx) -> tuple[dict[str, str | None], dict[str, dict[str, Any]]]:
        owners = await _owners(tx, Stream.OUTPUT_USE, [u.subject_id for _, u in pairs])
        stored = await tx.run(STORED, {"ids": [u.id for _, u in pairs]})
        return owners, {row["report"]["id"]: row["report"] for row in stored}

    owners, stored = await db.read(work)
    errors: list[CsvError] = []
    for line, usage in pairs:
        problem = _subject_problem(usage, owners)
        if problem is not None:
            errors.append(CsvError(line.line, "output_id", problem))
        elif usage.id in stored and (stored[usage.id]["amount"], stored[usage.id]["currency"]) != (
            usage.amount,
            usage.currency,
        ):
            errors.append(CsvError(line.line, "amount", _conflict(usage, stored[usage.id]).message))
    return errors


async def _write_all(db: Database, usages: list[UsageInput]) -> int:
    ids = {u.id for u in usages}

    async def work(tx: Tx) -> int:
        before = {row["report"]["id"] for row in await tx.run(STORED, {"ids": sorted(ids)})}
        for start in range(0, len(usages), CSV_BATCH):
            batch = usages[start : start + CSV_BATCH]
            rows = await tx.run(MERGE_FOR_OUTPUT, {"rows": [_row(u) for u in batch]})
            # Another upload may have stored a different amount since the check: refuse, roll back.
            for sent, row in zip(batch, rows, strict=True):
                if (row["report"]["amount"], row["report"]["currency"]) != (sent.amount, sent.currency):
                    raise _conflict(sent, row["report"])
        tx.touch(*sorted(ids - before))
        return len(ids - before)

    return await db.write(work)


def known_report_id(licensee_id: str, stream: Stream, period: Period, subject_id: str) -> str:
    return usage_report_id(licensee_id, stream, str(period), subject_id)


__all__ = [
    "UploadResult",
    "UsageRecord",
    "known_report_id",
    "report_usage",
    "upload_output_usage",
    "usage_reports",
    "usage_sort_key",
]
