"""CWR 2.1 / 2.2 fixed-width record layouts, as data, and the decoders for their field formats.

Positions are 1-based, as in the CISAC specification (see shared/data/cwr/LAYOUT.md); only the
fields the registry uses are listed. 2.2-only fields sit after the end of the 2.1 record, so one
table serves both versions: on a 2.1 line they read as blank.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from operator import itemgetter

from registry.cwr.rules import CwrDefect
from registry.errors import InvalidInput
from registry.shares import FULL_BP, bp_to_percent_str

__all__ = [
    "LAYOUTS",
    "MESSAGE",
    "PREFIX_LENGTH",
    "RECORD_LENGTHS",
    "Field",
    "Layout",
    "decode_date",
    "decode_duration",
    "decode_number",
    "decode_optional_number",
    "decode_share",
    "decode_text",
    "decode_time",
    "read_fields",
]


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    start: int  # 1-based, as the specification counts
    size: int


@dataclass(frozen=True, slots=True)
class Layout:
    record_types: tuple[str, ...]
    # Real files right-trim their lines, so a line may stop early; it must still reach the end of
    # the last field the parser cannot do without (mandatory, never blank). Shorter is "too short".
    min_length: int
    fields: tuple[Field, ...]
    # Derived once: (name, start index, end index) per field, and where the last field ends; the
    # field names and one getter cutting every field of a line in one C call (read_fields).
    slices: tuple[tuple[str, int, int], ...] = ()
    length: int = 0
    names: tuple[str, ...] = ()
    cut: Callable[[str], tuple[str, ...]] = tuple  # set below: line -> each field's text

    def __post_init__(self) -> None:
        slices = tuple((f.name, f.start - 1, f.start - 1 + f.size) for f in self.fields)
        object.__setattr__(self, "slices", slices)
        object.__setattr__(self, "length", max(end for _, _, end in slices))
        object.__setattr__(self, "names", tuple(name for name, _, _ in slices))
        cut = itemgetter(*(slice(start, end) for _, start, end in slices))
        # itemgetter of one item answers the item itself, not a one-element tuple.
        object.__setattr__(self, "cut", cut if len(slices) > 1 else lambda line: (cut(line),))


PREFIX_LENGTH = 19  # record type 1/3, transaction sequence 4/8, record sequence 12/8

HDR = Layout(
    ("HDR",),
    86,
    (
        Field("sender_type", 4, 2),
        Field("sender_id", 6, 9),
        Field("sender_name", 15, 45),
        Field("edi_version", 60, 5),
        Field("creation_date", 65, 8),
        Field("creation_time", 73, 6),
        Field("transmission_date", 79, 8),
        Field("character_set", 87, 15),
        Field("version", 102, 3),
        Field("revision", 105, 3),
        Field("software_package", 108, 30),
        Field("software_package_version", 138, 30),
    ),
)

GRH = Layout(
    ("GRH",),
    16,
    (Field("transaction_type", 4, 3), Field("group_id", 7, 5), Field("version", 12, 5)),
)

GRT = Layout(
    ("GRT",),
    24,
    (Field("group_id", 4, 5), Field("transaction_count", 9, 8), Field("record_count", 17, 8)),
)

TRL = Layout(
    ("TRL",),
    24,
    (Field("group_count", 4, 5), Field("transaction_count", 9, 8), Field("record_count", 17, 8)),
)

WORK = Layout(
    ("NWR", "REV", "ISW", "EXC"),
    145,  # through Version Type (143/3), the last mandatory field before the optional tail
    (
        Field("title", 20, 60),
        Field("language", 80, 2),
        Field("submitter_work_id", 82, 14),
        Field("iswc", 96, 11),
        Field("distribution_category", 127, 3),
        Field("duration", 130, 6),
        Field("version_type", 143, 3),
    ),
)

ACK = Layout(
    ("ACK",),
    159,
    (
        Field("creation_date", 20, 8),
        Field("creation_time", 28, 6),
        Field("original_group_id", 34, 5),
        Field("original_transaction_seq", 39, 8),
        Field("original_transaction_type", 47, 3),
        Field("title", 50, 60),
        Field("submitter_work_id", 110, 20),
        Field("recipient_work_id", 130, 20),
        Field("processing_date", 150, 8),
        Field("status", 158, 2),
    ),
)

PUBLISHER = Layout(
    ("SPU", "OPU"),
    136,  # through SR Ownership Share
    (
        Field("chain", 20, 2),
        Field("ip_number", 22, 9),
        Field("name", 31, 45),
        Field("unknown", 76, 1),
        Field("role_code", 77, 2),
        Field("ipi_name_number", 88, 11),
        Field("pr_society", 113, 3),
        Field("pr_share", 116, 5),
        Field("mr_society", 121, 3),
        Field("mr_share", 124, 5),
        Field("sr_society", 129, 3),
        Field("sr_share", 132, 5),
        Field("ipi_base_number", 140, 13),
    ),
)

PUBLISHER_TERRITORY = Layout(
    ("SPT",),
    54,  # through TIS Numeric Code
    (
        Field("ip_number", 20, 9),
        # 29/6 is a constant (spaces): the SPT's shares start six columns later than the SWT's.
        Field("pr_share", 35, 5),
        Field("mr_share", 40, 5),
        Field("sr_share", 45, 5),
        Field("inclusion", 50, 1),
        Field("tis_code", 51, 4),
        Field("shares_change", 55, 1),
        Field("sequence", 56, 3),
    ),
)

WRITER = Layout(
    ("SWR", "OWR"),
    150,  # through SR Ownership Share
    (
        Field("ip_number", 20, 9),
        Field("name", 29, 45),
        Field("first_name", 74, 30),
        Field("unknown", 104, 1),
        Field("role_code", 105, 2),
        Field("ipi_name_number", 116, 11),
        Field("pr_society", 127, 3),
        Field("pr_share", 130, 5),
        Field("mr_society", 135, 3),
        Field("mr_share", 138, 5),
        Field("sr_society", 143, 3),
        Field("sr_share", 146, 5),
        Field("ipi_base_number", 155, 13),
    ),
)

WRITER_TERRITORY = Layout(
    ("SWT",),
    48,  # through TIS Numeric Code
    (
        Field("ip_number", 20, 9),
        Field("pr_share", 29, 5),
        Field("mr_share", 34, 5),
        Field("sr_share", 39, 5),
        Field("inclusion", 44, 1),
        Field("tis_code", 45, 4),
        Field("shares_change", 49, 1),
        Field("sequence", 50, 3),
    ),
)

PUBLISHER_FOR_WRITER = Layout(
    ("PWR",),
    28,  # through Publisher IP #: the writer IP # (102/9) is conditional in 2.2
    (
        Field("publisher_ip_number", 20, 9),
        Field("publisher_name", 29, 45),
        Field("writer_ip_number", 102, 9),
        Field("chain", 111, 2),  # 2.2 only
    ),
)

ALTERNATE_TITLE = Layout(
    ("ALT",),
    81,  # through Title Type
    (Field("title", 20, 60), Field("title_type", 80, 2), Field("language", 82, 2)),
)

PERFORMER = Layout(
    ("PER",),
    20,  # at least one character of the last name
    (Field("name", 20, 45), Field("first_name", 65, 30)),
)

RECORDING = Layout(
    ("REC",),
    PREFIX_LENGTH,  # every REC field is optional
    (
        Field("first_release_date", 20, 8),
        Field("duration", 88, 6),
        Field("album_title", 99, 60),
        Field("album_label", 159, 60),
        Field("catalogue_number", 219, 18),
        Field("ean", 237, 13),
        Field("isrc", 250, 12),
        Field("media_type", 264, 3),
        Field("title", 267, 60),  # 2.2 only from here on
        Field("version_title", 327, 60),
        Field("display_artist", 387, 60),
        Field("record_label", 447, 60),
    ),
)

MESSAGE = Layout(
    ("MSG",),
    35,  # through Validation Number; the text may be right-trimmed away
    (
        Field("message_type", 20, 1),
        Field("original_record_seq", 21, 8),
        Field("record_type", 29, 3),
        Field("message_level", 32, 1),
        Field("validation_number", 33, 3),
        Field("text", 36, 150),
    ),
)

# The full length of each record in the specification ([2.2] record formats; 2.1 where it is shorter),
# for strict mode's record length edit. Types not listed are not measured.
RECORD_LENGTHS: dict[str, tuple[int, int]] = {  # record type: (2.1, 2.2)
    "HDR": (101, 167), "GRH": (28, 28), "GRT": (24, 24), "TRL": (24, 24),
    "NWR": (260, 260), "REV": (260, 260), "ISW": (260, 260), "EXC": (260, 260), "ACK": (159, 159),
    "SPU": (183, 183), "OPU": (183, 183), "SPT": (58, 58), "SWR": (180, 180), "OWR": (180, 180),
    "SWT": (52, 52), "PWR": (110, 112), "ALT": (83, 83), "PER": (118, 118), "REC": (266, 266),
    "XRF": (38, 38), "MSG": (185, 185),
}  # fmt: skip

LAYOUTS: dict[str, Layout] = {
    record_type: layout
    for layout in (
        HDR,
        GRH,
        GRT,
        TRL,
        WORK,
        ACK,
        PUBLISHER,
        PUBLISHER_TERRITORY,
        WRITER,
        WRITER_TERRITORY,
        PUBLISHER_FOR_WRITER,
        ALTERNATE_TITLE,
        PERFORMER,
        RECORDING,
        MESSAGE,
    )
    for record_type in layout.record_types
}


def read_fields(layout: Layout, line: str, record_type: str) -> dict[str, str]:
    """The raw text of each field of `layout`; fields past a right-trimmed line's end are blank."""
    if len(line) < layout.min_length:
        raise CwrDefect(
            "mandatory-length",
            f"{record_type} record is {len(line)} characters long; it must reach column "
            f"{layout.min_length} (its last mandatory field)",
        )
    if len(line) < layout.length:
        line = line.ljust(layout.length)  # so that each field slices to its full size
    return dict(zip(layout.names, layout.cut(line), strict=True))


# --- field formats ([2.2] p.7-8) -------------------------------------------------------------

_DIGITS = re.compile(r"[0-9]+")
_SHARE = re.compile(r"[0-9]{5}")


def decode_text(raw: str) -> str | None:
    """An A (alphanumeric) field: left-justified and blank-filled; blank means absent."""
    text = raw.strip()
    return text or None


def decode_number(raw: str, what: str) -> int:
    """A mandatory N field: zero-filled digits only."""
    if not (raw.isascii() and raw.isdigit()):
        raise CwrDefect(
            "mandatory-length", f"{what} {raw!r} is not a number (CWR numeric fields are zero-filled digits)"
        )
    return int(raw)


def decode_optional_number(raw: str, what: str) -> int | None:
    """An optional N field: blank means absent."""
    if not raw.strip():
        return None
    return decode_number(raw, what)


def decode_share(raw: str, what: str) -> int:
    """A `999v99` share as basis points: `05000` is 50.00 %, which is 5000 bp.

    Blank reads as 0: real files leave shares of non-controlled parties empty, and 0 is what the
    specification's zero-fill would have written.
    """
    if _SHARE.fullmatch(raw):
        value = int(raw)  # the fast path: the digits are the basis points
        if value <= FULL_BP:
            return value
        raise CwrDefect(
            "share-value", f"{what} {raw} is {bp_to_percent_str(value)} %; a share is at most 100.00 %"
        )
    if not raw.strip():
        return 0
    raise CwrDefect(
        "share-value", f"{what} {raw!r} is not a share: expected five digits, e.g. 05000 for 50.00 %"
    )


def decode_date(raw: str, what: str) -> date | None:
    """A D field (YYYYMMDD); zeros or blank mean no date."""
    if not raw.strip() or set(raw) == {"0"}:
        return None
    if not _DIGITS.fullmatch(raw) or len(raw) != 8:
        raise InvalidInput(f"{what} {raw!r} is not a date (YYYYMMDD)")
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        raise InvalidInput(f"{what} {raw!r} is not a calendar date (YYYYMMDD)") from None


def decode_time(raw: str, what: str) -> time | None:
    """A T field as a time of day (HHMMSS); blank means absent. Zeros are midnight here."""
    if not raw.strip():
        return None
    hours, minutes, seconds = _hhmmss(raw, what)
    try:
        return time(hours, minutes, seconds)
    except ValueError:
        raise InvalidInput(f"{what} {raw!r} is not a time of day (HHMMSS)") from None


def decode_duration(raw: str, what: str) -> int | None:
    """A T field as a duration in seconds (HHMMSS); zeros or blank mean no duration."""
    if not raw.strip() or set(raw) == {"0"}:
        return None
    hours, minutes, seconds = _hhmmss(raw, what)
    if minutes > 59 or seconds > 59:
        raise InvalidInput(f"{what} {raw!r} is not a duration (HHMMSS, minutes and seconds below 60)")
    return hours * 3600 + minutes * 60 + seconds


def _hhmmss(raw: str, what: str) -> tuple[int, int, int]:
    if not _DIGITS.fullmatch(raw) or len(raw) != 6:
        raise InvalidInput(f"{what} {raw!r} is not HHMMSS")
    return int(raw[:2]), int(raw[2:4]), int(raw[4:])


def format_record(
    record_type: str,
    transaction_seq: int,
    record_seq: int,
    layout: Layout,
    values: dict[str, str],
    length: int,
) -> str:
    """One detail record: the prefix, then each value at its field's place, blank-padded to `length`.

    Values longer than their field are cut to it (CWR fields are fixed-width); the caller formats
    numbers (zero-filled) and shares (`999v99`) before handing them over.
    """
    line = [" "] * max(length, layout.length)
    prefix = f"{record_type:<3.3}{transaction_seq:08d}{record_seq:08d}"
    line[:PREFIX_LENGTH] = prefix
    places = {name: (start, end) for name, start, end in layout.slices}
    for name, value in values.items():
        start, end = places[name]
        line[start:end] = f"{value:<{end - start}.{end - start}}"
    return "".join(line)


def format_control(record_type: str, fields: tuple[tuple[int, str], ...], length: int) -> str:
    """A control record (HDR, GRH, GRT, TRL): the type, then (start, text) pairs, blank-padded."""
    line = [" "] * length
    line[:3] = record_type
    for start, text in fields:
        line[start - 1 : start - 1 + len(text)] = text
    return "".join(line)
