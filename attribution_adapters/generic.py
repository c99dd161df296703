"""The generic formats any other vendor can send: JSON (one report or many) and CSV (one row per influence).

Both carry exactly our canonical report, so nothing vendor-specific is guessed. The full reference
is docs/attribution-formats.md ("Generic JSON", "Generic CSV"). The vendor is never taken from the
payload: the caller passes the authenticated vendor's id, and a payload naming another vendor is
refused, so one vendor cannot file reports under another's name.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from attribution_adapters._payload import (
    Payload,
    as_list,
    as_mapping,
    join,
    load_json,
    number,
    percentage,
    problem,
)
from registry.attribution import AttributionReport, location, validate_report

JSON_FORMAT_NAME = "generic_json"
CSV_FORMAT_NAME = "generic_csv"
FORMAT_ID = "opustrace.attribution.v1"

CSV_COLUMNS = (
    "report_id",
    "output_id",
    "output_content_hash",
    "method",
    "method_version",
    "computed_at",
    "right_type",
    "iswc",
    "isrc",
    "vendor_work_id",
    "title",
    "creators",
    "score",
    "confidence",
    "segments",
)
_CSV_REQUIRED = ("report_id", "method", "method_version", "computed_at", "right_type", "score")
# Columns that describe the report, not the influence: every row of one report must repeat them.
_CSV_REPORT_COLUMNS = ("output_id", "output_content_hash", "method", "method_version", "computed_at")
_CSV_INFLUENCE_COLUMNS = (
    "right_type",
    "iswc",
    "isrc",
    "vendor_work_id",
    "title",
    "creators",
    "score",
    "confidence",
    "segments",
)
_NAME_SEPARATOR = ";"
_RANGE = re.compile(r"\s*([0-9.]+)\s*-\s*([0-9.]+)\s*")
MAX_CSV_BYTES = 20 * 1024 * 1024  # a month of one vendor's reports fits; a runaway export does not


# --- JSON ------------------------------------------------------------------------------------------


def parse_json(payload: Payload, *, vendor_id: str) -> list[AttributionReport]:
    """A report object, or `{"format": ..., "reports": [...]}`, as our reports."""
    body = as_mapping(load_json(payload, what="generic JSON payload"), "payload")
    if body.get("format") is not None and body["format"] != FORMAT_ID:
        raise problem("format", f"must be {FORMAT_ID!r} (got {body['format']!r})")
    if "reports" in body:
        items = as_list(body["reports"], "reports")
        return [
            _json_report(as_mapping(item, f"reports[{index}]"), f"reports[{index}]", vendor_id)
            for index, item in enumerate(items)
        ]
    plain = {key: value for key, value in body.items() if key != "format"}
    return [_json_report(plain, "", vendor_id)]


def _json_report(body: Mapping[str, Any], where: str, vendor_id: str) -> AttributionReport:
    data = dict(body)
    claimed = data.pop("vendor_id", None)
    if claimed is not None and claimed != vendor_id:
        raise problem(
            join(where, "vendor_id"),
            f"this endpoint records reports of vendor {vendor_id!r}, not {claimed!r}; leave vendor_id out",
        )
    data["vendor_id"] = vendor_id
    if isinstance(data.get("influences"), list):
        data["influences"] = [
            _json_influence(item, f"{join(where, 'influences')}[{index}]")
            for index, item in enumerate(data["influences"])
        ]
    return validate_report(data, prefix=where)


def _json_influence(item: Any, where: str) -> Any:
    if not isinstance(item, Mapping):
        return item  # the model reports the wrong type with its location
    influence = dict(item)
    if isinstance(influence.get("right_type"), str):
        influence["right_type"] = influence["right_type"].strip().upper()
    if "score" in influence:
        influence["score"] = _score(influence["score"], f"{where}.score")
    return influence


def _score(value: Any, where: str) -> Any:
    """A fraction as given, or a percentage written with a trailing % ("12.5%")."""
    if isinstance(value, str) and value.strip().endswith("%"):
        return percentage(value.strip()[:-1], where)
    return value


# --- CSV -------------------------------------------------------------------------------------------


def parse_csv(payload: bytes | str, *, vendor_id: str) -> list[AttributionReport]:
    """One row per influence, grouped into reports by `report_id`, in first-seen order."""
    if len(payload) > MAX_CSV_BYTES:
        raise problem("payload", f"is larger than {MAX_CSV_BYTES} bytes; split it by month or output")
    try:
        text = payload.decode("utf-8-sig") if isinstance(payload, bytes) else payload
    except UnicodeDecodeError as exc:
        raise problem("payload", f"is not UTF-8 text (byte {exc.start})") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey="\x00extra", strict=True)
    _check_header(reader.fieldnames)

    groups: dict[str, _CsvReport] = {}
    try:
        for row in reader:
            line = reader.line_num
            if "\x00extra" in row:
                raise problem(
                    f"line {line}", "has more fields than the header; quote values containing commas"
                )
            values = {key: (value or "").strip() for key, value in row.items() if key is not None}
            if not any(values.values()):
                continue  # blank lines between reports are harmless
            report_id = values["report_id"]
            if not report_id:
                raise problem(f"line {line}, column report_id", "is required")
            group = groups.get(report_id)
            if group is None:
                groups[report_id] = group = _CsvReport(report_id, line, values)
            else:
                group.check_same(line, values)
            group.add(line, values)
    except csv.Error as exc:
        raise problem(f"line {reader.line_num}", f"is not valid CSV: {exc}") from exc
    if not groups:
        raise problem("payload", "has a header but no rows")
    return [group.report(vendor_id) for group in groups.values()]


def _check_header(fieldnames: Any) -> None:
    if not fieldnames:
        raise problem("line 1", f"must be a header naming the columns: {', '.join(CSV_COLUMNS)}")
    header = [name.strip() for name in fieldnames]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        raise problem("line 1", f"unknown column(s) {', '.join(unknown)}; allowed: {', '.join(CSV_COLUMNS)}")
    missing = [name for name in _CSV_REQUIRED if name not in header]
    if missing:
        raise problem("line 1", f"missing column(s) {', '.join(missing)}")
    if "output_id" not in header and "output_content_hash" not in header:
        raise problem("line 1", "needs an output_id or output_content_hash column")
    # DictReader keys are the raw header cells; strip them so " score" still finds its column.
    fieldnames[:] = header


class _CsvReport:
    """The rows of one report_id: report columns from its first row, one influence per row."""

    def __init__(self, report_id: str, line: int, values: Mapping[str, str]) -> None:
        self.report_id = report_id
        self.first_line = line
        self.head = {column: values.get(column, "") for column in _CSV_REPORT_COLUMNS}
        self.influences: list[dict[str, Any]] = []
        self.lines: list[int] = []

    def check_same(self, line: int, values: Mapping[str, str]) -> None:
        for column in _CSV_REPORT_COLUMNS:
            if values.get(column, "") != self.head[column]:
                raise problem(
                    f"line {line}, column {column}",
                    f"{values.get(column, '')!r} differs from {self.head[column]!r} "
                    f"on line {self.first_line} for report {self.report_id}; "
                    "repeat report columns identically on every row",
                )

    def add(self, line: int, values: Mapping[str, str]) -> None:
        if not any(values.get(column) for column in _CSV_INFLUENCE_COLUMNS):
            return  # a report row with no influence: the vendor found none
        where = f"line {line}, column"
        influence: dict[str, Any] = {
            "reference": {
                "iswc": values.get("iswc") or None,
                "isrc": values.get("isrc") or None,
                "vendor_work_id": values.get("vendor_work_id") or None,
                "title": values.get("title") or None,
                "creators": _names(values.get("creators", "")),
            },
            "right_type": values.get("right_type", "").upper(),
            "score": _csv_score(values.get("score", ""), f"{where} score"),
            "segments": _segments(values.get("segments", ""), f"{where} segments"),
        }
        if values.get("confidence"):
            influence["confidence"] = number(values["confidence"], f"{where} confidence")
        self.influences.append(influence)
        self.lines.append(line)

    def report(self, vendor_id: str) -> AttributionReport:
        data = {
            "vendor_id": vendor_id,
            "vendor_report_id": self.report_id,
            "output_id": self.head["output_id"] or None,
            "output_content_hash": self.head["output_content_hash"] or None,
            "method": self.head["method"],
            "method_version": self.head["method_version"],
            "computed_at": self.head["computed_at"],
            "influences": self.influences,
        }
        return validate_report(data, locate=self._locate)

    def _locate(self, loc: tuple[int | str, ...]) -> str:
        if len(loc) >= 3 and loc[0] == "influences" and isinstance(loc[1], int):
            field = str(loc[3]) if loc[2] == "reference" and len(loc) > 3 else str(loc[2])
            column = "iswc/isrc/vendor_work_id/title/creators" if field == "reference" else field
            return f"line {self.lines[loc[1]]}, column {column}"
        if loc:
            return f"line {self.first_line}, column {location(loc)} (report {self.report_id})"
        return f"report {self.report_id} (from line {self.first_line})"


def _names(cell: str) -> list[str]:
    return [name.strip() for name in cell.split(_NAME_SEPARATOR) if name.strip()]


def _csv_score(cell: str, where: str) -> Decimal:
    if not cell:
        raise problem(where, "is required")
    if cell.endswith("%"):
        return percentage(cell[:-1], where)
    return number(cell, where)


def _segments(cell: str, where: str) -> list[dict[str, Decimal]]:
    """`0-12.5@40-52.5;60-70`: output range, optionally `@` the source range, `;` between segments."""
    segments: list[dict[str, Decimal]] = []
    for index, part in enumerate(p for p in cell.split(";") if p.strip()):
        output, _, source = part.partition("@")
        segment = dict(
            zip(("output_start", "output_end"), _range(output, f"{where} segment {index + 1}"), strict=True)
        )
        if source.strip():
            segment.update(
                zip(
                    ("source_start", "source_end"),
                    _range(source, f"{where} segment {index + 1}"),
                    strict=True,
                )
            )
        segments.append(segment)
    return segments


def _range(text: str, where: str) -> tuple[Decimal, Decimal]:
    match = _RANGE.fullmatch(text)
    if match is None:
        raise problem(where, f"{text.strip()!r} must be start-end in seconds, e.g. 12.5-30")
    return number(match.group(1), where), number(match.group(2), where)
