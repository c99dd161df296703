"""What the CWR parser hands to its caller: one frozen model per transaction, per rejection, per file.

Shares are integers in basis points (hundredths of a percent, 10000 = 100 %). CWR writes them as
five digits with two implied decimals (`999v99`: `03333` = 33.33 %), so the basis points are the
field's digits read as an integer: exact, no rounding, never a float.

Lists are tuples so that a frozen work really cannot change after the parser validated it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from registry.cwr.rules import RULES
from registry.shares import ShareRole

__all__ = [
    "CwrAcknowledgement",
    "CwrFile",
    "CwrHeader",
    "CwrMessage",
    "CwrParty",
    "CwrRecording",
    "CwrRejection",
    "CwrShares",
    "CwrTerritory",
    "CwrWork",
    "CwrWorkTransactionType",
    "PartyRecordType",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")

# A total over several parties may exceed 100 % by CWR's tolerance, so no upper bound here; each
# single share is checked against 100 % when its field is read.
NonNegativeBp = Annotated[int, Field(ge=0, strict=True)]

CwrWorkTransactionType = Literal["NWR", "REV", "ISW"]
PartyRecordType = Literal["SPU", "OPU", "SWR", "OWR"]


class CwrMessage(BaseModel):
    """A breach of a CWR validation rule and what was done about it: an ACK file's MSG record.

    `action` is the MSG message type: what the breach cost (F field, R record, T transaction,
    G group, E entire file). A lenient repair of the envelope is reported as F: the field was
    replaced by the value its position implies, and nothing was lost.
    """

    model_config = _FROZEN

    line_number: int | None  # 1-based physical line; None for a message about the whole file
    record_seq: int | None  # the record's sequence # within its transaction, as repaired
    record_type: str
    rule: str  # a code of registry.cwr.rules.RULES
    level: Literal["E", "G", "T", "R", "F"]  # CISAC's level for the rule
    action: Literal["E", "G", "T", "R", "F"]
    text: str  # starts with "line N: " when the message has a line

    @property
    def validation_number(self) -> str:
        return f"{RULES[self.rule].number:03d}"


class CwrShares(BaseModel):
    """One share per right, in basis points."""

    model_config = _FROZEN

    performing_bp: NonNegativeBp
    mechanical_bp: NonNegativeBp
    synchronisation_bp: NonNegativeBp


class CwrTerritory(BaseModel):
    """One SPT/SWT record: collection shares of a party in one territory (TIS code)."""

    model_config = _FROZEN

    tis_code: int  # 2136 = World; otherwise ISO 3166 numeric (826 = UK) or a TIS group
    included: bool  # False: the territory is excluded ("E") from the party's collection
    shares: CwrShares
    shares_change: bool
    sequence: int | None


class CwrParty(BaseModel):
    """A writer (SWR/OWR) or publisher (SPU/OPU) of the work.

    `controlled` is True for SWR/SPU, the parties the submitter represents; OWR/OPU are the other
    parties, listed so that the ownership adds up to 100 %.
    """

    model_config = _FROZEN

    record_type: PartyRecordType
    controlled: bool
    # The submitter's own key for the party: unique within one sender, not across senders.
    interested_party_number: str | None
    name: str | None  # writer's last name, or the publisher's name
    first_name: str | None  # writers only
    unknown: bool  # the record's "unknown indicator" is Y: the party exists but is not known
    ipi_name_number: str | None  # canonical 11 digits; None when blank, zero or failing its check
    ipi_base_number: str | None  # canonical I-NNNNNNNNN-C; None when blank or malformed
    role_code: str | None  # CWR writer designation (CA, C, A, AR…) or publisher type (E, AM, SE…)
    role: ShareRole | None
    publisher_chain: int | None  # publisher sequence #: SPU/OPU records of one chain share it
    pr_society: str | None  # CISAC society codes, e.g. 052 = PRS
    mr_society: str | None
    sr_society: str | None
    ownership: CwrShares
    # Collection shares of the World (TIS 2136) territory record, else of the first included
    # territory record; None when the party has no territory record (OPU/OWR never do in 2.1).
    collection: CwrShares | None
    collection_tis_code: int | None
    territories: tuple[CwrTerritory, ...]
    # Writers only: IP numbers of the publishers (SPU/OPU) the PWR records link the writer to.
    publisher_ip_numbers: tuple[str, ...]

    @property
    def is_writer(self) -> bool:
        return self.record_type in ("SWR", "OWR")


class CwrRecording(BaseModel):
    """One REC record. CWR 2.1 carries no recording title; the 2.2-only fields are None there."""

    model_config = _FROZEN

    isrc: str | None  # canonical 12 characters; None when blank or malformed (then a warning)
    title: str | None
    version_title: str | None
    display_artist: str | None
    record_label: str | None
    album_title: str | None
    album_label: str | None
    catalogue_number: str | None
    ean: str | None
    first_release_date: date | None
    duration_seconds: int | None
    media_type: str | None


class CwrWork(BaseModel):
    """One accepted NWR/REV/ISW transaction."""

    model_config = _FROZEN

    transaction_type: CwrWorkTransactionType
    group_id: int | None
    transaction_seq: int
    record_seq: int  # of the NWR/REV record: 0, or 1+ when it follows an ACK in the same transaction
    line_number: int  # 1-based physical line of the NWR/REV record
    submitter_work_id: str
    title: str
    iswc: str | None
    language: str | None
    version_type: str | None  # ORI or MOD
    distribution_category: str | None  # POP, SER, JAZ, UNC…
    duration_seconds: int | None
    alternate_titles: tuple[str, ...]
    writers: tuple[CwrParty, ...]
    publishers: tuple[CwrParty, ...]
    # Writers' plus publishers' ownership per right: 10000 ± 6 or 0 on every accepted work.
    ownership_totals: CwrShares
    performers: tuple[str, ...]
    recordings: tuple[CwrRecording, ...]
    acknowledgement_status: str | None  # AS, AC, DU, RJ… when the work came inside an ACK
    recipient_work_id: str | None  # the ACK's recipient creation #: the society's id for the work
    first_line: int  # 1-based physical line of the transaction's first record (ACK or NWR/REV)
    # Accepted, but a field was dropped or the envelope repaired: one message per breach.
    messages: tuple[CwrMessage, ...]

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(message.text for message in self.messages)


class CwrRejection(BaseModel):
    """A transaction refused as a whole, with where and why."""

    model_config = _FROZEN

    transaction_seq: int | None  # as the transaction header declares it; None when unreadable
    record_seq: int | None  # of the offending record; None when unreadable
    record_type: str  # of the offending record
    line_number: int  # 1-based physical line of the offending record
    group_id: int | None
    submitter_work_id: str | None
    title: str | None
    reason: str
    rule: str | None  # the code of the rule broken (registry.cwr.rules), when one is named
    first_line: int  # 1-based physical line of the transaction's first record
    messages: tuple[CwrMessage, ...] = ()  # breaches noted before the one that rejected it
    acknowledgement_status: str | None = None


class CwrAcknowledgement(BaseModel):
    """An ACK transaction as read back: the status a recipient gave one of the sender's transactions."""

    model_config = _FROZEN

    line_number: int
    original_group_id: int | None
    original_transaction_seq: int | None
    original_transaction_type: str | None
    title: str | None
    submitter_work_id: str | None
    recipient_work_id: str | None
    status: str | None  # AS, AC, RA, RJ, CO, DU, NP, RC
    messages: tuple[str, ...]  # the MSG records' texts, in order
    iswc: str | None  # of the acknowledged NWR/REV, when it came with one


class CwrHeader(BaseModel):
    """The HDR record, with the version taken from HDR (2.2) or the first GRH (2.1)."""

    model_config = _FROZEN

    version: Literal["2.1", "2.2"]
    revision: int | None  # 2.2 only
    sender_type: str | None  # PB, SO, AA, WR; None when the HDR holds an 11-digit IPI instead
    sender_id: str | None  # society code, 9-digit sender number or 11-digit IPI name number
    sender_name: str | None
    created_at: datetime | None
    transmission_date: date | None
    character_set: str | None
    software_package: str | None
    software_package_version: str | None


class CwrFile(BaseModel):
    """A whole parsed file, for callers that do not need streaming."""

    model_config = _FROZEN

    header: CwrHeader | None
    works: tuple[CwrWork, ...]
    rejections: tuple[CwrRejection, ...]
    warnings: tuple[str, ...]  # file-level: trailer counts, skipped ACKs, unknown records
    acknowledgements: tuple[CwrAcknowledgement, ...] = ()
