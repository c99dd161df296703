"""Streaming reader of CWR 2.1 / 2.2 files: lines in, one `CwrWork` or `CwrRejection` per transaction out.

The reader holds one transaction at a time, so a file of any size streams through in constant
memory. It does no I/O: the caller opens the file and passes its lines. CWR is ASCII (2.2 may
name another character set in the HDR); reading as latin-1 never fails on a stray byte. Lines
may end in CRLF or LF or nothing, and may be right-trimmed.

File-level problems that CWR would punish by rejecting the whole file (trailer counts, a group of
another transaction type) only warn here: each transaction stands or falls on its own. A file that
is not CWR 2.1/2.2 at all (no HDR, CWR 3.x) raises `InvalidInput` before anything is yielded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Literal, TypeVar

from registry.cwr.models import CwrFile, CwrHeader, CwrRejection, CwrWork
from registry.cwr.records import (
    GRH,
    GRT,
    HDR,
    TRL,
    decode_date,
    decode_number,
    decode_optional_number,
    decode_text,
    decode_time,
    read_fields,
)
from registry.cwr.transaction import (
    TRANSACTION_HEADERS,
    WORK_HEADERS,
    PhysicalRecord,
    TransactionOutcome,
    assemble,
)
from registry.errors import InvalidInput

__all__ = ["CwrReader", "parse_cwr", "parse_cwr_text"]

_T = TypeVar("_T")
_CONTROL_RECORDS = frozenset({"HDR", "GRH", "GRT", "TRL"})
_GROUP_VERSIONS: dict[str, Literal["2.1", "2.2"]] = {"02.10": "2.1", "02.20": "2.2"}
_UNSUPPORTED_3X = (
    "CWR 3.0 is not supported: this file uses the CWR 3.x layout (WRK transactions, a different HDR); "
    "only CWR 2.1 and 2.2 files can be imported. Ask the sender for a CWR 2.1 or 2.2 export"
)


def parse_cwr(lines: Iterable[str]) -> Iterator[CwrWork | CwrRejection]:
    """Each transaction of a CWR 2.1/2.2 file, in file order, as a work or a rejection.

    Use `CwrReader` instead when the header or the file-level warnings are needed too.
    """
    yield from CwrReader(lines)


def parse_cwr_text(text: str | Iterable[str]) -> CwrFile:
    """A whole CWR file at once: header, works, rejections and file-level warnings."""
    reader = CwrReader(text)
    works: list[CwrWork] = []
    rejections: list[CwrRejection] = []
    for item in reader:
        if isinstance(item, CwrWork):
            works.append(item)
        else:
            rejections.append(item)
    return CwrFile(
        header=reader.header,
        works=tuple(works),
        rejections=tuple(rejections),
        warnings=tuple(reader.warnings),
    )


class CwrReader:
    """Iterates once over a CWR file's transactions.

    `header` is set as soon as the first group header has been read (before the first transaction
    is yielded); `warnings` holds the file-level warnings and is complete once iteration ends.
    """

    def __init__(self, lines: str | Iterable[str]) -> None:
        # A whole text is accepted too: iterating a str would otherwise yield single characters.
        self._lines: Iterable[str] = lines.splitlines() if isinstance(lines, str) else lines
        self.header: CwrHeader | None = None
        self.warnings: list[str] = []
        self._hdr_fields: dict[str, str] | None = None
        self._group_id: int | None = None
        self._group_type: str | None = None
        self._group_transactions = 0
        self._group_records = 0
        self._groups = 0
        self._file_transactions = 0
        self._file_records = 0
        self._trailer_seen = False
        self._started = False

    def __iter__(self) -> Iterator[CwrWork | CwrRejection]:
        # The counts behind the trailer checks and the lines themselves can only be read once.
        if self._started:
            raise RuntimeError("a CwrReader can be iterated only once; make a new one")
        self._started = True
        return self._read()

    def _read(self) -> Iterator[CwrWork | CwrRejection]:
        pending: list[PhysicalRecord] = []
        for line_number, raw in enumerate(self._lines, start=1):
            line = _strip_line_end(raw, first=line_number == 1)
            if not line.strip():
                continue  # blank lines (a trailing newline, padding) are not records
            record = PhysicalRecord(line_number, line)
            self._file_records += 1
            self._group_records += 1
            if self._hdr_fields is None:
                self._read_hdr(record)
            elif record.record_type in _CONTROL_RECORDS:
                yield from self._flush(pending)
                pending = []
                self._read_control(record)
            else:
                if record.record_type in TRANSACTION_HEADERS and not _continues_ack(pending, record):
                    yield from self._flush(pending)
                    pending = []
                pending.append(record)
        yield from self._flush(pending)
        self._finish()

    # --- transactions ------------------------------------------------------------------------

    def _flush(self, records: list[PhysicalRecord]) -> Iterator[CwrWork | CwrRejection]:
        if not records:
            return
        self._ensure_header()
        outcome = assemble(records, self._group_id, self._group_transactions)
        self._group_transactions += 1
        self._file_transactions += 1
        self._note_outcome(outcome, records[0])
        if outcome.item is not None:
            yield outcome.item

    def _note_outcome(self, outcome: TransactionOutcome, first: PhysicalRecord) -> None:
        if outcome.file_warning is not None:
            self.warnings.append(outcome.file_warning)
        item = outcome.item
        if isinstance(item, CwrWork) and self._group_type not in (None, "ACK", item.transaction_type):
            self.warnings.append(
                f"line {first.line_number}: {item.transaction_type} transaction inside a "
                f"{self._group_type} group"
            )

    # --- HDR, GRH, GRT, TRL ------------------------------------------------------------------

    def _read_hdr(self, record: PhysicalRecord) -> None:
        if record.record_type != "HDR":
            raise InvalidInput(
                f"not a CWR file: line {record.line_number} starts with {record.record_type!r}; "
                "a CWR file starts with an HDR record"
            )
        fields = read_fields(HDR, record.line, "HDR")
        # 3.x moved the HDR fields; its version lands around column 103 instead of 102.
        if record.line[101:106].strip().startswith("3."):
            raise InvalidInput(_UNSUPPORTED_3X)
        self._hdr_fields = fields

    def _read_control(self, record: PhysicalRecord) -> None:
        match record.record_type:
            case "GRH":
                self._read_grh(record)
            case "GRT":
                self._read_grt(record)
            case "TRL":
                self._read_trl(record)
            case _:
                self.warnings.append(f"line {record.line_number}: a second HDR record; ignored")

    def _read_grh(self, record: PhysicalRecord) -> None:
        fields = read_fields(GRH, record.line, "GRH")
        version = fields["version"]
        if version.startswith("03") or fields["transaction_type"] == "WRK":
            raise InvalidInput(_UNSUPPORTED_3X)
        if version not in _GROUP_VERSIONS:
            raise InvalidInput(
                f"line {record.line_number}: CWR version {version.strip()!r} is not supported; "
                "the group header must say 02.10 (CWR 2.1) or 02.20 (CWR 2.2)"
            )
        self._ensure_header(_GROUP_VERSIONS[version])
        self._groups += 1
        self._group_id = self._lenient_number(fields["group_id"], "group ID", record)
        self._group_type = decode_text(fields["transaction_type"])
        self._group_transactions = 0
        self._group_records = 1

    def _read_grt(self, record: PhysicalRecord) -> None:
        fields = read_fields(GRT, record.line, "GRT")
        self._check_count(fields["transaction_count"], self._group_transactions, "GRT transaction", record)
        self._check_count(fields["record_count"], self._group_records, "GRT record", record)
        self._group_id = None
        self._group_type = None

    def _read_trl(self, record: PhysicalRecord) -> None:
        fields = read_fields(TRL, record.line, "TRL")
        self._trailer_seen = True
        self._check_count(fields["group_count"], self._groups, "TRL group", record)
        self._check_count(fields["transaction_count"], self._file_transactions, "TRL transaction", record)
        self._check_count(fields["record_count"], self._file_records, "TRL record", record)

    def _check_count(self, raw: str, actual: int, what: str, record: PhysicalRecord) -> None:
        declared = self._lenient_number(raw, f"{what} count", record)
        if declared is not None and declared != actual:
            self.warnings.append(
                f"line {record.line_number}: {what} count says {declared}, the file holds {actual}"
            )

    def _lenient_number(self, raw: str, what: str, record: PhysicalRecord) -> int | None:
        try:
            return decode_number(raw, what)
        except InvalidInput as error:
            self.warnings.append(f"line {record.line_number}: {error.message}")
            return None

    def _finish(self) -> None:
        if self._hdr_fields is None:
            raise InvalidInput("not a CWR file: it holds no records")
        self._ensure_header()
        if not self._trailer_seen:
            self.warnings.append("the file ends without a TRL record; it may have been cut short")

    # --- the header model --------------------------------------------------------------------

    def _ensure_header(self, group_version: Literal["2.1", "2.2"] | None = None) -> None:
        if self.header is not None or self._hdr_fields is None:
            return
        self.header = _header(self._hdr_fields, group_version, self.warnings)


def _header(
    fields: dict[str, str], group_version: Literal["2.1", "2.2"] | None, warnings: list[str]
) -> CwrHeader:
    # The version field exists in 2.2 only; a 2.1 file tells its version in the GRH.
    hdr_version: Literal["2.1", "2.2"] | None = "2.2" if fields["version"] == "2.2" else None
    if hdr_version and group_version and hdr_version != group_version:
        warnings.append(f"HDR says CWR {hdr_version} but the first group says {group_version}")
    sender_type, sender_id = _sender(fields)
    return CwrHeader(
        version=hdr_version or group_version or "2.1",
        revision=_lenient(warnings, lambda: decode_optional_number(fields["revision"], "HDR revision")),
        sender_type=sender_type,
        sender_id=sender_id,
        sender_name=decode_text(fields["sender_name"]),
        created_at=_lenient(warnings, lambda: _created_at(fields)),
        transmission_date=_lenient(
            warnings, lambda: decode_date(fields["transmission_date"], "HDR transmission date")
        ),
        character_set=decode_text(fields["character_set"]),
        software_package=decode_text(fields["software_package"]),
        software_package_version=decode_text(fields["software_package_version"]),
    )


def _sender(fields: dict[str, str]) -> tuple[str | None, str | None]:
    sender_type = fields["sender_type"]
    if sender_type.isdigit():
        # 2.1 Rev 8 / 2.2: an 11-digit IPI name number spills over the sender type.
        return None, sender_type + fields["sender_id"]
    return decode_text(sender_type), decode_text(fields["sender_id"])


def _created_at(fields: dict[str, str]) -> datetime | None:
    day = decode_date(fields["creation_date"], "HDR creation date")
    clock = decode_time(fields["creation_time"], "HDR creation time")
    if day is None:
        return None
    return datetime.combine(day, clock) if clock is not None else datetime(day.year, day.month, day.day)


def _lenient(warnings: list[str], read: Callable[[], _T]) -> _T | None:
    try:
        return read()
    except InvalidInput as error:
        warnings.append(error.message)
        return None


def _strip_line_end(raw: str, *, first: bool) -> str:
    line = raw.rstrip("\r\n")
    return line.removeprefix("\ufeff") if first else line


def _continues_ack(pending: list[PhysicalRecord], record: PhysicalRecord) -> bool:
    """True when an NWR/REV is the work of the ACK transaction in progress, not a new transaction.

    In acknowledgement files the work continues the ACK's numbering (record sequence > 0); an
    NWR/REV numbered 0 starts a transaction of its own.
    """
    if not pending or pending[0].record_type != "ACK" or record.record_type not in WORK_HEADERS:
        return False
    if any(earlier.record_type in WORK_HEADERS for earlier in pending):
        return False
    return record.line[11:19] != "00000000"
