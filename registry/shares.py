"""Ownership shares of a work, per right, in basis points (hundredths of a percent; 10000 = 100 %).

Shares stay integers from parsing to storage: CWR carries them as five digits with an implied
decimal point, so hundredths are exact and floats would only add rounding that no file contains.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from registry.errors import InvalidInput

__all__ = [
    "FULL_BP",
    "PUBLISHER_ROLES",
    "TOLERANCE_BP",
    "WRITER_ROLES",
    "Right",
    "Share",
    "ShareRole",
    "bp_to_percent_str",
    "cwr_code",
    "is_valid_total",
    "percent_to_bp",
    "role_from_cwr",
    "total_by_right",
    "validate_work_shares",
]

FULL_BP = 10_000
# CWR accepts a right's total within 0.06 points of 100 %: thirds rounded to 33.33 add up to 99.99.
TOLERANCE_BP = 6


class Right(StrEnum):
    PERFORMING = "PERFORMING"
    MECHANICAL = "MECHANICAL"
    SYNCHRONISATION = "SYNCHRONISATION"


class ShareRole(StrEnum):
    """What a share holder is to the work; one CWR writer designation or publisher type each."""

    COMPOSER = "COMPOSER"
    LYRICIST = "LYRICIST"
    COMPOSER_LYRICIST = "COMPOSER_LYRICIST"
    ARRANGER = "ARRANGER"
    ADAPTER = "ADAPTER"
    TRANSLATOR = "TRANSLATOR"
    SUB_AUTHOR = "SUB_AUTHOR"
    SUB_ARRANGER = "SUB_ARRANGER"
    PUBLISHER = "PUBLISHER"
    SUB_PUBLISHER = "SUB_PUBLISHER"
    ADMINISTRATOR = "ADMINISTRATOR"
    ACQUIRER = "ACQUIRER"
    SUBSTITUTED_PUBLISHER = "SUBSTITUTED_PUBLISHER"
    INCOME_PARTICIPANT = "INCOME_PARTICIPANT"


# PA means "income participant" both as a writer designation (SWR) and a publisher type (SPU),
# so one code maps to one role whichever record it came from.
_CWR_CODES: dict[str, ShareRole] = {
    "C": ShareRole.COMPOSER,
    "A": ShareRole.LYRICIST,
    "CA": ShareRole.COMPOSER_LYRICIST,
    "AR": ShareRole.ARRANGER,
    "AD": ShareRole.ADAPTER,
    "TR": ShareRole.TRANSLATOR,
    "SA": ShareRole.SUB_AUTHOR,
    "SR": ShareRole.SUB_ARRANGER,
    "E": ShareRole.PUBLISHER,
    "SE": ShareRole.SUB_PUBLISHER,
    "AM": ShareRole.ADMINISTRATOR,
    "AQ": ShareRole.ACQUIRER,
    "ES": ShareRole.SUBSTITUTED_PUBLISHER,
    "PA": ShareRole.INCOME_PARTICIPANT,
}
_CODE_OF_ROLE: dict[ShareRole, str] = {role: code for code, role in _CWR_CODES.items()}

WRITER_ROLES: frozenset[ShareRole] = frozenset(
    {
        ShareRole.COMPOSER,
        ShareRole.LYRICIST,
        ShareRole.COMPOSER_LYRICIST,
        ShareRole.ARRANGER,
        ShareRole.ADAPTER,
        ShareRole.TRANSLATOR,
        ShareRole.SUB_AUTHOR,
        ShareRole.SUB_ARRANGER,
    }
)
PUBLISHER_ROLES: frozenset[ShareRole] = frozenset(
    {
        ShareRole.PUBLISHER,
        ShareRole.SUB_PUBLISHER,
        ShareRole.ADMINISTRATOR,
        ShareRole.ACQUIRER,
        ShareRole.SUBSTITUTED_PUBLISHER,
    }
)


def role_from_cwr(code: str) -> ShareRole:
    """The role for a CWR writer designation code (SWR/OWR) or publisher type (SPU/OPU).

    CWR pads one-letter codes with a space (`"C "`, `"E "`); case and padding are ignored.
    """
    key = code.strip().upper()
    role = _CWR_CODES.get(key)
    if role is None:
        known = ", ".join(sorted(_CWR_CODES))
        shown = f"{code!r}" if key else "blank"
        raise InvalidInput(
            f"CWR designation code {shown} is not a writer designation or publisher type; "
            f"expected one of {known}",
            details={"code": code, "known_codes": sorted(_CWR_CODES)},
        )
    return role


def cwr_code(role: ShareRole) -> str:
    """The CWR code of a role, unpadded (`"C"`, `"CA"`, `"E"`)."""
    return _CODE_OF_ROLE[role]


BasisPoints = Annotated[int, Field(ge=0, le=FULL_BP, strict=True)]


class Share(BaseModel):
    """One holder's ownership of one work in one role, per right, in basis points."""

    # strict ints: a float such as 33.33 must never be silently accepted as a share.
    model_config = ConfigDict(frozen=True, extra="forbid")

    holder_id: Annotated[str, Field(min_length=1)]
    role: ShareRole
    performing_bp: BasisPoints
    mechanical_bp: BasisPoints
    synchronisation_bp: BasisPoints

    def bp(self, right: Right) -> int:
        """This share's basis points for `right`."""
        match right:
            case Right.PERFORMING:
                return self.performing_bp
            case Right.MECHANICAL:
                return self.mechanical_bp
            case Right.SYNCHRONISATION:
                return self.synchronisation_bp


def total_by_right(shares: Iterable[Share]) -> dict[Right, int]:
    """Sum of basis points per right; every right is present, 0 when nobody holds it."""
    totals = dict.fromkeys(Right, 0)
    for share in shares:
        for right in Right:
            totals[right] += share.bp(right)
    return totals


def is_valid_total(total_bp: int) -> bool:
    """True when a right's total is 100 % within CWR's tolerance, or exactly 0 (right not held)."""
    return total_bp == 0 or abs(total_bp - FULL_BP) <= TOLERANCE_BP


def validate_work_shares(shares: Sequence[Share]) -> None:
    """Raise InvalidInput naming each right whose shares don't add up to 100 % (±0.06) or 0.

    A work with no shares passes: every right totals 0, which CWR allows.
    """
    totals = total_by_right(shares)
    invalid = [right for right in Right if not is_valid_total(totals[right])]
    if not invalid:
        return
    message = "; ".join(_total_problem(right, totals[right]) for right in invalid)
    raise InvalidInput(message, details=_total_details(totals, invalid))


def _total_problem(right: Right, total_bp: int) -> str:
    return (
        f"{right.value.lower()} shares add up to {bp_to_percent_str(total_bp)} %, "
        f"expected 100 % (±{bp_to_percent_str(TOLERANCE_BP)}) or 0"
    )


def _total_details(totals: dict[Right, int], invalid: list[Right]) -> dict[str, Any]:
    return {
        "totals_bp": {right.value: total for right, total in totals.items()},
        "invalid_rights": [right.value for right in invalid],
        "expected_bp": FULL_BP,
        "tolerance_bp": TOLERANCE_BP,
    }


# CWR's `999v99`: five digits with an implied decimal point before the last two.
_CWR_SHARE = re.compile(r"\d{5}")
_DECIMAL_PERCENT = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_HUNDRED = Decimal(100)


def percent_to_bp(text: str) -> int:
    """Basis points from a percentage: decimal (`"33.33"`, `"50"`, `"12.5 %"`) or CWR (`"03333"`).

    Exactly five digits without a point are read as CWR's implied-decimal form, so `"10000"` is
    100.00 %; any other form is a plain percentage. More than two significant decimals are an error,
    never rounded, because a share must be stored exactly as registered.
    """
    cleaned = text.strip().removesuffix("%").strip()
    if _CWR_SHARE.fullmatch(cleaned):
        return _in_share_range(int(cleaned), text)
    if not _DECIMAL_PERCENT.fullmatch(cleaned):
        raise InvalidInput(
            f"share {text!r} is not a percentage; write it like 33.33 (a point, no sign) "
            "or as CWR's five digits like 03333",
            details={"value": text},
        )
    scaled = Decimal(cleaned) * _HUNDRED
    if scaled != scaled.to_integral_value():
        raise InvalidInput(
            f"share {text!r} has more than two decimal places; shares are kept to 0.01 %",
            details={"value": text},
        )
    return _in_share_range(int(scaled), text)


def _in_share_range(bp: int, text: str) -> int:
    if bp > FULL_BP:
        raise InvalidInput(
            f"share {text!r} is {bp_to_percent_str(bp)} %; a share is at most 100 %",
            details={"value": text, "bp": bp},
        )
    return bp


def bp_to_percent_str(bp: int) -> str:
    """`"33.33"` for 3333: the percentage with exactly two decimals, no % sign."""
    sign = "-" if bp < 0 else ""
    whole, hundredths = divmod(abs(bp), 100)
    return f"{sign}{whole}.{hundredths:02d}"
