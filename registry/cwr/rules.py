"""The CWR validation rules the parser checks, each with its CISAC level and what lenient mode does.

CISAC's specification ([2.2] CWR19-1070R1 p.9) puts every edit at one level, the part of the
data a breach rejects: ER the entire file, GR the group, TR the transaction, RR the record, FR the
field (set to its default). Strict mode applies those levels as written. Lenient mode, the
default, keeps CISAC's rejection where the defect changes what a work means (shares, identity,
the ISWC) and repairs envelope defects that leave the meaning intact (numbering, counts, record
lengths), loading the work with a message that names the line, the record and the repair.

The table in docs/cwr.md is this catalogue in prose; a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from registry.errors import InvalidInput

__all__ = ["RULES", "CwrDefect", "Lenient", "Level", "Rule", "action"]


class Level(StrEnum):
    """CISAC's rejection level; the value is the MSG record's one-letter code for it."""

    FILE = "E"
    GROUP = "G"
    TRANSACTION = "T"
    RECORD = "R"
    FIELD = "F"

    @property
    def code(self) -> str:
        """The two-letter code the specification prints after each edit: ER, GR, TR, RR, FR."""
        return f"{self.value}R"


class Lenient(StrEnum):
    """What lenient mode does with a breach."""

    REPAIR = "repaired, with a message"
    REJECT = "transaction rejected"
    DROP = "field dropped, with a message"
    SKIP = "record skipped, with a message"


@dataclass(frozen=True, slots=True)
class Rule:
    code: str  # stable name, used in messages and the docs table
    level: Level  # CISAC's level for the edit
    lenient: Lenient
    spec: str  # where the edit is in the 2.2 specification (the same edit in 2.1)
    number: int  # the edit's number in that section: the MSG record's validation number
    text: str

    @property
    def record_type(self) -> str:
        """The record type the MSG names for this edit: the prefix of `spec`."""
        return self.spec.split(" ", 1)[0]


_RULES = (
    # --- the envelope: numbering, counts, lengths, structure --------------------------------------
    Rule("record-type", Level.FILE, Lenient.REPAIR, "prefix edit 1", 1,
         "a blank record type: taken from the territory record that follows when it names the same "
         "party (SPT after an SPU, SWT after an SWR), otherwise the record is skipped"),
    Rule("record-type-unknown", Level.FILE, Lenient.REJECT, "prefix edit 1", 1,
         "a record type that is not a CWR 2.x record type, inside a work's transaction"),
    Rule("first-transaction-sequence", Level.FILE, Lenient.REPAIR, "prefix edit 2", 2,
         "the first transaction of a group is numbered 0"),
    Rule("transaction-sequence", Level.TRANSACTION, Lenient.REPAIR, "prefix edit 3", 3,
         "each further transaction header is numbered one more than the previous one "
         "(blank or non-numeric numbers included)"),
    Rule("detail-transaction-sequence", Level.FILE, Lenient.REPAIR, "prefix edit 8", 8,
         "a detail record carries its transaction header's transaction sequence # "
         "(blank or non-numeric numbers included)"),
    Rule("header-record-sequence", Level.FILE, Lenient.REPAIR, "prefix edit 5", 5,
         "a transaction header has record sequence # 0"),
    Rule("record-sequence", Level.FILE, Lenient.REPAIR, "prefix edit 6", 6,
         "each detail record is numbered one more than the record before it "
         "(blank or non-numeric numbers included)"),
    Rule("record-length", Level.FILE, Lenient.REPAIR, "prefix edit 9", 9,
         "a record has its specified length: right-trimmed lines are padded with blanks; a line too "
         "short to hold its mandatory fields is rejected in both modes"),
    Rule("group-transaction-type", Level.GROUP, Lenient.REPAIR, "NWR TLV edit 22", 22,
         "a transaction has the transaction type of its group header (an ACK group may hold works)"),
    Rule("group-id", Level.GROUP, Lenient.REPAIR, "GRH edit 2", 2,
         "group ids start at 1 and go up by 1; the GRT repeats its GRH's id"),
    Rule("group-transaction-count", Level.GROUP, Lenient.REPAIR, "GRT edit 2", 2,
         "the GRT's transaction count equals the group's transactions"),
    Rule("group-record-count", Level.GROUP, Lenient.REPAIR, "GRT edit 3", 3,
         "the GRT's record count equals the group's records, GRH and GRT included"),
    Rule("file-group-count", Level.FILE, Lenient.REPAIR, "TRL edit 1", 1,
         "the TRL's group count equals the file's groups"),
    Rule("file-transaction-count", Level.FILE, Lenient.REPAIR, "TRL edit 2", 2,
         "the TRL's transaction count equals the file's transactions"),
    Rule("file-record-count", Level.FILE, Lenient.REPAIR, "TRL edit 3", 3,
         "the TRL's record count equals the file's records, HDR and TRL included"),
    Rule("file-trailer", Level.FILE, Lenient.REPAIR, "file edit 5", 5,
         "the last record of the file is a TRL; a file without one is read to its end"),
    Rule("file-single-header", Level.FILE, Lenient.REPAIR, "file edit 8", 8,
         "one HDR per file; a second HDR is ignored"),
    Rule("ack-work", Level.TRANSACTION, Lenient.SKIP, "ACK TLV edit 2", 2,
         "an ACK transaction holds the NWR/REV it acknowledges; one without a work loads nothing"),
    # --- what a work means: rejected in both modes -------------------------------------------------
    Rule("share-value", Level.TRANSACTION, Lenient.REJECT, "SPU edit 13", 13,
         "a share is five digits and at most 100.00 % (50.00 % for a publisher's performing share)"),
    Rule("ownership-publishers", Level.TRANSACTION, Lenient.REJECT, "NWR TLV edit 4", 4,
         "publishers own at most 50 % of the performing right and 100 % of the others (±0.06)"),
    Rule("ownership-writers", Level.TRANSACTION, Lenient.REJECT, "NWR TLV edit 9", 9,
         "writers own 0 or at least 50 % of the performing right (±0.06)"),
    Rule("ownership-total", Level.TRANSACTION, Lenient.REJECT, "NWR TLV edit 11", 11,
         "writers and publishers together own 100 % ± 0.06 of each right, or 0"),
    Rule("work-title", Level.TRANSACTION, Lenient.REJECT, "NWR edit 1", 1, "the work title is given"),
    Rule("submitter-work-number", Level.TRANSACTION, Lenient.REJECT, "NWR edit 3", 3,
         "the submitter work number is given"),
    Rule("iswc", Level.FIELD, Lenient.REJECT, "NWR edit 4", 4,
         "an ISWC is T + 9 digits + its check digit. CISAC drops a bad one (FR); opustrace rejects the "
         "transaction in both modes, because the ISWC is the work's key in the graph and a dropped one "
         "would file the work under another key"),
    Rule("party-identity", Level.TRANSACTION, Lenient.REJECT, "SPU edit 2", 2,
         "a controlled party (SPU/SWR) has an interested party #, a name and a role; an other writer or "
         "publisher with shares has a name, an IP # or an IPI"),
    Rule("party-role", Level.TRANSACTION, Lenient.REJECT, "SPU edit 6", 6,
         "a publisher type or writer designation is one of the specification's codes"),
    Rule("territory-owner", Level.TRANSACTION, Lenient.REJECT, "SPT edit 1", 1,
         "an SPT/SWT follows the SPU/SWR whose IP # it names, with inclusion indicator I or E"),
    Rule("publisher-for-writer", Level.TRANSACTION, Lenient.REJECT, "PWR edit 1", 1,
         "a PWR follows its writer and names a publisher of the work"),
    Rule("one-work", Level.TRANSACTION, Lenient.REJECT, "NWR TLV edit 1", 1,
         "one NWR/REV/ISW per transaction"),
    Rule("mandatory-length", Level.TRANSACTION, Lenient.REJECT, "prefix edit 9", 9,
         "a line reaches the end of its last mandatory field; numeric fields hold digits"),
    # --- fields dropped, in both modes -------------------------------------------------------------
    Rule("ipi-name-number", Level.FIELD, Lenient.DROP, "SPU edit 10", 10,
         "an IPI name number is 11 digits with valid check digits; a bad one is dropped and the party "
         "stays, known by its interested party #"),
    Rule("ipi-base-number", Level.FIELD, Lenient.DROP, "SPU edit 24", 24,
         "an IPI base number has the form I-NNNNNNNNN-C"),
    Rule("isrc", Level.FIELD, Lenient.DROP, "REC edit 13", 13, "an ISRC has the form CC-XXX-YY-NNNNN"),
    Rule("duration-date", Level.FIELD, Lenient.DROP, "NWR edit 8", 8,
         "durations (HHMMSS) and dates (YYYYMMDD) are valid"),
)  # fmt: skip

RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}


class CwrDefect(InvalidInput):
    """A breach of one rule of `RULES`, raised where the breach rejects the transaction."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = RULES[rule].code  # a KeyError here is a typo in the parser, not bad input


def action(rule: Rule, *, strict: bool) -> Level | None:
    """What a breach of `rule` costs: the level of data rejected, or None when it is repaired.

    Strict mode follows CISAC's level, except that opustrace never takes less than a transaction
    for a rule lenient mode rejects on (the ISWC). Lenient mode rejects the transaction, drops the
    field, skips the record or repairs, as the rule says.
    """
    if rule.lenient is Lenient.REJECT:
        return rule.level if strict and rule.level in (Level.FILE, Level.GROUP) else Level.TRANSACTION
    if strict:
        return rule.level
    return {Lenient.DROP: Level.FIELD, Lenient.SKIP: Level.RECORD}.get(rule.lenient)
