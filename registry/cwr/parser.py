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

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeVar

from registry.cwr.models import CwrAcknowledgement, CwrFile, CwrHeader, CwrMessage, CwrRejection, CwrWork
from registry.cwr.records import (
    GRH,
    GRT,
    HDR,
    RECORD_LENGTHS,
    TRL,
    decode_date,
    decode_number,
    decode_optional_number,
    decode_text,
    decode_time,
    read_fields,
)
from registry.cwr.rules import RULES, Level, action
from registry.cwr.transaction import (
    TRANSACTION_HEADERS,
    WORK_HEADERS,
    PhysicalRecord,
    assemble,
)
from registry.errors import InvalidInput

__all__ = ["CwrReader", "StrictVerdict", "parse_cwr", "parse_cwr_text", "strict_reader"]

_T = TypeVar("_T")
_CONTROL_RECORDS = frozenset({"HDR", "GRH", "GRT", "TRL"})
_GROUP_VERSIONS: dict[str, Literal["2.1", "2.2"]] = {"02.10": "2.1", "02.20": "2.2"}
_UNSUPPORTED_3X = (
    "CWR 3.0 is not supported: this file uses the CWR 3.x layout (WRK transactions, a different HDR); "
    "only CWR 2.1 and 2.2 files can be imported. Ask the sender for a CWR 2.1 or 2.2 export"
)


def parse_cwr(lines: Iterable[str], *, strict: bool = False) -> Iterator[CwrWork | CwrRejection]:
    """Each transaction of a CWR 2.1/2.2 file, in file order, as a work or a rejection.

    Use `CwrReader` instead when the header or the file-level warnings are needed too. Strict mode
    here applies the transaction-level rules only; `strict_reader` applies the file and group ones.
    """
    yield from CwrReader(lines, strict=strict)


def parse_cwr_text(text: str | Iterable[str], *, strict: bool = False) -> CwrFile:
    """A whole CWR file at once: header, works, rejections, file-level warnings and acknowledgements."""
    reader = strict_reader(lambda: text) if strict else CwrReader(text)
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
        acknowledgements=tuple(reader.acknowledgements),
    )


def strict_reader(open_lines: Callable[[], str | Iterable[str]]) -> CwrReader:
    """A reader applying CISAC's rules as written, file and group rejections included.

    Whether a group or the file stands is known only at its trailer, after its transactions; so
    the file is read twice: once for the verdict, once to yield the transactions under it.
    `open_lines` gives the file's lines afresh on each call.
    """
    scan = CwrReader(open_lines(), strict=True)
    for _ in scan:
        pass
    return CwrReader(open_lines(), strict=True, verdict=scan.verdict())


@dataclass(frozen=True, slots=True)
class StrictVerdict:
    """The group and file rejections of a strict first reading."""

    file: CwrMessage | None  # the first breach that rejects the whole file
    groups: dict[int, CwrMessage]  # group ordinal (1 = the file's first GRH): its first breach


class CwrReader:
    """Iterates once over a CWR file's transactions.

    `header` is set as soon as the first group header has been read (before the first transaction
    is yielded); `messages` (and `warnings`, their texts) hold the file-level messages and are
    complete once iteration ends; `acknowledgements` the ACK transactions read, in file order.
    """

    def __init__(
        self, lines: str | Iterable[str], *, strict: bool = False, verdict: StrictVerdict | None = None
    ) -> None:
        # A whole text is accepted too: iterating a str would otherwise yield single characters.
        self._lines: Iterable[str] = lines.splitlines() if isinstance(lines, str) else lines
        self.strict = strict
        self._verdict = verdict
        self.header: CwrHeader | None = None
        self.messages: list[CwrMessage] = []
        self.acknowledgements: list[CwrAcknowledgement] = []
        self._file_defects: list[CwrMessage] = []
        self._group_defects: dict[int, CwrMessage] = {}
        self._hdr_fields: dict[str, str] | None = None
        self._version: Literal["2.1", "2.2"] = "2.1"
        self._group_id: int | None = None
        self._group_type: str | None = None
        self._group_transactions = 0
        self._group_records = 0
        self._groups = 0
        self._file_transactions = 0
        self._file_records = 0
        self._trimmed = 0
        self._first_trimmed: int | None = None
        self._trailer_seen = False
        self._started = False

    @property
    def warnings(self) -> list[str]:
        return [message.text for message in self.messages]

    def verdict(self) -> StrictVerdict:
        """The file and group rejections found so far (complete once iteration has ended)."""
        return StrictVerdict(next(iter(self._file_defects), None), dict(self._group_defects))

    def __iter__(self) -> Iterator[CwrWork | CwrRejection]:
        # The counts behind the trailer checks and the lines themselves can only be read once.
        if self._started:
            raise RuntimeError("a CwrReader can be iterated only once; make a new one")
        self._started = True
        return self._read()

    def _read(self) -> Iterator[CwrWork | CwrRejection]:
        pending: list[PhysicalRecord] = []
        lines = iter(self._lines)
        first = next(lines, None)
        if first is not None:  # the first line alone may start with a byte-order mark
            yield from self._read_lines(pending, itertools.chain([first.removeprefix("\ufeff")], lines))
        yield from self._flush(pending)
        self._finish()

    def _read_lines(
        self, pending: list[PhysicalRecord], lines: Iterable[str]
    ) -> Iterator[CwrWork | CwrRejection]:
        # The loop every line of the file goes through, kept lean: nothing here costs more than a lookup.
        control, headers = _CONTROL_RECORDS, TRANSACTION_HEADERS
        for line_number, raw in enumerate(lines, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue  # blank lines (a trailing newline, padding) are not records
            record = PhysicalRecord(line_number, line)
            self._file_records += 1
            self._group_records += 1
            record_type = record.record_type
            if self._hdr_fields is None:
                self._read_hdr(record)
            elif record_type in control:
                yield from self._flush(pending)
                pending.clear()
                self._read_control(record)
            else:
                if not self.strict:
                    self._note_length(record)
                if record_type in headers and not _continues_ack(pending, record):
                    yield from self._flush(pending)
                    pending.clear()
                pending.append(record)

    # --- transactions ------------------------------------------------------------------------

    def _flush(self, records: list[PhysicalRecord]) -> Iterator[CwrWork | CwrRejection]:
        if not records:
            return
        self._ensure_header()
        outcome = assemble(
            records, self._group_id, self._group_transactions, strict=self.strict, version=self._version
        )
        self._group_transactions += 1
        self._file_transactions += 1
        for message in outcome.envelope:
            self._envelope(message)
        if outcome.acknowledgement is not None:
            self.acknowledgements.append(outcome.acknowledgement)
        item = outcome.item
        if item is None:
            self.messages.extend(outcome.messages)  # of a transaction that loads nothing
            return
        if isinstance(item, CwrWork):
            self._check_group_type(item, records[0])
        yield self._judged(item)

    def _check_group_type(self, work: CwrWork, first: PhysicalRecord) -> None:
        if self._group_type not in (None, "ACK", work.transaction_type):
            self._breach(
                "group-transaction-type",
                first,
                f"{work.transaction_type} transaction inside a {self._group_type} group",
                "read as its own type",
            )

    def _judged(self, item: CwrWork | CwrRejection) -> CwrWork | CwrRejection:
        """The item under a strict verdict: a work of a rejected group or file becomes a rejection."""
        if self._verdict is None:
            return item
        defect = self._verdict.file or self._verdict.groups.get(self._groups)
        if defect is None:
            return item
        scope = "file" if defect.action == "E" else "group"
        reason = f"the {scope} is rejected (CISAC level {defect.action}R, strict mode): {defect.text}"
        return _rejection_of(item, reason, defect.rule)

    # --- breaches outside a transaction --------------------------------------------------------

    def _breach(self, rule_code: str, record: PhysicalRecord | None, text: str, repair: str) -> None:
        rule = RULES[rule_code]
        cost = action(rule, strict=self.strict)
        done = {Level.FILE: "the file is rejected", Level.GROUP: "the group is rejected"}.get(
            cost or Level.FIELD, repair
        )
        where = f"line {record.line_number}: " if record is not None else ""
        message = CwrMessage(
            line_number=record.line_number if record is not None else None,
            record_seq=None,
            record_type=record.record_type if record is not None else "TRL",
            rule=rule.code,
            level=rule.level.value,
            action=(cost or Level.FIELD).value,
            text=f"{where}{text}; {done}",
        )
        self.messages.append(message)
        self._envelope(message)

    def _envelope(self, message: CwrMessage) -> None:
        if message.action == "E":
            self._file_defects.append(message)
        elif message.action == "G":
            self._group_defects.setdefault(self._groups, message)

    def _note_length(self, record: PhysicalRecord) -> None:
        # Lenient mode pads right-trimmed lines silently record by record; one message counts them.
        lengths = RECORD_LENGTHS.get(record.record_type)
        if self.strict or lengths is None or len(record.line) >= lengths[self._version == "2.2"]:
            return
        self._trimmed += 1
        if self._first_trimmed is None:
            self._first_trimmed = record.line_number

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
        if fields["version"] == "2.2":
            self._version = "2.2"

    def _read_control(self, record: PhysicalRecord) -> None:
        match record.record_type:
            case "GRH":
                self._read_grh(record)
            case "GRT":
                self._read_grt(record)
            case "TRL":
                self._read_trl(record)
            case _:
                self._breach("file-single-header", record, "a second HDR record", "ignored")

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
        self._version = _GROUP_VERSIONS[version]
        self._ensure_header(self._version)
        self._groups += 1
        self._group_id = self._lenient_number(fields["group_id"], "group ID", record)
        if self._group_id != self._groups:
            self._breach(
                "group-id",
                record,
                f"group ID {fields['group_id']!r}; expected {self._groups}",
                "read as given",
            )
        self._group_type = decode_text(fields["transaction_type"])
        self._group_transactions = 0
        self._group_records = 1

    def _read_grt(self, record: PhysicalRecord) -> None:
        fields = read_fields(GRT, record.line, "GRT")
        self._check_count(
            fields["transaction_count"], self._group_transactions, "group-transaction-count", record
        )
        self._check_count(fields["record_count"], self._group_records, "group-record-count", record)
        self._group_id = None
        self._group_type = None

    def _read_trl(self, record: PhysicalRecord) -> None:
        fields = read_fields(TRL, record.line, "TRL")
        self._trailer_seen = True
        self._check_count(fields["group_count"], self._groups, "file-group-count", record)
        self._check_count(
            fields["transaction_count"], self._file_transactions, "file-transaction-count", record
        )
        self._check_count(fields["record_count"], self._file_records, "file-record-count", record)

    def _check_count(self, raw: str, actual: int, rule: str, record: PhysicalRecord) -> None:
        what = _COUNT_NAMES[rule]
        declared = self._lenient_number(raw, f"{what} count", record)
        if declared is not None and declared != actual:
            self._breach(rule, record, f"{what} count says {declared}, the file holds {actual}", "ignored")

    def _lenient_number(self, raw: str, what: str, record: PhysicalRecord) -> int | None:
        try:
            return decode_number(raw, what)
        except InvalidInput as error:
            rule = "group-id" if what == "group ID" else f"{_COUNT_RULES.get(what, 'file-record-count')}"
            self._breach(rule, record, error.message, "ignored")
            return None

    def _finish(self) -> None:
        if self._hdr_fields is None:
            raise InvalidInput("not a CWR file: it holds no records")
        self._ensure_header()
        if self._trimmed:
            self.messages.append(
                CwrMessage(
                    line_number=self._first_trimmed,
                    record_seq=None,
                    record_type="HDR",
                    rule="record-length",
                    level="E",
                    action="F",
                    text=f"{self._trimmed} records are shorter than the specification's record length "
                    f"(right-trimmed lines; the first on line {self._first_trimmed}); padded with blanks",
                )
            )
        if not self._trailer_seen:
            self._breach("file-trailer", None, "the file ends without a TRL record", "read to its end")

    # --- the header model --------------------------------------------------------------------

    def _ensure_header(self, group_version: Literal["2.1", "2.2"] | None = None) -> None:
        if self.header is not None or self._hdr_fields is None:
            return
        self.header = _header(self._hdr_fields, group_version, self.messages)


def _header(
    fields: dict[str, str], group_version: Literal["2.1", "2.2"] | None, messages: list[CwrMessage]
) -> CwrHeader:
    warnings: list[str] = []
    header = _header_fields(fields, group_version, warnings)
    messages.extend(
        CwrMessage(
            line_number=1, record_seq=None, record_type="HDR", rule="file-single-header", level="E",
            action="F", text=f"line 1: {warning}; the field is left blank",
        )
        for warning in warnings
    )  # fmt: skip
    return header


def _header_fields(
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


_COUNT_NAMES = {
    "group-transaction-count": "GRT transaction",
    "group-record-count": "GRT record",
    "file-group-count": "TRL group",
    "file-transaction-count": "TRL transaction",
    "file-record-count": "TRL record",
}
_COUNT_RULES = {f"{name} count": rule for rule, name in _COUNT_NAMES.items()}


def _rejection_of(item: CwrWork | CwrRejection, reason: str, rule: str) -> CwrRejection:
    if isinstance(item, CwrRejection):
        return item.model_copy(update={"reason": f"{reason}; and: {item.reason}", "rule": rule})
    return CwrRejection(
        transaction_seq=item.transaction_seq,
        record_seq=item.record_seq,
        record_type=item.transaction_type,
        line_number=item.line_number,
        group_id=item.group_id,
        submitter_work_id=item.submitter_work_id,
        title=item.title,
        reason=reason,
        rule=rule,
        first_line=item.first_line,
        messages=item.messages,
        acknowledgement_status=item.acknowledgement_status,
    )
