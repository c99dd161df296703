"""Turns the records of one CWR transaction into a `CwrWork`, or rejects the transaction whole.

What rejects the transaction (the CWR severity is "transaction rejected" or worse):
- a malformed record prefix: record type not three letters or digits, transaction or record
  sequence not numeric, a detail record of another transaction, record numbers not consecutive;
- a record shorter than its last mandatory field, a numeric field with non-digits, a share
  above 100 %, an unknown writer designation or publisher type;
- a missing title, submitter work number, or a controlled party without IP number or name;
- an ISWC failing its format or check digit: the ISWC is the work's natural key in the graph;
- SPT/SWT/PWR records that do not belong to the party before them, a PWR naming no publisher of
  the work;
- ownership shares breaking CWR's transaction rules (see `_check_ownership`).

What only warns (the specification rejects just the field, "FR"; the field is dropped):
- an IPI name number failing its check digits or format (the party stays, without IPI);
- an IPI base number of the wrong form or with a suspicious check digit;
- an ISRC of the wrong form, an unreadable duration or release date;
- a transaction sequence number out of order with the transactions before it;
- records of types the registry does not import (EWT, VER, COM, ORN, XRF…), which are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeVar

from registry.cwr.models import (
    CwrAcknowledgement,
    CwrMessage,
    CwrParty,
    CwrRecording,
    CwrRejection,
    CwrShares,
    CwrTerritory,
    CwrWork,
    CwrWorkTransactionType,
    PartyRecordType,
)
from registry.cwr.records import (
    ACK,
    ALTERNATE_TITLE,
    MESSAGE,
    PERFORMER,
    PREFIX_LENGTH,
    PUBLISHER,
    PUBLISHER_FOR_WRITER,
    PUBLISHER_TERRITORY,
    RECORD_LENGTHS,
    RECORDING,
    WORK,
    WRITER,
    WRITER_TERRITORY,
    decode_date,
    decode_duration,
    decode_number,
    decode_optional_number,
    decode_share,
    decode_text,
    read_fields,
)
from registry.cwr.rules import RULES, CwrDefect, Level, action
from registry.errors import InvalidIdentifier, InvalidInput
from registry.identifiers import check_ipi_base_number, parse_ipi_name_number, parse_isrc, parse_optional_iswc
from registry.shares import (
    FULL_BP,
    TOLERANCE_BP,
    Share,
    ShareRole,
    bp_to_percent_str,
    is_valid_total,
    role_from_cwr,
    validate_work_shares,
)
from registry.trusted import trusted

__all__ = ["TRANSACTION_HEADERS", "WORK_HEADERS", "PhysicalRecord", "TransactionOutcome", "assemble"]

WORK_HEADERS: frozenset[str] = frozenset({"NWR", "REV", "ISW"})
# Record types that open a transaction. EXC is not one: it only follows the NWR/REV of an ACK.
TRANSACTION_HEADERS: frozenset[str] = WORK_HEADERS | {"ACK", "AGR"}

# Detail records of CWR 2.x that carry nothing the registry stores; skipped without a warning.
_IGNORED_RECORD_TYPES: frozenset[str] = frozenset(
    {
        "NPN", "NPA", "NWN", "NAT", "NET", "NCT", "NVT", "NOW", "NPR", "OPT", "OWT",
        "EWT", "VER", "COM", "ORN", "INS", "IND", "ARI", "XRF", "TER", "IPA",
    }
)  # fmt: skip

_T = TypeVar("_T")
_WORLD_TIS = 2136
_NO_SHARES = CwrShares(performing_bp=0, mechanical_bp=0, synchronisation_bp=0)


class PhysicalRecord:
    """One line of the file. A plain slotted class: one is built per line, and a frozen dataclass's
    `object.__setattr__` per field cost more than reading the line."""

    __slots__ = ("line", "line_number", "record_type")

    def __init__(self, line_number: int, line: str) -> None:
        self.line_number = line_number
        self.line = line  # without its line ending
        self.record_type = line[:3]


@dataclass(frozen=True, slots=True)
class TransactionOutcome:
    item: CwrWork | CwrRejection | None  # None: nothing to import (AGR, or an ACK without a work)
    acknowledgement: CwrAcknowledgement | None = None  # when the transaction is an ACK
    envelope: tuple[CwrMessage, ...] = ()  # strict mode: breaches that reject the group or file
    messages: tuple[CwrMessage, ...] = ()  # when there is no item: what the transaction's reading noted


@dataclass(slots=True)
class _PartyDraft:
    record_type: PartyRecordType
    interested_party_number: str | None
    name: str | None
    first_name: str | None
    unknown: bool
    ipi_name_number: str | None
    ipi_base_number: str | None
    role_code: str | None
    role: ShareRole | None
    publisher_chain: int | None
    societies: tuple[str | None, str | None, str | None]
    ownership: CwrShares
    territories: list[CwrTerritory] = field(default_factory=list)
    publisher_ip_numbers: list[str] = field(default_factory=list)

    @property
    def controlled(self) -> bool:
        return self.record_type in ("SPU", "SWR")

    @property
    def is_writer(self) -> bool:
        return self.record_type in ("SWR", "OWR")

    @property
    def label(self) -> str:
        who = self.interested_party_number or self.name or "(unknown)"
        return f"{self.record_type} {who}"


def assemble(
    records: Sequence[PhysicalRecord],
    group_id: int | None,
    expected_transaction_seq: int,
    *,
    strict: bool = False,
    version: str = "2.1",
) -> TransactionOutcome:
    """The outcome of one transaction: its records from the header up to the next header."""
    builder = _TransactionBuilder(group_id, strict=strict, version=version)
    for record in _with_record_types(records, builder):
        try:
            builder.add(record, expected_transaction_seq)
        except InvalidInput as error:
            return builder.rejected(record, error)
    try:
        return builder.finish()
    except InvalidInput as error:
        return builder.rejected(builder.work_record or records[0], error)


def _with_record_types(
    records: Sequence[PhysicalRecord], builder: _TransactionBuilder
) -> list[PhysicalRecord]:
    """The records with a blank record type filled in where the next record says what it was.

    A blank type before an SPT/SWT naming the same interested party # (SPU: columns 22-30, SWR:
    20-28) can only be that party's SPU/SWR; any other blank-typed record is skipped.
    """
    if all(record.record_type.strip() for record in records):
        return list(records)
    out: list[PhysicalRecord] = []
    for index, record in enumerate(records):
        if record.record_type.strip():
            out.append(record)
            continue
        after = records[index + 1] if index + 1 < len(records) else None
        inferred = _inferred_type(record, after)
        repair = (
            f"read as {inferred} from the {after.record_type} that follows" if inferred and after else None
        )
        builder.breach(
            "record-type",
            record,
            "record has a blank record type",
            repair or "skipped",
            skip=inferred is None,
        )
        if inferred is not None:
            out.append(PhysicalRecord(record.line_number, inferred + record.line[3:]))
    return out


def _inferred_type(record: PhysicalRecord, after: PhysicalRecord | None) -> str | None:
    if after is None:
        return None
    party_ip = after.line[19:28]
    if after.record_type == "SPT" and record.line[21:30] == party_ip:
        return "SPU"
    if after.record_type == "SWT" and record.line[19:28] == party_ip:
        return "SWR"
    return None


class _TransactionBuilder:
    def __init__(self, group_id: int | None, *, strict: bool, version: str) -> None:
        self.group_id = group_id
        self.strict = strict
        self.version_index = 1 if version == "2.2" else 0
        self.first: PhysicalRecord | None = None
        self.first_type: str | None = None
        self.transaction_seq: int | None = None
        self.last_record_seq = -1
        self.work_record: PhysicalRecord | None = None
        self.work_seq = 0
        self.work_fields: dict[str, str] = {}
        self.work_type: CwrWorkTransactionType | None = None
        self.iswc: str | None = None
        self.ack: dict[str, str] | None = None
        self.ack_messages: list[str] = []
        self.after_exc = False  # records after an EXC describe the other party's conflicting work
        self.publishers: list[_PartyDraft] = []
        self.writers: list[_PartyDraft] = []
        self.alternate_titles: list[str] = []
        self.performers: list[str] = []
        self.recordings: list[CwrRecording] = []
        self.messages: list[CwrMessage] = []
        # Strict mode: breaches whose CISAC level is the whole group or file (the reader decides).
        self.envelope: list[CwrMessage] = []
        self.current_seq: int | None = None  # record sequence # of the record being read, as repaired
        self.transaction_numbers: set[str] = set()

    # --- breaches of the rules ---------------------------------------------------------------

    def breach(
        self, rule_code: str, record: PhysicalRecord, text: str, repair: str, *, skip: bool = False
    ) -> None:
        """Note a breach of `rule_code` at `record`; raises when it rejects the transaction.

        `repair` says what lenient mode did instead of rejecting. A strict breach at the level of
        the group or file is noted for the reader and parsing goes on, so every breach is reported.
        """
        rule = RULES[rule_code]
        cost = action(rule, strict=self.strict)
        what = record.record_type.strip() or "(blank)"
        described = text if text.startswith(what) else f"{what} {text}"
        where = f"line {record.line_number}: {described}"
        if cost is Level.TRANSACTION:
            raise CwrDefect(rule_code, described)
        done = {Level.FILE: "the file is rejected", Level.GROUP: "the group is rejected"}.get(
            cost or Level.FIELD, repair
        )
        if skip and cost is None:
            cost = Level.RECORD
        message = CwrMessage(
            line_number=record.line_number,
            record_seq=self.current_seq,
            record_type=record.record_type.strip() or "   ",
            rule=rule.code,
            level=rule.level.value,
            action=(cost or Level.FIELD).value,
            text=f"{where}; {done}",
        )
        (self.envelope if cost in (Level.FILE, Level.GROUP) else self.messages).append(message)

    # --- record intake -----------------------------------------------------------------------

    def add(self, record: PhysicalRecord, expected_transaction_seq: int) -> None:
        self._check_prefix(record, expected_transaction_seq)
        if self.strict:  # lenient mode pads short lines; the reader counts them
            self._check_length(record)
        record_type = record.record_type
        if self.first_type == "AGR" or self.after_exc:
            return  # not the registration of a work: only the numbering matters
        if record_type in WORK_HEADERS:
            self._work_header(record)
        elif record_type in _HANDLERS:
            _HANDLERS[record_type](self, record)
        elif record_type not in _IGNORED_RECORD_TYPES:
            self.breach(
                "record-type-unknown",
                record,
                "is not a CWR 2.x record type",
                "the record is skipped",
                skip=True,
            )

    def _check_length(self, record: PhysicalRecord) -> None:
        """Strict mode only: right-trimmed lines are the norm, and the reader counts them in one message."""
        lengths = RECORD_LENGTHS.get(record.record_type)
        if lengths is None or len(record.line) >= lengths[self.version_index]:
            return
        self.breach(
            "record-length",
            record,
            f"record is {len(record.line)} characters long; the specification's record is "
            f"{lengths[self.version_index]}",
            "padded with blanks",
        )

    def _check_prefix(self, record: PhysicalRecord, expected_transaction_seq: int) -> None:
        record_type = record.record_type
        if len(record.line) < PREFIX_LENGTH:
            raise CwrDefect(
                "mandatory-length",
                f"{record_type} record is {len(record.line)} characters long; shorter than the "
                f"{PREFIX_LENGTH}-character record prefix",
            )
        if self.first is None:
            self._open(record, expected_transaction_seq)
            return
        expected_seq = self.last_record_seq + 1
        self.current_seq = expected_seq
        raw_transaction, raw_record = record.line[3:11], record.line[11:19]
        if raw_transaction not in self.transaction_numbers:
            self.breach(
                "detail-transaction-sequence",
                record,
                f"record carries transaction sequence # {raw_transaction!r}; its transaction header has "
                f"{self.transaction_seq}",
                f"read as part of transaction {self.transaction_seq}",
            )
        if raw_record != f"{expected_seq:08d}":
            self.breach(
                "record-sequence",
                record,
                f"record has record sequence # {raw_record!r}; expected {expected_seq}",
                f"renumbered {expected_seq}",
            )
        self.last_record_seq = expected_seq

    def _open(self, record: PhysicalRecord, expected_transaction_seq: int) -> None:
        self.first = record
        self.first_type = record.record_type
        self.current_seq = 0
        self.last_record_seq = 0
        if record.record_type not in TRANSACTION_HEADERS:
            raise CwrDefect(
                "record-type-unknown",
                f"{record.record_type} record outside a transaction: a transaction starts with "
                "NWR, REV, ISW, ACK or AGR",
            )
        raw_transaction, raw_record = record.line[3:11], record.line[11:19]
        # The number as the file declares it (what an ACK refers back to), else the position's.
        declared = _optional_seq(raw_transaction)
        self.transaction_seq = expected_transaction_seq if declared is None else declared
        # Detail records may repeat either the header's number or the one its position implies.
        self.transaction_numbers = {raw_transaction, f"{expected_transaction_seq:08d}"}
        if raw_transaction != f"{expected_transaction_seq:08d}":
            rule = "first-transaction-sequence" if expected_transaction_seq == 0 else "transaction-sequence"
            self.breach(
                rule,
                record,
                f"transaction header has transaction sequence # {raw_transaction!r}; expected "
                f"{expected_transaction_seq} from its position in the group",
                f"read as {expected_transaction_seq}" if declared is None else "kept as numbered",
            )
        if raw_record != "00000000":
            self.breach(
                "header-record-sequence",
                record,
                f"transaction header has record sequence # {raw_record!r}; expected 0",
                "read as 0",
            )

    # --- the work header ---------------------------------------------------------------------

    def _work_header(self, record: PhysicalRecord) -> None:
        if self.work_record is not None or (self.first is not record and self.first_type != "ACK"):
            raise CwrDefect("one-work", f"a second {record.record_type} record in one transaction")
        self.work_record = record
        self.work_seq = self.current_seq or 0
        self.work_type = _work_type(record.record_type)
        fields = read_fields(WORK, record.line, record.record_type)
        self.work_fields = fields  # kept before validating, so a rejection can name the work
        if decode_text(fields["title"]) is None:
            raise CwrDefect("work-title", "work title is blank")
        if decode_text(fields["submitter_work_id"]) is None:
            raise CwrDefect("submitter-work-number", "submitter work number is blank")
        try:
            self.iswc = parse_optional_iswc(fields["iswc"])
        except InvalidIdentifier as error:
            raise CwrDefect("iswc", error.message) from None

    def _ack(self, record: PhysicalRecord) -> None:
        self.ack = read_fields(ACK, record.line, "ACK")

    def _message(self, record: PhysicalRecord) -> None:
        fields = read_fields(MESSAGE, record.line, "MSG")
        self.ack_messages.append(decode_text(fields["text"]) or "")

    def _exc(self, record: PhysicalRecord) -> None:
        if self.work_record is None:
            raise InvalidInput("EXC record before the transaction's NWR/REV")
        self.after_exc = True

    # --- parties -----------------------------------------------------------------------------

    def _publisher(self, record: PhysicalRecord) -> None:
        self.publishers.append(self._party(record))

    def _writer(self, record: PhysicalRecord) -> None:
        self.writers.append(self._party(record))

    def _party(self, record: PhysicalRecord) -> _PartyDraft:
        core = _party_core(record.record_type, record.line[PREFIX_LENGTH:])
        party = _PartyDraft(
            record_type=core.record_type,
            interested_party_number=core.interested_party_number,
            name=core.name,
            first_name=core.first_name,
            unknown=core.unknown,
            ipi_name_number=None,
            ipi_base_number=None,
            role_code=core.role_code,
            role=core.role,
            publisher_chain=core.publisher_chain,
            societies=core.societies,
            ownership=core.ownership,
        )
        _require_controlled_fields(party)
        party.ipi_name_number = self._ipi_name_number(record, core.raw_ipi_name_number, party.label)
        party.ipi_base_number = self._ipi_base_number(record, core.raw_ipi_base_number, party.label)
        _require_identity(party)
        return party

    def _ipi_name_number(self, record: PhysicalRecord, raw: str, who: str) -> str | None:
        canonical, problem = _cached_ipi_name_number(raw)
        if problem is not None:
            self.breach("ipi-name-number", record, f"{who}: {problem}", "the IPI name number was dropped")
        return canonical

    def _ipi_base_number(self, record: PhysicalRecord, raw: str, who: str) -> str | None:
        if not raw.strip():
            return None
        canonical, problems = _cached_ipi_base_number(raw)
        for problem in problems:
            repair = "the IPI base number was dropped" if canonical is None else "kept as given"
            self.breach("ipi-base-number", record, f"{who}: {problem}", repair)
        return canonical

    # --- territories and links ---------------------------------------------------------------

    def _publisher_territory(self, record: PhysicalRecord) -> None:
        owner = _territory_owner(record, self.publishers, "SPU")
        owner.territories.append(_territory(record, owner))

    def _writer_territory(self, record: PhysicalRecord) -> None:
        owner = _territory_owner(record, self.writers, "SWR")
        owner.territories.append(_territory(record, owner))

    def _publisher_for_writer(self, record: PhysicalRecord) -> None:
        fields = read_fields(PUBLISHER_FOR_WRITER, record.line, "PWR")
        if not self.writers:
            raise CwrDefect(
                "publisher-for-writer", "PWR record before any writer record; it must follow its SWR"
            )
        writer = self.writers[-1]
        writer_ip = decode_text(fields["writer_ip_number"])
        if writer_ip is not None and writer_ip != writer.interested_party_number:
            raise CwrDefect(
                "publisher-for-writer",
                f"PWR names writer IP # {writer_ip}, but follows {writer.label}; a PWR follows its writer",
            )
        publisher_ip = decode_text(fields["publisher_ip_number"])
        if publisher_ip is None:
            raise CwrDefect("publisher-for-writer", "PWR record has no publisher IP #")
        if publisher_ip not in {p.interested_party_number for p in self.publishers}:
            raise CwrDefect(
                "publisher-for-writer",
                f"PWR names publisher IP # {publisher_ip}, which no SPU/OPU of this work has",
            )
        writer.publisher_ip_numbers.append(publisher_ip)

    # --- titles, performers, recordings ------------------------------------------------------

    def _alternate_title(self, record: PhysicalRecord) -> None:
        fields = read_fields(ALTERNATE_TITLE, record.line, "ALT")
        title = decode_text(fields["title"])
        if title is None:
            raise CwrDefect("mandatory-length", "ALT record has a blank title")
        self.alternate_titles.append(title)

    def _performer(self, record: PhysicalRecord) -> None:
        fields = read_fields(PERFORMER, record.line, "PER")
        name = decode_text(fields["name"])
        if name is None:
            raise CwrDefect("mandatory-length", "PER record has a blank performing artist name")
        first_name = decode_text(fields["first_name"])
        # Bands and stage names live in the last-name field alone.
        self.performers.append(f"{first_name} {name}" if first_name else name)

    def _recording(self, record: PhysicalRecord) -> None:
        fields = read_fields(RECORDING, record.line, "REC")
        self.recordings.append(
            trusted(
                CwrRecording,
                isrc=self._isrc(record, fields["isrc"]),
                title=decode_text(fields["title"]),
                version_title=decode_text(fields["version_title"]),
                display_artist=decode_text(fields["display_artist"]),
                record_label=decode_text(fields["record_label"]),
                album_title=decode_text(fields["album_title"]),
                album_label=decode_text(fields["album_label"]),
                catalogue_number=decode_text(fields["catalogue_number"]),
                ean=_optional_code(fields["ean"]),
                first_release_date=self._lenient(decode_date, fields["first_release_date"], record, "date"),
                duration_seconds=self._lenient(decode_duration, fields["duration"], record, "duration"),
                media_type=decode_text(fields["media_type"]),
            )
        )

    def _isrc(self, record: PhysicalRecord, raw: str) -> str | None:
        if not raw.strip():
            return None
        try:
            canonical, warnings = parse_isrc(raw)
        except InvalidIdentifier as error:
            self.breach("isrc", record, error.message, "the ISRC was dropped")
            return None
        for warning in warnings:
            self.breach("isrc", record, warning, "kept as given")
        return canonical

    def _lenient(
        self, decode: Callable[[str, str], _T | None], raw: str, record: PhysicalRecord, what: str
    ) -> _T | None:
        try:
            return decode(raw, what)
        except InvalidInput as error:
            self.breach("duration-date", record, error.message, "dropped")
            return None

    # --- the result --------------------------------------------------------------------------

    def finish(self) -> TransactionOutcome:
        first = self.first
        if first is None or self.first_type == "AGR":
            return self._outcome(None)  # agreements are not works: nothing to import
        if self.work_record is None or self.work_type is None:
            status = decode_text(self.ack["status"]) if self.ack else None
            self.breach("ack-work", first, f"transaction without a work (status {status})", "nothing to load")
            return self._outcome(None)
        return self._outcome(self._work(self.work_record, self.work_type))

    def _outcome(self, item: CwrWork | CwrRejection | None) -> TransactionOutcome:
        messages = () if item is not None else tuple(self.messages)
        return TransactionOutcome(item, self._acknowledgement(), tuple(self.envelope), messages)

    def _acknowledgement(self) -> CwrAcknowledgement | None:
        if self.ack is None or self.first is None:
            return None
        ack = self.ack
        return CwrAcknowledgement(
            line_number=self.first.line_number,
            original_group_id=_optional_seq(ack["original_group_id"]),
            original_transaction_seq=_optional_seq(ack["original_transaction_seq"]),
            original_transaction_type=decode_text(ack["original_transaction_type"]),
            title=decode_text(ack["title"]),
            submitter_work_id=decode_text(ack["submitter_work_id"]),
            recipient_work_id=decode_text(ack["recipient_work_id"]),
            status=decode_text(ack["status"]),
            messages=tuple(self.ack_messages),
            iswc=self.iswc,
        )

    def _work(self, record: PhysicalRecord, work_type: CwrWorkTransactionType) -> CwrWork:
        fields = self.work_fields
        parties = [*self.publishers, *self.writers]
        _check_ownership(self.publishers, self.writers)
        assert self.transaction_seq is not None and self.first is not None  # set by the first record
        return trusted(
            CwrWork,
            transaction_type=work_type,
            group_id=self.group_id,
            transaction_seq=self.transaction_seq,
            record_seq=self.work_seq,
            line_number=record.line_number,
            first_line=self.first.line_number,
            submitter_work_id=decode_text(fields["submitter_work_id"]) or "",
            title=decode_text(fields["title"]) or "",
            iswc=self.iswc,
            language=decode_text(fields["language"]),
            version_type=decode_text(fields["version_type"]),
            distribution_category=decode_text(fields["distribution_category"]),
            duration_seconds=self._lenient(decode_duration, fields["duration"], record, "duration"),
            alternate_titles=tuple(self.alternate_titles),
            writers=tuple(_final_party(party) for party in self.writers),
            publishers=tuple(_final_party(party) for party in self.publishers),
            ownership_totals=_sum_shares(party.ownership for party in parties),
            performers=tuple(self.performers),
            recordings=tuple(self.recordings),
            acknowledgement_status=decode_text(self.ack["status"]) if self.ack else None,
            recipient_work_id=decode_text(self.ack["recipient_work_id"]) if self.ack else None,
            messages=tuple(self.messages),
        )

    def rejected(self, record: PhysicalRecord, error: InvalidInput) -> TransactionOutcome:
        fields = self.work_fields
        rule = error.rule if isinstance(error, CwrDefect) else None
        rejection = CwrRejection(
            transaction_seq=self.transaction_seq,
            record_seq=self.current_seq,
            record_type=record.record_type,
            line_number=record.line_number,
            group_id=self.group_id,
            submitter_work_id=decode_text(fields["submitter_work_id"]) if fields else None,
            title=decode_text(fields["title"]) if fields else None,
            reason=error.message,
            rule=rule,
            first_line=(self.first or record).line_number,
            messages=tuple(self.messages),
            acknowledgement_status=decode_text(self.ack["status"]) if self.ack else None,
        )
        return self._outcome(rejection)


# What reads each detail record type; one table for all transactions (bound methods per transaction
# cost a parser building one builder per work a measurable share of its time).
_HANDLERS: dict[str, Callable[[_TransactionBuilder, PhysicalRecord], None]] = {
    "ACK": _TransactionBuilder._ack,
    "MSG": _TransactionBuilder._message,
    "EXC": _TransactionBuilder._exc,
    "SPU": _TransactionBuilder._publisher,
    "OPU": _TransactionBuilder._publisher,
    "SPT": _TransactionBuilder._publisher_territory,
    "SWR": _TransactionBuilder._writer,
    "OWR": _TransactionBuilder._writer,
    "SWT": _TransactionBuilder._writer_territory,
    "PWR": _TransactionBuilder._publisher_for_writer,
    "ALT": _TransactionBuilder._alternate_title,
    "PER": _TransactionBuilder._performer,
    "REC": _TransactionBuilder._recording,
}


# --- helpers ----------------------------------------------------------------------------------


def _work_type(record_type: str) -> CwrWorkTransactionType:
    match record_type:
        case "NWR" | "REV" | "ISW":
            return record_type
    raise AssertionError(f"not a work header: {record_type}")


def _party_type(record_type: str) -> PartyRecordType:
    match record_type:
        case "SPU" | "OPU" | "SWR" | "OWR":
            return record_type
    raise AssertionError(f"not a party record: {record_type}")


def _role(role_code: str | None) -> ShareRole | None:
    if role_code is None:
        return None
    try:
        return role_from_cwr(role_code)
    except InvalidInput as error:
        raise CwrDefect("party-role", error.message) from None


def _require_identity(party: _PartyDraft) -> None:
    # A writer holding shares must be someone, or be declared unknown: money needs a payee.
    if not party.is_writer or party.controlled or party.unknown or party.ownership == _NO_SHARES:
        return
    if party.name is None and party.interested_party_number is None and party.ipi_name_number is None:
        raise CwrDefect(
            "party-identity",
            f"{party.record_type} holds shares but has no name, interested party # or valid IPI name number, "
            "and is not marked unknown",
        )


def _require_controlled_fields(party: _PartyDraft) -> None:
    # SPT/SWT/PWR records and the importer find a controlled party by its IP number.
    if not party.controlled:
        return
    if party.interested_party_number is None:
        raise CwrDefect("party-identity", f"{party.record_type} record has no interested party #")
    if party.name is None:
        raise CwrDefect("party-identity", f"{party.label} has no name")
    if party.role_code is None:
        kind = "publisher type" if party.record_type == "SPU" else "writer designation code"
        raise CwrDefect("party-identity", f"{party.label} has no {kind}")


@dataclass(frozen=True, slots=True)
class _PartyCore:
    """What an SPU/OPU/SWR/OWR record says, decoded and checked field by field: everything of a
    party that depends on the record's text alone (not on its line or on the other records)."""

    record_type: PartyRecordType
    interested_party_number: str | None
    name: str | None
    first_name: str | None
    unknown: bool
    role_code: str | None
    role: ShareRole | None
    publisher_chain: int | None
    societies: tuple[str | None, str | None, str | None]
    ownership: CwrShares
    raw_ipi_name_number: str
    raw_ipi_base_number: str


# A catalogue's parties recur work after work with the same record text after the 19-character
# prefix (the same party, chain position and split): decoding it once per distinct text halves the
# parser's time on a real catalogue. A record that fails raises on every reading (nothing cached).
@lru_cache(maxsize=65_536)
def _party_core(record_type: str, tail: str) -> _PartyCore:
    is_publisher = record_type in ("SPU", "OPU")
    layout = PUBLISHER if is_publisher else WRITER
    fields = read_fields(layout, _without_prefix(record_type, tail), record_type)
    role_code = decode_text(fields["role_code"])
    return _PartyCore(
        record_type=_party_type(record_type),
        interested_party_number=decode_text(fields["ip_number"]),
        name=decode_text(fields["name"]),
        first_name=None if is_publisher else decode_text(fields["first_name"]),
        unknown=fields["unknown"] == "Y",
        role_code=role_code,
        role=_role(role_code),
        publisher_chain=decode_number(fields["chain"], "publisher sequence #") if is_publisher else None,
        societies=(
            decode_text(fields["pr_society"]),
            decode_text(fields["mr_society"]),
            decode_text(fields["sr_society"]),
        ),
        ownership=_shares(fields, "ownership"),
        raw_ipi_name_number=fields["ipi_name_number"],
        raw_ipi_base_number=fields["ipi_base_number"],
    )


# The same parties and the same splits recur across a catalogue's works; caching their validated
# forms keeps a 100,000-work import from re-checking the same IPI or re-building the same shares.
@lru_cache(maxsize=65_536)
def _cached_ipi_name_number(raw: str) -> tuple[str | None, str | None]:
    """(canonical IPI or None, problem or None)."""
    try:
        return parse_ipi_name_number(raw), None
    except InvalidIdentifier as error:
        return None, error.message


@lru_cache(maxsize=65_536)
def _cached_ipi_base_number(raw: str) -> tuple[str | None, tuple[str, ...]]:
    """(canonical IPI base number or None when malformed, warnings or the reason it is malformed)."""
    try:
        canonical, warnings = check_ipi_base_number(raw)
    except InvalidIdentifier as error:
        return None, (error.message,)
    return canonical, tuple(warnings)


@lru_cache(maxsize=4_096)
def _cwr_shares(performing: int, mechanical: int, synchronisation: int) -> CwrShares:
    return trusted(
        CwrShares, performing_bp=performing, mechanical_bp=mechanical, synchronisation_bp=synchronisation
    )


def _shares(fields: dict[str, str], kind: str) -> CwrShares:
    return _cwr_shares(
        decode_share(fields["pr_share"], f"PR {kind} share"),
        decode_share(fields["mr_share"], f"MR {kind} share"),
        decode_share(fields["sr_share"], f"SR {kind} share"),
    )


def _territory_owner(record: PhysicalRecord, parties: list[_PartyDraft], owner_type: str) -> _PartyDraft:
    record_type = record.record_type
    if not parties or parties[-1].record_type != owner_type:
        raise CwrDefect("territory-owner", f"{record_type} record does not follow an {owner_type} record")
    owner = parties[-1]
    ip_number = decode_text(record.line[19:28])
    if ip_number != owner.interested_party_number:
        raise CwrDefect(
            "territory-owner",
            f"{record_type} record is for IP # {ip_number}, but follows {owner.label}; "
            f"territory records must follow their {owner_type}",
        )
    return owner


def _territory(record: PhysicalRecord, owner: _PartyDraft) -> CwrTerritory:
    inclusion, territory = _territory_text(record.record_type, record.line[PREFIX_LENGTH:])
    if territory is None:
        raise CwrDefect(
            "territory-owner",
            f"{record.record_type} for {owner.label} has inclusion/exclusion indicator {inclusion!r}; "
            "expected I or E",
        )
    return territory


@lru_cache(maxsize=65_536)
def _territory_text(record_type: str, tail: str) -> tuple[str, CwrTerritory | None]:
    """(inclusion indicator, the territory; None when the indicator is neither I nor E) of an
    SPT/SWT record's text after its prefix: like parties, a party's territories recur verbatim."""
    layout = PUBLISHER_TERRITORY if record_type == "SPT" else WRITER_TERRITORY
    fields = read_fields(layout, _without_prefix(record_type, tail), record_type)
    inclusion = fields["inclusion"]
    if inclusion not in ("I", "E"):
        return inclusion, None
    return inclusion, trusted(
        CwrTerritory,
        tis_code=decode_number(fields["tis_code"], "TIS numeric code"),
        included=inclusion == "I",
        shares=_shares(fields, "collection"),
        shares_change=fields["shares_change"] == "Y",
        sequence=decode_optional_number(fields["sequence"], "territory sequence #"),
    )


def _without_prefix(record_type: str, tail: str) -> str:
    # The record again, its sequence numbers blanked: the cached decoders never read them, and a
    # "too short" message counts the same length as the line's.
    return record_type + " " * (PREFIX_LENGTH - 3) + tail


def _collection(territories: Sequence[CwrTerritory]) -> CwrTerritory | None:
    """The territory whose collection shares stand for the party: World, else the first included."""
    first = None
    for territory in territories:
        if territory.included:
            if territory.tis_code == _WORLD_TIS:
                return territory
            first = first or territory
    return first


def _final_party(party: _PartyDraft) -> CwrParty:
    collection = _collection(party.territories)
    pr_society, mr_society, sr_society = party.societies
    return trusted(
        CwrParty,
        record_type=party.record_type,
        controlled=party.controlled,
        interested_party_number=party.interested_party_number,
        name=party.name,
        first_name=party.first_name,
        unknown=party.unknown,
        ipi_name_number=party.ipi_name_number,
        ipi_base_number=party.ipi_base_number,
        role_code=party.role_code,
        role=party.role,
        publisher_chain=party.publisher_chain,
        pr_society=pr_society,
        mr_society=mr_society,
        sr_society=sr_society,
        ownership=party.ownership,
        collection=collection.shares if collection else None,
        collection_tis_code=collection.tis_code if collection else None,
        territories=tuple(party.territories),
        publisher_ip_numbers=tuple(party.publisher_ip_numbers),
    )


def _sum_shares(shares: Iterable[CwrShares]) -> CwrShares:
    performing = mechanical = synchronisation = 0
    for share in shares:
        performing += share.performing_bp
        mechanical += share.mechanical_bp
        synchronisation += share.synchronisation_bp
    return _cwr_shares(performing, mechanical, synchronisation)


def _check_ownership(publishers: Sequence[_PartyDraft], writers: Sequence[_PartyDraft]) -> None:
    """CWR's transaction-level ownership rules ([2.2] NWR items 4, 9 and 11), all within ±0.06.

    Writers and publishers split each right: per right their ownership adds up to 100 % (or 0,
    a right nobody claims). Publishers may own at most 50 % of the performing right, so writers
    own none of it or at least 50 %.
    """
    totals = _sum_shares(party.ownership for party in [*publishers, *writers])
    if not all(
        is_valid_total(total)
        for total in (totals.performing_bp, totals.mechanical_bp, totals.synchronisation_bp)
    ):
        # Only now build the models: validate_work_shares words the refusal per right.
        try:
            validate_work_shares(
                [_as_share(party, index) for index, party in enumerate([*publishers, *writers])]
            )
        except InvalidInput as error:
            raise CwrDefect("ownership-total", error.message) from None
    publisher_pr = sum(party.ownership.performing_bp for party in publishers)
    if publisher_pr > FULL_BP // 2 + TOLERANCE_BP:
        raise CwrDefect(
            "ownership-publishers",
            f"publishers own {bp_to_percent_str(publisher_pr)} % of the performing right; "
            f"at most 50.00 % (±{bp_to_percent_str(TOLERANCE_BP)})",
        )
    writer_pr = sum(party.ownership.performing_bp for party in writers)
    if 0 < writer_pr < FULL_BP // 2 - TOLERANCE_BP:
        raise CwrDefect(
            "ownership-writers",
            f"writers own {bp_to_percent_str(writer_pr)} % of the performing right; "
            f"expected 0 or at least 50.00 % (±{bp_to_percent_str(TOLERANCE_BP)})",
        )


def _as_share(party: _PartyDraft, index: int) -> Share:
    # Only the totals matter here; an OPU/OWR may leave its role blank, so fall back to a generic
    # role of its kind. The holder id only has to be non-empty.
    fallback = ShareRole.PUBLISHER if party.record_type in ("SPU", "OPU") else ShareRole.COMPOSER_LYRICIST
    return Share(
        holder_id=party.interested_party_number or f"{party.record_type}#{index}",
        role=party.role or fallback,
        performing_bp=party.ownership.performing_bp,
        mechanical_bp=party.ownership.mechanical_bp,
        synchronisation_bp=party.ownership.synchronisation_bp,
    )


def _optional_code(raw: str) -> str | None:
    # EAN and similar numeric codes: zero-filled means "none".
    text = raw.strip()
    return None if not text or set(text) == {"0"} else text


def _optional_seq(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() else None
