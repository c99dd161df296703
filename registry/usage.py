"""Usage reports: what a licensee owes for a month, per stream and subject, and the bulk CSV of output use.

A usage report is keyed by its natural key (licensee, stream, period, subject): the same report sent
again is the same record. Amounts are parsed once, here, into integer minor units.

The CSV upload is validated line by line before anything is written; each problem names its line,
column and reason, and the upload is all-or-nothing (see `parse_output_usage_csv`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from registry.errors import DomainError, InvalidInput
from registry.moments import EARLIEST_YEAR, LATEST_YEAR
from registry.money import Currency, parse_amount
from registry.royalties.model import Stream

__all__ = [
    "CSV_COLUMNS",
    "MAX_CSV_ERRORS",
    "MAX_CSV_LINES",
    "CsvError",
    "CsvLine",
    "Period",
    "UsageInput",
    "parse_output_usage_csv",
    "usage_report_id",
    "usage_sort_key",
]

_PERIOD = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])", re.ASCII)
# The subject of each stream: a training fee and service revenue are per model, output revenue per output.
SUBJECT_LABEL: dict[Stream, str] = {
    Stream.TRAINING: "Model",
    Stream.SERVICE_USE: "Model",
    Stream.OUTPUT_USE: "Output",
}
CSV_COLUMNS = ("output_id", "amount", "currency")
# A month of output use for one licensee fits; a bigger file is split by the licensee.
MAX_CSV_LINES = 200_000
# Past this many problems the file is wrong throughout; listing more would only bloat the answer.
MAX_CSV_ERRORS = 200
_MAX_ID = 200
T = TypeVar("T")


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A calendar month, 'YYYY-MM', in UTC."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.fullmatch(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise InvalidInput(f"The period {text!r} must be a month written YYYY-MM, e.g. 2026-10.")
        year, month = int(match.group(1)), int(match.group(2))
        if not EARLIEST_YEAR <= year <= LATEST_YEAR:
            raise InvalidInput(f"The period {text!r} must lie in the years {EARLIEST_YEAR} to {LATEST_YEAR}.")
        return cls(year, month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the month (exclusive end)."""
        if self.month == 12:
            return datetime(self.year + 1, 1, 1, tzinfo=UTC)
        return datetime(self.year, self.month + 1, 1, tzinfo=UTC)


def _require_id(value: str, what: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > _MAX_ID:
        raise InvalidInput(f"The {what} is required and at most {_MAX_ID} characters.")
    return text


@dataclass(frozen=True, slots=True)
class UsageInput:
    """One validated usage report: `amount` in minor units of `currency`.

    `correction` says the licensee means to replace an earlier report with the same natural key;
    without it, a different amount under the same key is a CONFLICT (a retry must repeat itself).
    """

    licensee_id: str
    stream: Stream
    period: Period
    subject_id: str
    amount: int
    currency: str
    correction: bool = False

    @classmethod
    def of(
        cls,
        *,
        licensee_id: str,
        stream: Stream | str,
        period: str,
        subject_id: str,
        amount: str,
        currency: str,
        correction: bool = False,
    ) -> UsageInput:
        cur = Currency.of(currency)
        return cls(
            licensee_id=_require_id(licensee_id, "licensee id"),
            stream=Stream(stream),
            period=Period.parse(period),
            subject_id=_require_id(subject_id, f"{SUBJECT_LABEL[Stream(stream)].lower()} id"),
            amount=parse_amount(amount, cur),
            currency=cur.code,
            correction=correction,
        )

    @property
    def id(self) -> str:
        return usage_report_id(self.licensee_id, self.stream, str(self.period), self.subject_id)

    @property
    def subject_label(self) -> str:
        return SUBJECT_LABEL[self.stream]

    @property
    def sort_key(self) -> str:
        return usage_sort_key(self.stream, str(self.period), self.currency, self.subject_id, self.id)


def usage_report_id(licensee_id: str, stream: Stream, period: str, subject_id: str) -> str:
    """The id derived from the natural key, so that a retry finds the record it made before.

    Hashed rather than joined: ids may contain any separator, and a join would make two keys collide.
    """
    natural = json.dumps([licensee_id, stream.value, period, subject_id], ensure_ascii=False)
    return "usage-" + hashlib.sha256(natural.encode()).hexdigest()[:32]


def usage_sort_key(stream: Stream, period: str, currency: str, subject_id: str, report_id: str) -> str:
    """The order a distribution pages through a period's reports (keyset), whatever order they came in.

    Stream, period and currency first, so that one prefix selects a distribution's reports; the id
    last, so that the key is unique even when two subject ids differ only by a separator.
    """
    return f"{stream.value}|{period}|{currency}|{subject_id}|{report_id}"


def usage_prefix(stream: Stream, period: Period, currency: str) -> str:
    return f"{stream.value}|{period}|{Currency.of(currency).code}|"


# --- CSV -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CsvError:
    """One problem of an upload: the line (1 is the header), the column (None: the whole line), why."""

    line: int
    column: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class CsvLine:
    line: int
    output_id: str
    amount: int
    currency: str


def parse_output_usage_csv(text: str) -> tuple[list[CsvLine], list[CsvError]]:
    """The valid lines and every problem (up to MAX_CSV_ERRORS) of an output-use CSV.

    Header: `output_id,amount,currency` (any order, extra columns refused so a typo is not ignored).
    A line is taken whole or not at all: a line with any problem contributes no row. The same
    output twice in one file is an error on the later line: a month has one amount per output.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        return [], [CsvError(1, None, "The file is empty; the first line must be the header.")]
    columns, errors = _header(header)
    if errors:
        return [], errors
    lines: list[CsvLine] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_CSV_LINES:
            errors.append(CsvError(number, None, f"More than {MAX_CSV_LINES} lines: split the file."))
            break
        if not any(cell.strip() for cell in row):
            continue  # blank lines (a trailing newline) carry nothing
        parsed, problems = _line(number, row, columns, seen)
        errors += problems
        if parsed is not None:
            seen[parsed.output_id] = number
            lines.append(parsed)
        if len(errors) >= MAX_CSV_ERRORS:
            errors.append(CsvError(number, None, f"Stopped after {MAX_CSV_ERRORS} problems."))
            break
    return lines, errors


def _header(header: list[str]) -> tuple[dict[str, int], list[CsvError]]:
    names = [cell.strip().lower().lstrip("\ufeff") for cell in header]
    errors = [
        CsvError(1, name or f"column {index + 1}", f"Unknown column; expected {', '.join(CSV_COLUMNS)}.")
        for index, name in enumerate(names)
        if name not in CSV_COLUMNS
    ]
    errors += [
        CsvError(1, column, "Missing column in the header.") for column in CSV_COLUMNS if column not in names
    ]
    duplicated = sorted({n for n in names if names.count(n) > 1 and n in CSV_COLUMNS})
    errors += [CsvError(1, column, "The column appears twice in the header.") for column in duplicated]
    return {name: names.index(name) for name in CSV_COLUMNS if name in names}, errors


def _line(
    number: int, row: list[str], columns: dict[str, int], seen: dict[str, int]
) -> tuple[CsvLine | None, list[CsvError]]:
    if len(row) != len(columns):
        return None, [CsvError(number, None, f"Expected {len(columns)} cells, found {len(row)}.")]
    cells = {name: row[index].strip() for name, index in columns.items()}
    errors: list[CsvError] = []
    output_id = cells["output_id"]
    if not output_id or len(output_id) > _MAX_ID:
        errors.append(CsvError(number, "output_id", f"Give the output's id (1 to {_MAX_ID} characters)."))
    elif output_id in seen:
        errors.append(
            CsvError(number, "output_id", f"Output {output_id} is already on line {seen[output_id]}.")
        )
    currency = _cell(errors, number, "currency", lambda: Currency.of(cells["currency"]).code)
    # The amount's decimals depend on the currency; with no valid currency it cannot be judged.
    amount = (
        _cell(errors, number, "amount", lambda: parse_amount(cells["amount"], currency))
        if currency is not None
        else None
    )
    if errors or currency is None or amount is None:
        return None, errors
    return CsvLine(number, output_id, amount, currency), []


def _cell(errors: list[CsvError], number: int, column: str, parse: Callable[[], T]) -> T | None:
    try:
        return parse()
    except DomainError as exc:
        errors.append(CsvError(number, column, exc.message))
        return None
