"""CWR acknowledgement files: what a registry answers a submitter, one ACK transaction per transaction.

Each transaction of the submitted file gets an ACK record with the status a society uses: AS (registration
accepted), AC (accepted with changes: the MSG records after it say what was repaired or dropped), CO
(conflict: it passed every check but its claim does not agree with another submitter's registration of the
work, whose shares it takes over 100 %; an MSG record of type T names the rights), RJ (rejected: an MSG
record of type T gives the reason). An accepted transaction's ACK carries the work as
registered: its NWR/REV with the registry's work id as the recipient's creation # and the ISWC where the
registry knows one, followed by its publishers and writers. The file is written in the submitted file's
version (2.1 or 2.2), so the sender's own software reads it back; `registry.cwr.parser` does, in the tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from registry.cwr.models import CwrHeader, CwrMessage, CwrParty, CwrRejection, CwrShares, CwrWork
from registry.cwr.records import (
    ACK,
    MESSAGE,
    PUBLISHER,
    RECORD_LENGTHS,
    WORK,
    WRITER,
    format_control,
    format_record,
)
from registry.cwr.rules import RULES

__all__ = ["AckEntry", "AckSender", "ack_status", "write_ack"]

ACCEPTED = "AS"
ACCEPTED_WITH_CHANGES = "AC"
CONFLICT = "CO"
REJECTED = "RJ"


@dataclass(slots=True)
class AckEntry:
    """One submitted transaction and what the import made of it."""

    item: CwrWork | CwrRejection
    work_id: str | None = None  # the registry's id for the work, once stored
    iswc: str | None = None  # the stored work's ISWC, when it has one
    reason: str | None = None  # why the import refused a work the parser accepted
    # Why a loaded claim conflicts with another submitter's registration of the work (CWR status CO).
    conflict: str | None = None


@dataclass(frozen=True, slots=True)
class AckSender:
    """Who answers: the HDR's sender fields."""

    name: str = "OPUSTRACE"
    sender_type: str = "SO"
    sender_id: str = "000000000"


def ack_status(entry: AckEntry) -> str:
    if isinstance(entry.item, CwrRejection) or entry.reason is not None:
        return REJECTED
    if entry.conflict is not None:
        return CONFLICT
    return ACCEPTED_WITH_CHANGES if entry.item.messages else ACCEPTED


def write_ack(
    entries: Iterable[AckEntry], original: CwrHeader | None, now: datetime, sender: AckSender = AckSender()
) -> Iterator[str]:
    """The acknowledgement file's lines (without line endings), HDR to TRL, one group of ACKs."""
    version = original.version if original is not None else "2.1"
    v22 = version == "2.2"
    yield _hdr(sender, now, v22)
    yield format_control("GRH", ((4, "ACK"), (7, "00001"), (12, "02.20" if v22 else "02.10")), 28)
    transactions = 0
    records = 1
    for seq, entry in enumerate(entries):
        for line in _transaction(entry, seq, original, now, v22):
            records += 1
            yield line
        transactions += 1
    records += 1
    yield format_control("GRT", ((4, "00001"), (9, f"{transactions:08d}"), (17, f"{records:08d}")), 24)
    yield format_control("TRL", ((4, "00001"), (9, f"{transactions:08d}"), (17, f"{records + 2:08d}")), 24)


def _hdr(sender: AckSender, now: datetime, v22: bool) -> str:
    fields = [
        (4, sender.sender_type),
        (6, sender.sender_id),
        (15, sender.name),
        (60, "01.10"),
        (65, now.strftime("%Y%m%d")),
        (73, now.strftime("%H%M%S")),
        (79, now.strftime("%Y%m%d")),
    ]
    if v22:
        fields += [(102, "2.2"), (105, "002"), (108, "opustrace")]
    return format_control("HDR", tuple(fields), 167 if v22 else 101)


def _transaction(
    entry: AckEntry, seq: int, original: CwrHeader | None, now: datetime, v22: bool
) -> Iterator[str]:
    item = entry.item
    status = ack_status(entry)
    created = original.created_at if original is not None and original.created_at else None
    kind = item.transaction_type if isinstance(item, CwrWork) else item.record_type
    ack = {
        "creation_date": created.strftime("%Y%m%d") if created else "00000000",
        "creation_time": created.strftime("%H%M%S") if created else "000000",
        "original_group_id": f"{item.group_id or 0:05d}",
        "original_transaction_seq": f"{item.transaction_seq or 0:08d}",
        "original_transaction_type": kind if kind in ("NWR", "REV", "ISW") else "NWR",
        "title": item.title or "",
        "submitter_work_id": item.submitter_work_id or "",
        "recipient_work_id": entry.work_id if status != REJECTED and entry.work_id else "",
        "processing_date": now.strftime("%Y%m%d"),
        "status": status,
    }
    record_seq = 0
    yield format_record("ACK", seq, record_seq, ACK, ack, RECORD_LENGTHS["ACK"][0])
    for text, message_type, record_type, level, number, original_seq in _messages(entry):
        record_seq += 1
        values = {
            "message_type": message_type,
            "original_record_seq": f"{original_seq:08d}",
            "record_type": record_type,
            "message_level": level,
            "validation_number": number,
            "text": text,
        }
        yield format_record("MSG", seq, record_seq, MESSAGE, values, RECORD_LENGTHS["MSG"][0])
    if isinstance(item, CwrWork) and status != REJECTED:
        yield from _work_records(item, entry, seq, record_seq, v22)


def _messages(entry: AckEntry) -> Iterator[tuple[str, str, str, str, str, int]]:
    item = entry.item
    for message in item.messages:
        yield _message_fields(message)
    if isinstance(item, CwrRejection):
        rule = RULES.get(item.rule or "")
        level = rule.level.value if rule else "T"
        number = f"{rule.number:03d}" if rule else "000"
        yield item.reason, "T", item.record_type, level, number, item.record_seq or 0
    elif entry.reason is not None:
        yield entry.reason, "T", item.transaction_type, "T", "000", item.record_seq
    elif entry.conflict is not None:
        yield entry.conflict, "T", item.transaction_type, "T", "000", item.record_seq


def _message_fields(message: CwrMessage) -> tuple[str, str, str, str, str, int]:
    return (
        message.text,
        message.action,
        message.record_type,
        message.level,
        message.validation_number,
        message.record_seq or 0,
    )


def _work_records(work: CwrWork, entry: AckEntry, seq: int, record_seq: int, v22: bool) -> Iterator[str]:
    values = {
        "title": work.title,
        "language": work.language or "",
        "submitter_work_id": work.submitter_work_id,
        "iswc": entry.iswc or work.iswc or "",
        "distribution_category": work.distribution_category or "UNC",
        "duration": _duration(work.duration_seconds),
        "version_type": work.version_type or "ORI",
    }
    record_seq += 1
    yield format_record(work.transaction_type, seq, record_seq, WORK, values, RECORD_LENGTHS["NWR"][0])
    for party in (*work.publishers, *work.writers):
        record_seq += 1
        yield _party_record(party, seq, record_seq)


def _party_record(party: CwrParty, seq: int, record_seq: int) -> str:
    values = {
        "ip_number": party.interested_party_number or "",
        "name": party.name or "",
        "unknown": "Y" if party.unknown else "",
        "role_code": party.role_code or "",
        "ipi_name_number": party.ipi_name_number or "",
        "pr_society": party.pr_society or "",
        "mr_society": party.mr_society or "",
        "sr_society": party.sr_society or "",
        "ipi_base_number": party.ipi_base_number or "",
        **_shares(party.ownership),
    }
    if party.is_writer:
        values["first_name"] = party.first_name or ""
        layout = WRITER
    else:
        values["chain"] = f"{party.publisher_chain or 0:02d}"
        layout = PUBLISHER
    return format_record(
        party.record_type, seq, record_seq, layout, values, RECORD_LENGTHS[party.record_type][0]
    )


def _shares(shares: CwrShares) -> dict[str, str]:
    return {
        "pr_share": f"{shares.performing_bp:05d}",
        "mr_share": f"{shares.mechanical_bp:05d}",
        "sr_share": f"{shares.synchronisation_bp:05d}",
    }


def _duration(seconds: int | None) -> str:
    if not seconds:
        return "000000"
    return f"{seconds // 3600:02d}{seconds // 60 % 60:02d}{seconds % 60:02d}"
