"""Money: integer amounts in a currency's minor unit, exact fractions, largest-remainder allocation.

Amounts are always `int` counts of the currency's minor unit (cents for EUR, yen for JPY, fils for
KWD). Floats never enter: a float cannot hold 0.1 exactly, and one lost cent in a statement is a
dispute. Ratios (shares, weights, influence scores, rates) are `fractions.Fraction`, so every
proportional step is exact and rounding happens once, in `allocate`.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from itertools import pairwise
from typing import Any, Protocol, TypeVar

from registry.errors import InvalidInput

# ISO 4217 minor-unit exponents. Anything not listed is refused rather than guessed: a wrong
# exponent would scale every amount by a power of ten.
_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(
        ("EUR", "USD", "GBP", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "RON"),
        2,
    ),
    **dict.fromkeys(
        ("BGN", "CNY", "HKD", "SGD", "INR", "BRL", "MXN", "ZAR", "TRY", "ILS", "THB", "MYR", "PHP", "IDR"),
        2,
    ),
    **dict.fromkeys(
        ("TWD", "AED", "SAR", "QAR", "EGP", "MAD", "NGN", "KES", "COP", "PEN", "ARS", "UAH", "RSD"),
        2,
    ),
    **dict.fromkeys(
        (
            "JPY",
            "KRW",
            "ISK",
            "CLP",
            "VND",
            "XOF",
            "XAF",
            "XPF",
            "UGX",
            "PYG",
            "RWF",
            "KMF",
            "GNF",
            "DJF",
            "VUV",
        ),
        0,
    ),
    **dict.fromkeys(("KWD", "BHD", "OMR", "JOD", "TND", "LYD", "IQD"), 3),
}

# A decimal amount as people write it: optional sign, ASCII digits, optional fraction part.
# ASCII only on purpose: `\d` would also accept Arabic-Indic and other Unicode digits.
_AMOUNT = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]+))?", re.ASCII)
# Longer text is refused before parsing: no real amount needs it, and huge digit strings are costly.
_MAX_AMOUNT_TEXT = 40


@dataclass(frozen=True, slots=True)
class Currency:
    """An ISO 4217 currency and the number of decimals of its minor unit."""

    code: str
    exponent: int

    @classmethod
    def of(cls, currency: str | Currency) -> Currency:
        """The currency for an ISO 4217 code (case-insensitive); refuses codes it does not know."""
        if isinstance(currency, Currency):
            return currency
        code = currency.strip().upper()
        exponent = _EXPONENTS.get(code)
        if exponent is None:
            raise InvalidInput(
                f"Unknown currency {currency!r}: give an ISO 4217 code such as EUR, USD, GBP or JPY.",
                details={"currency": currency},
            )
        return cls(code, exponent)

    @property
    def scale(self) -> int:
        """Minor units per major unit (100 for EUR, 1 for JPY, 1000 for KWD)."""
        scale: int = 10**self.exponent
        return scale


def supported_currencies() -> list[str]:
    """The ISO codes `Currency.of` accepts, sorted."""
    return sorted(_EXPONENTS)


def parse_amount(text: str, currency: str | Currency, *, allow_negative: bool = False) -> int:
    """Parse a decimal string such as "12.34" into minor units (1234 for EUR).

    Refuses, with a message saying what to fix: garbage, thousands separators, exponents, more
    decimals than the currency has (we never round an amount someone typed), and negative
    amounts unless `allow_negative` (corrections may be negative; pools may not).
    """
    cur = Currency.of(currency)
    if not isinstance(text, str):
        raise InvalidInput(f'An amount must be a decimal string such as "12.34", not {type(text).__name__}.')
    stripped = text.strip()
    if len(stripped) > _MAX_AMOUNT_TEXT:
        raise InvalidInput(
            f"The amount is too long ({len(stripped)} characters); give at most {_MAX_AMOUNT_TEXT}."
        )
    match = _AMOUNT.fullmatch(stripped)
    if match is None:
        raise InvalidInput(
            f"{text!r} is not an amount: write digits with an optional decimal point and no thousands "
            f"separators or exponent, e.g. {_example(cur)}.",
            details={"amount": text, "currency": cur.code},
        )
    sign, whole, decimals = match.group(1), match.group(2), match.group(3) or ""
    if len(decimals) > cur.exponent:
        raise InvalidInput(_too_many_decimals(text, cur), details={"amount": text, "currency": cur.code})
    minor = int(whole) * cur.scale + int(decimals.ljust(cur.exponent, "0") or "0")
    if sign == "-":
        minor = -minor
    if minor < 0 and not allow_negative:
        raise InvalidInput(
            f"The amount {text!r} is negative; give zero or a positive amount.",
            details={"amount": text, "currency": cur.code},
        )
    return minor


def format_amount(minor: int, currency: str | Currency) -> str:
    """Minor units as a decimal string with exactly the currency's decimals: 1234 EUR -> "12.34"."""
    cur = Currency.of(currency)
    _require_int(minor, "amount")
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), cur.scale)
    if cur.exponent == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{part:0{cur.exponent}d}"


def to_fraction(value: Fraction | Decimal | int | str, *, what: str = "value") -> Fraction:
    """An exact ratio from an int, Fraction, Decimal or decimal/fraction string ("0.6", "1/3").

    Floats are refused: they reach here only when someone stored a score or share as a float, and
    converting would silently carry its binary error into money. Pass `str(Decimal(...))` instead.
    """
    if isinstance(value, bool | float):
        raise InvalidInput(
            f'The {what} {value!r} must be exact: pass a decimal string such as "0.6", not a float.'
        )
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidInput(f"The {what} {value!r} must be a finite number.")
        return Fraction(value)
    if isinstance(value, str):
        return _fraction_from_text(value, what)
    raise InvalidInput(f"The {what} must be a number or a decimal string, not {type(value).__name__}.")


def pool_at_rate(amount: int, rate: Fraction) -> int:
    """`amount` * `rate`, rounded half-to-even to the minor unit (the pool a licence rate yields).

    This is the one rounding outside `allocate`: it turns a revenue into a pool, before any split.
    Half-to-even so that, over many reports, rounding favours neither the licensee nor the creators.
    """
    _require_int(amount, "amount")
    if rate < 0:
        raise InvalidInput(f"A rate cannot be negative (got {rate}).")
    exact = amount * rate
    # Rounded on the Fraction itself: Decimal division would be inexact for long quotients.
    floor, rest = divmod(exact.numerator, exact.denominator)
    twice = 2 * rest
    if twice > exact.denominator or (twice == exact.denominator and floor % 2 == 1):
        floor += 1
    return floor


class _Sortable(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


K = TypeVar("K", bound=_Sortable)


def allocate(
    total: int,
    weights: Sequence[tuple[K, Fraction | int]],
    *,
    tie_break: Callable[[K], bytes] | None = None,
) -> list[tuple[K, int]]:
    """Split `total` minor units in proportion to `weights`; the parts always add up to `total`.

    Method (largest remainder, also called Hamilton): each key's exact quota is
    `total * weight / sum(weights)`; every key first gets the floor of its quota; the units left
    over (fewer than the number of keys) go one each to the keys with the largest fractional
    remainders. Equal remainders are ordered by `tie_break(key)` (smallest first) when given, else
    by the key itself, so the result depends only on the set of (key, weight) pairs, never on their
    order. Each part is the floor or the ceiling of its exact quota, and a key with weight 0 always
    gets 0. Where the keys are payees, pass `payee_tie_break(salt)`: ordering ties by the key would
    let the same id win every tie of every period.

    The result is sorted by key. Keys must be unique and mutually comparable.

    Refuses (InvalidInput): negative weights, duplicate keys, and a non-zero total with no positive
    weight — there is nobody to pay, and money must not vanish, so callers route such a total to a
    suspense line instead. A zero total over zero weights is fine (everyone gets 0). A negative
    total (a correction) is split as the mirror image of the positive one.
    """
    _require_int(total, "total")
    if total < 0:
        return [(key, -part) for key, part in allocate(-total, weights, tie_break=tie_break)]
    items = sorted(((key, _weight(weight)) for key, weight in weights), key=lambda item: item[0])
    _require_unique_keys([key for key, _ in items])
    weight_sum = sum((weight for _, weight in items), Fraction(0))
    if weight_sum == 0:
        if total == 0:
            return [(key, 0) for key, _ in items]
        raise InvalidInput(f"Cannot allocate {total} over no positive weight; route it to suspense instead.")
    # Integer arithmetic over the weights' common denominator: a quota is total * w / W, and with
    # w = n / d, W = N / d the quota is total * n / N, whose floor and remainder are exact integers.
    denominator = math.lcm(*(weight.denominator for _, weight in items))
    scaled = [weight.numerator * (denominator // weight.denominator) for _, weight in items]
    scaled_sum = sum(scaled)
    parts, remainders = [], []
    for numerator in scaled:
        part, remainder = divmod(total * numerator, scaled_sum)
        parts.append(part)
        remainders.append(remainder)
    left_over = total - sum(parts)
    if left_over:
        ties = [tie_break(key) if tie_break else b"" for key, _ in items]
        # `items` is in key order and the sort is stable, so the key settles what the tie-break leaves.
        by_remainder = sorted(range(len(items)), key=lambda i: (-remainders[i], ties[i]))
        for index in by_remainder[:left_over]:
            parts[index] += 1
    return [(key, parts[index]) for index, (key, _) in enumerate(items)]


def payee_tie_break(salt: str) -> Callable[[Any], bytes]:
    """Ties between equal remainders ordered by SHA-256 of `salt`, a NUL byte and the key as text.

    The salt names the statement (its stream, period and currency), so which payee wins a tie
    changes from one period to the next like a fair coin, yet a rerun gives the same cents. The
    key's text is `str(key)`; docs/royalties.md spells it out so an outside script can reproduce it.
    """
    prefix = salt.encode() + b"\x00"

    def key_of(key: Any) -> bytes:
        return hashlib.sha256(prefix + str(key).encode()).digest()

    return key_of


def _weight(weight: Fraction | int) -> Fraction:
    if isinstance(weight, bool) or not isinstance(weight, Fraction | int):
        raise InvalidInput(f"A weight must be an int or Fraction, not {type(weight).__name__}.")
    if weight < 0:
        raise InvalidInput(f"A weight cannot be negative (got {weight}).")
    return Fraction(weight)


def _require_unique_keys(sorted_keys: Sequence[Any]) -> None:
    for before, after in pairwise(sorted_keys):
        if not before < after:
            raise InvalidInput(f"Each key may appear once in an allocation; {after!r} appears twice.")


def _require_int(value: object, what: str) -> None:
    # bool is an int subclass; True cents is always a bug.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"The {what} must be an int number of minor units, not {type(value).__name__}.")


def _fraction_from_text(text: str, what: str) -> Fraction:
    stripped = text.strip()
    if not stripped or len(stripped) > _MAX_AMOUNT_TEXT or not stripped.isascii():
        raise InvalidInput(f'The {what} {text!r} is not a number: write e.g. "0.6" or "1/3".')
    try:
        if "/" in stripped:
            return Fraction(stripped)
        number = Decimal(stripped)
    except (ValueError, ZeroDivisionError, InvalidOperation):
        raise InvalidInput(f'The {what} {text!r} is not a number: write e.g. "0.6" or "1/3".') from None
    if not number.is_finite():
        raise InvalidInput(f"The {what} {text!r} must be a finite number.")
    return Fraction(number)


def _example(cur: Currency) -> str:
    return format_amount(1234 * cur.scale // 100 if cur.exponent >= 2 else 1234, cur)


def _too_many_decimals(text: str, cur: Currency) -> str:
    if cur.exponent == 0:
        return f'{cur.code} has no minor unit: give whole amounts such as "1234", not {text!r}.'
    return (
        f"{cur.code} amounts have at most {cur.exponent} decimals; {text!r} has more. "
        f"Round it yourself and send e.g. {_example(cur)!r}."
    )
