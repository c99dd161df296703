"""Statement lines as stored rows, and statements as CSV and JSON documents (pure; streamed by callers).

A stored line keeps everything its explanation needs: the subject (run, model or output) whose pool it
came from, the rule (basis), the work, the holder and role with the share that applied, the weight or
influence score, the publisher chain that names who collects for the writer (and, when the licence has
the publisher collect, the writer it collected for), the exact amount before rounding and the rounded
amount, and the path as text. Amounts leave as decimal strings in the statement's currency, never as floats.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from registry.money import format_amount
from registry.royalties.model import CarriedLine, Line, SuspenseLine, party_of_creator, party_of_reason

__all__ = [
    "CSV_FIELDS",
    "csv_header",
    "csv_rows",
    "export_row",
    "json_head",
    "json_rows",
    "json_tail",
    "line_row",
    "party_of_creator",
    "party_of_reason",
]

CSV_FIELDS = (
    "statement_id",
    "n",
    "subjects",
    "kind",
    "basis",
    "creator_id",
    "work_id",
    "role",
    "right",
    "share_bp",
    "share_total_bp",
    "collected_for",
    "chain",
    "chain_publisher",
    "reason",
    "statement_ref",
    "exact",
    "amount",
    "currency",
    "explanation",
)


def ratio_text(value: Fraction) -> str:
    """An exact ratio as text: "7", "-3/4" (Python's `Fraction(text)` reads it back)."""
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _ratio(value: Fraction | None) -> str | None:
    return None if value is None else ratio_text(value)


def line_row(
    statement_id: str, n: int, leaf: Line | SuspenseLine | CarriedLine, subjects: int
) -> dict[str, Any]:
    """A statement line (summed over the period's `subjects`) as the properties of one `(:StatementLine)`."""
    row: dict[str, Any] = {
        "statement_id": statement_id,
        "n": n,
        "subjects": subjects,
        "basis": leaf.basis.value,
        "amount": leaf.amount,
        "exact": _ratio(leaf.exact),
        "explanation": leaf.explanation,
    }
    if isinstance(leaf, CarriedLine):
        return row | {
            "kind": f"CARRIED_{leaf.direction}",
            "party": leaf.party,
            "holder_id": leaf.creator_id,
            "statement_ref": leaf.statement_ref,
            "reason": "CREATOR_LEFT" if leaf.left else None,
        }
    if isinstance(leaf, Line):
        return row | {
            "kind": "PAY",
            "party": party_of_creator(leaf.holder_id),
            "holder_id": leaf.holder_id,
            "work_id": leaf.work_id,
            "role": leaf.role.value,
            "right": leaf.right.value,
            "share_bp": leaf.share_bp,
            "share_total_bp": leaf.share_total_bp,
            "collected_for": leaf.collected_for,
            "chain": leaf.chain,
            "chain_publisher": leaf.chain_publisher,
        }
    return row | {
        "kind": "SUSPENSE",
        "party": party_of_reason(leaf.reason.value),
        "work_id": leaf.work_ref,
        "reason": leaf.reason.value,
    }


def export_row(line: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """A stored line as an export record: amounts as decimal strings in the currency."""
    return {
        "statement_id": line["statement_id"],
        "n": line["n"],
        "subjects": line.get("subjects"),
        "kind": line["kind"],
        "basis": line["basis"],
        "creator_id": line.get("holder_id"),
        "work_id": line.get("work_id"),
        "role": line.get("role"),
        "right": line.get("right"),
        "share_bp": line.get("share_bp"),
        "share_total_bp": line.get("share_total_bp"),
        "collected_for": line.get("collected_for"),
        "chain": line.get("chain"),
        "chain_publisher": line.get("chain_publisher"),
        "reason": line.get("reason"),
        "statement_ref": line.get("statement_ref"),
        "exact": line.get("exact"),
        "amount": format_amount(line["amount"], currency),
        "currency": currency,
        "explanation": line["explanation"],
    }


def csv_header() -> str:
    return _csv([dict(zip(CSV_FIELDS, CSV_FIELDS, strict=True))])


def csv_rows(lines: Iterable[Mapping[str, Any]], currency: str) -> str:
    """One page of lines as CSV records (RFC 4180 quoting, CRLF line ends)."""
    return _csv(export_row(line, currency) for line in lines)


def _csv(rows: Iterable[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


def json_head(header: Mapping[str, Any]) -> str:
    """The start of `{"statement": header, "lines": [...]}`; pages follow, then `json_tail()`.

    In pieces so that a statement of millions of lines is never one string in memory.
    """
    return '{"statement": ' + json.dumps(header, sort_keys=True, ensure_ascii=False) + ', "lines": ['


def json_rows(lines: Iterable[Mapping[str, Any]], currency: str, *, first: bool) -> str:
    parts = [json.dumps(export_row(line, currency), sort_keys=True, ensure_ascii=False) for line in lines]
    if not parts:
        return ""
    return ("" if first else ", ") + ", ".join(parts)


def json_tail() -> str:
    return "]}"
