"""Money: parsing and formatting minor units, exact ratios, and largest-remainder allocation."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.errors import InvalidInput
from registry.money import (
    Currency,
    allocate,
    format_amount,
    parse_amount,
    pool_at_rate,
    supported_currencies,
    to_fraction,
)

# --- currencies --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "exponent"),
    [("EUR", 2), ("usd", 2), ("GBP", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3), (" chf ", 2)],
)
def test_currency_exponents_follow_iso_4217(code: str, exponent: int) -> None:
    assert Currency.of(code).exponent == exponent
    assert Currency.of(code).code == code.strip().upper()


def test_unknown_currency_is_refused_with_a_hint() -> None:
    with pytest.raises(InvalidInput, match="ISO 4217"):
        Currency.of("EURO")


def test_supported_currencies_are_sorted_codes() -> None:
    codes = supported_currencies()
    assert codes == sorted(codes)
    assert {"EUR", "JPY", "KWD"} <= set(codes)


# --- parse_amount / format_amount --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.34", "EUR", 1234),
        ("12.3", "EUR", 1230),
        ("12", "EUR", 1200),
        ("0.05", "USD", 5),
        (" 7.00 ", "GBP", 700),
        ("+1.50", "EUR", 150),
        ("1234", "JPY", 1234),
        ("1.234", "KWD", 1234),
        ("0", "EUR", 0),
        ("-0.00", "EUR", 0),
    ],
)
def test_parse_amount(text: str, currency: str, minor: int) -> None:
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "fix"),
    [
        ("12.345", "EUR", "at most 2 decimals"),
        ("12.340", "EUR", "at most 2 decimals"),
        ("1.5", "JPY", "no minor unit"),
        ("1.2345", "KWD", "at most 3 decimals"),
        ("-1.00", "EUR", "negative"),
        ("abc", "EUR", "not an amount"),
        ("", "EUR", "not an amount"),
        ("1,000.00", "EUR", "thousands separators"),
        ("1e3", "EUR", "exponent"),
        (".5", "EUR", "not an amount"),
        ("12.", "EUR", "not an amount"),
        ("\u0661\u0662", "EUR", "not an amount"),  # Arabic-Indic digits: ASCII only
        ("1" * 41, "EUR", "too long"),
    ],
)
def test_parse_amount_refuses_and_says_what_to_fix(text: str, currency: str, fix: str) -> None:
    with pytest.raises(InvalidInput, match=fix):
        parse_amount(text, currency)


def test_parse_amount_allows_negative_when_asked() -> None:
    assert parse_amount("-12.34", "EUR", allow_negative=True) == -1234


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (1234, "EUR", "12.34"),
        (5, "EUR", "0.05"),
        (0, "EUR", "0.00"),
        (-1234, "EUR", "-12.34"),
        (-5, "USD", "-0.05"),
        (1234, "JPY", "1234"),
        (1234, "KWD", "1.234"),
        (10**20, "EUR", "1000000000000000000.00"),
    ],
)
def test_format_amount(minor: int, currency: str, text: str) -> None:
    assert format_amount(minor, currency) == text


def test_format_amount_refuses_floats() -> None:
    with pytest.raises(TypeError):
        format_amount(12.34, "EUR")  # type: ignore[arg-type]


@given(st.integers(min_value=-(10**18), max_value=10**18), st.sampled_from(["EUR", "JPY", "KWD"]))
def test_format_then_parse_round_trips(minor: int, currency: str) -> None:
    assert parse_amount(format_amount(minor, currency), currency, allow_negative=True) == minor


# --- to_fraction / pool_at_rate ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.6", Fraction(3, 5)),
        ("1/3", Fraction(1, 3)),
        (Decimal("0.25"), Fraction(1, 4)),
        (2, Fraction(2)),
        (Fraction(2, 7), Fraction(2, 7)),
    ],
)
def test_to_fraction_is_exact(value: Fraction | Decimal | int | str, expected: Fraction) -> None:
    assert to_fraction(value) == expected


@pytest.mark.parametrize("value", [0.6, True, "abc", "1/0", "NaN", Decimal("Infinity"), ""])
def test_to_fraction_refuses_inexact_or_garbage(value: object) -> None:
    with pytest.raises(InvalidInput):
        to_fraction(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "rate", "pool"),
    [
        (10000, Fraction(15, 100), 1500),
        (5, Fraction(1, 2), 2),  # 2.5 -> 2 (half to even)
        (7, Fraction(1, 2), 4),  # 3.5 -> 4 (half to even)
        (10, Fraction(1, 3), 3),
        (20, Fraction(1, 3), 7),
        (0, Fraction(1, 2), 0),
    ],
)
def test_pool_at_rate_rounds_half_to_even(amount: int, rate: Fraction, pool: int) -> None:
    assert pool_at_rate(amount, rate) == pool


# --- allocate: worked examples -----------------------------------------------------------------


def test_allocate_thirds_of_one_hundred_euros() -> None:
    # 10000 cents / 3 = 3333 1/3 each: floors sum to 9999, the one cent left goes to the
    # smallest key since all three remainders (1/3) tie.
    assert allocate(10000, [("c", 1), ("a", 1), ("b", 1)]) == [("a", 3334), ("b", 3333), ("c", 3333)]


def test_allocate_gives_left_over_units_to_the_largest_remainders() -> None:
    # Quotas of 10 over 1:2:4 are 10/7 = 1.43, 20/7 = 2.86, 40/7 = 5.71: floors 1, 2, 5 leave 2
    # units, which go to the remainders .86 (b) and .71 (c), not to a (.43).
    assert allocate(10, [("a", 1), ("b", 2), ("c", 4)]) == [("a", 1), ("b", 3), ("c", 6)]


def test_allocate_exact_fractions() -> None:
    assert allocate(100, [("x", Fraction(1, 4)), ("y", Fraction(3, 4))]) == [("x", 25), ("y", 75)]


def test_allocate_zero_weight_gets_nothing() -> None:
    assert allocate(1, [("a", 0), ("b", 1), ("c", 1)]) == [("a", 0), ("b", 1), ("c", 0)]


def test_allocate_negative_total_mirrors_positive() -> None:
    assert allocate(-10000, [("a", 1), ("b", 1), ("c", 1)]) == [("a", -3334), ("b", -3333), ("c", -3333)]


def test_allocate_zero_total_over_zero_weights_is_all_zero() -> None:
    assert allocate(0, [("a", 0), ("b", 0)]) == [("a", 0), ("b", 0)]
    assert allocate(0, []) == []


@pytest.mark.parametrize(
    ("total", "weights", "message"),
    [
        (100, [("a", 0), ("b", 0)], "suspense"),
        (100, [], "suspense"),
        (100, [("a", -1), ("b", 2)], "negative"),
        (100, [("a", 1), ("a", 2)], "twice"),
        (100, [("a", 0.5)], "int or Fraction"),
    ],
)
def test_allocate_refuses(total: int, weights: list[tuple[str, object]], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        allocate(total, weights)  # type: ignore[arg-type]


# --- allocate: properties ----------------------------------------------------------------------

weights_st = st.dictionaries(
    st.text(alphabet="abcdefgh", min_size=1, max_size=3),
    st.fractions(min_value=0, max_value=1000, max_denominator=97),
    min_size=1,
    max_size=12,
).filter(lambda w: sum(w.values()) > 0)


@given(st.integers(min_value=0, max_value=10**12), weights_st)
def test_allocate_conserves_and_stays_within_one_unit_of_exact(
    total: int, weights: dict[str, Fraction]
) -> None:
    result = allocate(total, list(weights.items()))
    assert sum(part for _, part in result) == total
    weight_sum = sum(weights.values())
    for key, part in result:
        exact = total * weights[key] / weight_sum
        assert part >= 0
        assert exact - 1 < part < exact + 1
        if weights[key] == 0:
            assert part == 0


@given(st.integers(min_value=0, max_value=10**9), weights_st, st.randoms(use_true_random=False))
def test_allocate_ignores_input_order(total: int, weights: dict[str, Fraction], rnd: random.Random) -> None:
    items = list(weights.items())
    shuffled = items[:]
    rnd.shuffle(shuffled)
    assert allocate(total, shuffled) == allocate(total, items)
    assert [key for key, _ in allocate(total, items)] == sorted(weights)


@given(st.integers(min_value=0, max_value=10**9), weights_st)
def test_allocate_is_monotone_in_weight(total: int, weights: dict[str, Fraction]) -> None:
    # Largest remainder never pays a strictly smaller weight more than a larger one.
    result = dict(allocate(total, list(weights.items())))
    for a in weights:
        for b in weights:
            if weights[a] < weights[b]:
                assert result[a] <= result[b]
