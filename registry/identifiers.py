"""Music identifiers: ISWC, IPI name and base numbers, ISRC and ISNI.

Each `parse_*` function takes what a person or a CWR file wrote and returns the canonical form
that the graph stores as a natural key, or raises `InvalidIdentifier` with a message that says
what is wrong and what was expected. Where real society data is known to carry values that fail
a rule which is not authoritative (IPI base check digit, ISRC country prefix), the function
returns warnings instead of rejecting. The rules and test vectors are in
`shared/data/IDENTIFIERS.md`.
"""

from __future__ import annotations

import re

from registry.errors import InvalidIdentifier

__all__ = [
    "ISO_3166_ALPHA2",
    "ISRC_EXTRA_COUNTRY_CODES",
    "check_ipi_base_number",
    "format_ipi_base_number",
    "format_isni",
    "format_isrc",
    "format_iswc",
    "ipi_base_check_digit",
    "ipi_name_check_digits",
    "isni_check_character",
    "iswc_check_digit",
    "parse_ipi_name_number",
    "parse_isni",
    "parse_isrc",
    "parse_iswc",
    "parse_optional_iswc",
]

# Printed forms put these between the parts; they are never part of the identifier itself.
_SEPARATORS = re.compile(r"[\s.\-]+")


def _compact(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


def _describe_length(actual: int, expected: int, unit: str) -> str:
    return f"has {actual} {unit}; expected {expected}"


def _first_bad_character(text: str, allowed: str) -> str | None:
    return next((char for char in text if char not in allowed), None)


_DIGITS = "0123456789"


# --- ISWC (ISO 15707) -------------------------------------------------------------------------

_ISWC_EXAMPLE = "T-034.524.680-1"


def iswc_check_digit(nine_digits: str) -> int:
    """The ISWC check digit of the nine digits after the T."""
    _require_plain_digits(nine_digits, 9)
    # The T counts as 1 at weight 1; digit i (1-based) has weight i.
    total = 1 + sum(position * int(digit) for position, digit in enumerate(nine_digits, start=1))
    return (10 - total % 10) % 10


def _require_plain_digits(text: str, length: int) -> None:
    # Guards the check-digit helpers against misuse by callers; not a user-facing validation.
    if len(text) != length or not (text.isascii() and text.isdigit()):
        raise ValueError(f"expected exactly {length} digits, got {text!r}")


def parse_iswc(value: str) -> str:
    """Canonical `T1234567890` from `T-123.456.789-0`, `T1234567890`, spaced or lowercase forms."""
    compact = _compact(value)
    if not compact:
        raise InvalidIdentifier(f"ISWC is blank; expected T and ten digits, e.g. {_ISWC_EXAMPLE}")
    if not compact.startswith("T"):
        raise InvalidIdentifier(
            f"ISWC {value.strip()!r} must start with T, e.g. {_ISWC_EXAMPLE}", details={"value": value}
        )
    digits = compact[1:]
    bad = None if digits.isascii() and digits.isdigit() else _first_bad_character(digits, _DIGITS)
    if bad is not None:
        raise InvalidIdentifier(
            f"ISWC {value.strip()!r} contains {bad!r}; after the T only digits are allowed, "
            f"e.g. {_ISWC_EXAMPLE}",
            details={"value": value},
        )
    if len(digits) != 10:
        raise InvalidIdentifier(
            f"ISWC {compact} {_describe_length(len(digits), 10, 'digits')} after the T "
            f"(nine digits and a check digit), e.g. {_ISWC_EXAMPLE}",
            details={"value": value},
        )
    expected = iswc_check_digit(digits[:9])
    if int(digits[9]) != expected:
        raise InvalidIdentifier(
            f"ISWC {compact} has check digit {digits[9]}; expected {expected}",
            details={"value": value, "check_digit": digits[9], "expected_check_digit": str(expected)},
        )
    return compact


def parse_optional_iswc(value: str | None) -> str | None:
    """Like `parse_iswc`, but a missing or blank ISWC (as CWR writes "none") gives None."""
    if value is None or not value.strip():
        return None
    return parse_iswc(value)


def format_iswc(value: str) -> str:
    """Print form `T-123.456.789-0` of a valid ISWC in any accepted form."""
    canonical = parse_iswc(value)
    return f"T-{canonical[1:4]}.{canonical[4:7]}.{canonical[7:10]}-{canonical[10]}"


# --- IPI name number --------------------------------------------------------------------------


def ipi_name_check_digits(nine_digits: str) -> str:
    """The two check digits of an IPI name number's first nine digits."""
    _require_plain_digits(nine_digits, 9)
    weighted = sum(int(digit) * (10 - index) for index, digit in enumerate(nine_digits)) % 101
    # Without the final `% 100`, t == 1 would give "100", which real IPIs such as 00008715000 encode as 00.
    check = 0 if weighted == 0 else (101 - weighted) % 100
    return f"{check:02d}"


def parse_ipi_name_number(value: str) -> str | None:
    """Canonical eleven-digit IPI name number, or None when blank or all zeros ("no IPI" in CWR)."""
    compact = "".join(value.split())
    if not compact or set(compact) == {"0"}:
        return None
    bad = _first_bad_character(compact, _DIGITS)
    if bad is not None:
        raise InvalidIdentifier(
            f"IPI name number {value.strip()!r} contains {bad!r}; it has eleven digits only",
            details={"value": value},
        )
    if len(compact) != 11:
        hint = "; if leading zeros were lost, pad it on the left with zeros" if len(compact) < 11 else ""
        raise InvalidIdentifier(
            f"IPI name number {compact} {_describe_length(len(compact), 11, 'digits')}{hint}",
            details={"value": value},
        )
    expected = ipi_name_check_digits(compact[:9])
    if compact[9:] != expected:
        raise InvalidIdentifier(
            f"IPI name number {compact} has check digits {compact[9:]}; expected {expected}",
            details={"value": value, "check_digits": compact[9:], "expected_check_digits": expected},
        )
    return compact


# --- IPI base number --------------------------------------------------------------------------

_IPI_BASE_EXAMPLE = "I-123456789-3"


def ipi_base_check_digit(nine_digits: str) -> int:
    """The check digit of an IPI base number, as one public implementation computes it."""
    _require_plain_digits(nine_digits, 9)
    # Same scheme as the ISWC, with the I counting 2 where the ISWC's T counts 1.
    total = 2 + sum(position * int(digit) for position, digit in enumerate(nine_digits, start=1))
    return (10 - total % 10) % 10


def format_ipi_base_number(compact_digits: str) -> str:
    """`I-NNNNNNNNN-C` from the ten digits after the I."""
    _require_plain_digits(compact_digits, 10)
    return f"I-{compact_digits[:9]}-{compact_digits[9]}"


def check_ipi_base_number(value: str) -> tuple[str, list[str]]:
    """Canonical `I-NNNNNNNNN-C` and warnings.

    A failed check digit is only a warning: the formula is not published by CISAC and was checked
    against a single synthetic vector, so rejecting would risk refusing real registrations.
    """
    compact = _compact(value)
    if not compact:
        raise InvalidIdentifier(f"IPI base number is blank; expected the form {_IPI_BASE_EXAMPLE}")
    if not compact.startswith("I"):
        raise InvalidIdentifier(
            f"IPI base number {value.strip()!r} must start with I, e.g. {_IPI_BASE_EXAMPLE}",
            details={"value": value},
        )
    digits = compact[1:]
    bad = None if digits.isascii() and digits.isdigit() else _first_bad_character(digits, _DIGITS)
    if bad is not None:
        raise InvalidIdentifier(
            f"IPI base number {value.strip()!r} contains {bad!r}; after the I only digits are allowed, "
            f"e.g. {_IPI_BASE_EXAMPLE}",
            details={"value": value},
        )
    if len(digits) != 10:
        raise InvalidIdentifier(
            f"IPI base number {value.strip()!r} {_describe_length(len(digits), 10, 'digits')} after the I "
            f"(nine digits and a check digit), e.g. {_IPI_BASE_EXAMPLE}",
            details={"value": value},
        )
    canonical = format_ipi_base_number(digits)
    expected = ipi_base_check_digit(digits[:9])
    warnings: list[str] = []
    if int(digits[9]) != expected:
        warnings.append(
            f"IPI base number {canonical} has check digit {digits[9]}; expected {expected}. "
            "Kept as given: check it against the IPI system"
        )
    return canonical, warnings


# --- ISRC (ISO 3901) --------------------------------------------------------------------------

_ISRC_EXAMPLE = "GB-EMI-03-00013"

# ISO 3166-1 alpha-2, the officially assigned codes.
ISO_3166_ALPHA2: frozenset[str] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
    BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
    DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET
    FI FJ FK FM FO FR
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
    HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT
    JE JM JO JP
    KE KG KH KI KM KN KP KR KW KY KZ
    LA LB LC LI LK LR LS LT LU LV LY
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
    NA NC NE NF NG NI NL NO NP NR NU NZ
    OM
    PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA
    RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
    TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
    UA UG UM US UY UZ
    VA VC VE VG VI VN VU
    WF WS
    YE YT
    ZA ZM ZW
    """.split()
)

# ISRC prefixes outside ISO 3166-1 that agencies really allocate: QM, QZ and QT by the US agency
# (usisrc.org), ZZ by the International ISRC Agency (IFPI bulletin 2007/01); UK, CP, DG and QR are
# in CISAC's CWR ISRC country table; AN and YU were ISO codes when ISRCs were issued under them.
# EU is deliberately absent: it is in CISAC's table but no agency's prefix, so it earns a warning.
ISRC_EXTRA_COUNTRY_CODES: frozenset[str] = frozenset(
    {"QM", "QT", "QZ", "ZZ", "UK", "CP", "DG", "QR", "AN", "YU"}
)

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# (element name, slice, allowed characters, what to tell the person)
_ISRC_ELEMENTS: tuple[tuple[str, slice, str, str], ...] = (
    ("country code", slice(0, 2), _UPPER, "two letters"),
    ("registrant code", slice(2, 5), _UPPER + _DIGITS, "three letters or digits"),
    ("year", slice(5, 7), _DIGITS, "two digits"),
    ("designation code", slice(7, 12), _DIGITS, "five digits"),
)


def _strip_isrc_label(compact: str) -> str:
    # Printed ISRCs are preceded by the label "ISRC"; a bare ISRC may itself start with "ISRC"
    # (Iceland, registrant RC.), so drop the label only when exactly twelve characters remain.
    if compact.startswith("ISRC") and len(compact) == 16:
        return compact[4:]
    return compact


def parse_isrc(value: str) -> tuple[str, list[str]]:
    """Canonical twelve-character ISRC from `CC-XXX-YY-NNNNN` or compact form, and warnings."""
    compact = _strip_isrc_label(_compact(value))
    if not compact:
        raise InvalidIdentifier(f"ISRC is blank; expected twelve characters, e.g. {_ISRC_EXAMPLE}")
    if len(compact) != 12:
        raise InvalidIdentifier(
            f"ISRC {compact} {_describe_length(len(compact), 12, 'characters')} "
            f"(CC-XXX-YY-NNNNN, e.g. {_ISRC_EXAMPLE})",
            details={"value": value},
        )
    for name, part, allowed, expected in _ISRC_ELEMENTS:
        if _first_bad_character(compact[part], allowed) is not None:
            raise InvalidIdentifier(
                f"ISRC {compact} has {name} {compact[part]!r}; expected {expected} "
                f"(CC-XXX-YY-NNNNN, e.g. {_ISRC_EXAMPLE})",
                details={"value": value},
            )
    return compact, _isrc_warnings(compact)


def _isrc_warnings(canonical: str) -> list[str]:
    country = canonical[:2]
    if country in ISO_3166_ALPHA2 or country in ISRC_EXTRA_COUNTRY_CODES:
        return []
    return [
        f"ISRC {canonical} starts with {country}, which is neither an ISO 3166-1 country code "
        "nor a known ISRC agency prefix. Kept as given: check it with the recording's registrant"
    ]


def format_isrc(value: str) -> str:
    """Print form `CC-XXX-YY-NNNNN` of a valid ISRC in any accepted form."""
    canonical, _ = parse_isrc(value)
    return f"{canonical[:2]}-{canonical[2:5]}-{canonical[5:7]}-{canonical[7:]}"


# --- ISNI (ISO 27729) -------------------------------------------------------------------------

_ISNI_EXAMPLE = "0000 0001 2103 2683"


def isni_check_character(fifteen_digits: str) -> str:
    """The ISO 7064 MOD 11-2 check character (0-9 or X) of an ISNI's first fifteen digits."""
    _require_plain_digits(fifteen_digits, 15)
    remainder = 0
    for digit in fifteen_digits:
        remainder = (remainder + int(digit)) * 2 % 11
    check = (12 - remainder) % 11
    return "X" if check == 10 else str(check)


def parse_isni(value: str) -> str:
    """Canonical sixteen-character ISNI from compact or spaced input (`0000 0001 2103 2683`)."""
    compact = _compact(value)
    if not compact:
        raise InvalidIdentifier(f"ISNI is blank; expected sixteen characters, e.g. {_ISNI_EXAMPLE}")
    if len(compact) != 16:
        raise InvalidIdentifier(
            f"ISNI {compact} {_describe_length(len(compact), 16, 'characters')}, e.g. {_ISNI_EXAMPLE}",
            details={"value": value},
        )
    bad = _first_bad_character(compact[:15], _DIGITS) or _first_bad_character(compact[15], _DIGITS + "X")
    if bad is not None:
        raise InvalidIdentifier(
            f"ISNI {compact} contains {bad!r}; expected fifteen digits and a last character 0-9 or X",
            details={"value": value},
        )
    expected = isni_check_character(compact[:15])
    if compact[15] != expected:
        raise InvalidIdentifier(
            f"ISNI {compact} has check character {compact[15]}; expected {expected}",
            details={"value": value, "check_character": compact[15], "expected_check_character": expected},
        )
    return compact


def format_isni(value: str) -> str:
    """Print form `0000 0001 2103 2683` of a valid ISNI in any accepted form."""
    canonical = parse_isni(value)
    return " ".join(canonical[start : start + 4] for start in range(0, 16, 4))
