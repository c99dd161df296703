"""Shares per right in basis points: parsing, CWR codes and the 100 % (±0.06) rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from registry.errors import InvalidInput
from registry.shares import (
    FULL_BP,
    PUBLISHER_ROLES,
    TOLERANCE_BP,
    WRITER_ROLES,
    Right,
    Share,
    ShareRole,
    bp_to_percent_str,
    cwr_code,
    is_valid_total,
    percent_to_bp,
    role_from_cwr,
    total_by_right,
    validate_work_shares,
)


def share(
    holder: str, performing: int, mechanical: int = 0, sync: int = 0, role: ShareRole = ShareRole.COMPOSER
) -> Share:
    return Share(
        holder_id=holder,
        role=role,
        performing_bp=performing,
        mechanical_bp=mechanical,
        synchronisation_bp=sync,
    )


# --- percent_to_bp / bp_to_percent_str --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "bp"),
    [
        ("33.33", 3333),
        ("100", 10000),
        ("100.00", 10000),
        ("50", 5000),
        ("12.5", 1250),
        ("0.01", 1),
        (".5", 50),
        ("0", 0),
        ("33.330", 3333),
        (" 16.66 ", 1666),
        ("16.66%", 1666),
        ("16.66 %", 1666),
        # CWR 999v99: five digits, implied point before the last two
        ("03333", 3333),
        ("05000", 5000),
        ("10000", 10000),
        ("01666", 1666),
        ("00000", 0),
        ("00001", 1),
    ],
)
def test_percent_to_bp(text: str, bp: int) -> None:
    assert percent_to_bp(text) == bp


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("33.333", "more than two decimal places"),
        ("33,33", "not a percentage"),
        ("-5", "not a percentage"),
        ("", "not a percentage"),
        ("1e2", "not a percentage"),
        ("abc", "not a percentage"),
        ("100.01", "is 100.01 %; a share is at most 100 %"),
        ("10001", "is 100.01 %"),
        ("5000", "is 5000.00 %"),
    ],
)
def test_percent_to_bp_rejects(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        percent_to_bp(text)


@pytest.mark.parametrize(
    ("bp", "text"),
    [(0, "0.00"), (1, "0.01"), (3333, "33.33"), (9950, "99.50"), (10000, "100.00"), (-25, "-0.25")],
)
def test_bp_to_percent_str(bp: int, text: str) -> None:
    assert bp_to_percent_str(bp) == text


@given(st.integers(min_value=0, max_value=FULL_BP))
def test_percent_round_trip(bp: int) -> None:
    assert percent_to_bp(bp_to_percent_str(bp)) == bp
    assert percent_to_bp(f"{bp:05d}") == bp


# --- roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "role"),
    [
        ("C ", ShareRole.COMPOSER),
        ("C", ShareRole.COMPOSER),
        ("A ", ShareRole.LYRICIST),
        ("CA", ShareRole.COMPOSER_LYRICIST),
        ("AR", ShareRole.ARRANGER),
        ("AD", ShareRole.ADAPTER),
        ("TR", ShareRole.TRANSLATOR),
        ("SA", ShareRole.SUB_AUTHOR),
        ("SR", ShareRole.SUB_ARRANGER),
        ("PA", ShareRole.INCOME_PARTICIPANT),
        ("E ", ShareRole.PUBLISHER),
        ("SE", ShareRole.SUB_PUBLISHER),
        ("AM", ShareRole.ADMINISTRATOR),
        ("AQ", ShareRole.ACQUIRER),
        ("ES", ShareRole.SUBSTITUTED_PUBLISHER),
        ("ca", ShareRole.COMPOSER_LYRICIST),
    ],
)
def test_role_from_cwr(code: str, role: ShareRole) -> None:
    assert role_from_cwr(code) == role


@pytest.mark.parametrize("code", ["XX", "  ", "", "P"])
def test_unknown_cwr_code_lists_the_known_ones(code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        role_from_cwr(code)
    assert "expected one of A, AD, AM, AQ, AR, C, CA, E, ES, PA, SA, SE, SR, TR" in caught.value.message
    assert caught.value.details["code"] == code


def test_every_role_has_a_cwr_code_that_maps_back() -> None:
    for role in ShareRole:
        assert role_from_cwr(cwr_code(role)) is role


def test_writer_and_publisher_roles_are_disjoint_and_leave_only_income_participant() -> None:
    assert not WRITER_ROLES & PUBLISHER_ROLES
    assert set(ShareRole) - WRITER_ROLES - PUBLISHER_ROLES == {ShareRole.INCOME_PARTICIPANT}


# --- Share model ------------------------------------------------------------------------------


def test_share_holds_basis_points_per_right() -> None:
    held = share("c1", 5000, 2500, 10000)
    assert held.bp(Right.PERFORMING) == 5000
    assert held.bp(Right.MECHANICAL) == 2500
    assert held.bp(Right.SYNCHRONISATION) == 10000


def test_share_is_frozen() -> None:
    held = share("c1", 5000)
    with pytest.raises(ValidationError):
        held.performing_bp = 1  # type: ignore[misc]


@pytest.mark.parametrize("bad", [-1, 10001])
def test_share_out_of_range_is_rejected(bad: int) -> None:
    with pytest.raises(ValidationError):
        share("c1", bad)


@pytest.mark.parametrize("not_an_int", [50.0, 33.33, "5000", True])
def test_share_accepts_only_integers(not_an_int: object) -> None:
    with pytest.raises(ValidationError):
        Share.model_validate(
            {
                "holder_id": "c1",
                "role": "COMPOSER",
                "performing_bp": not_an_int,
                "mechanical_bp": 0,
                "synchronisation_bp": 0,
            }
        )


def test_share_rejects_empty_holder_and_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        share("", 100)
    with pytest.raises(ValidationError):
        Share.model_validate(
            {
                "holder_id": "c1",
                "role": "COMPOSER",
                "performing_bp": 0,
                "mechanical_bp": 0,
                "synchronisation_bp": 0,
                "share_pct": 1,
            }
        )


def test_share_role_from_string() -> None:
    parsed = Share.model_validate(
        {
            "holder_id": "p1",
            "role": "PUBLISHER",
            "performing_bp": 1,
            "mechanical_bp": 2,
            "synchronisation_bp": 3,
        }
    )
    assert parsed.role is ShareRole.PUBLISHER


# --- totals and validation --------------------------------------------------------------------


def test_total_by_right_has_every_right() -> None:
    totals = total_by_right([share("a", 5000, 3000, 0), share("b", 2500, 7000, 0)])
    assert totals == {Right.PERFORMING: 7500, Right.MECHANICAL: 10000, Right.SYNCHRONISATION: 0}
    assert total_by_right([]) == {Right.PERFORMING: 0, Right.MECHANICAL: 0, Right.SYNCHRONISATION: 0}


def assert_accepted(shares: list[Share], totals: tuple[int, int, int]) -> None:
    """The totals the rule judged, then the verdict (a refusal raises InvalidInput and fails the test)."""
    assert tuple(total_by_right(shares).values()) == totals
    validate_work_shares(shares)


def test_full_shares_pass() -> None:
    full = [share("w", 5000, 0, 0), share("p", 5000, 10000, 10000, role=ShareRole.PUBLISHER)]
    assert_accepted(full, (10000, 10000, 10000))
    # Without the writer, performing adds up to 50 % and is refused: the rule judged these totals.
    with pytest.raises(InvalidInput, match=r"performing shares add up to 50\.00 %"):
        validate_work_shares(full[1:])


def test_rounded_thirds_pass() -> None:
    thirds = [share(name, 3333, 3333, 3333) for name in ("a", "b", "c")]
    assert total_by_right(thirds)[Right.PERFORMING] == 9999
    validate_work_shares(thirds)


def test_no_shares_pass() -> None:
    assert_accepted([], (0, 0, 0))


def test_a_right_nobody_holds_passes() -> None:
    assert_accepted([share("a", 10000, 0, 0)], (10000, 0, 0))
    with pytest.raises(InvalidInput, match=r"mechanical shares add up to 0\.01 %"):
        validate_work_shares([share("a", 10000, 1, 0)])


@pytest.mark.parametrize("total", [9994, 9997, 10000, 10006, 0])
def test_totals_inside_tolerance(total: int) -> None:
    assert is_valid_total(total)
    first = min(total, 6000)
    validate_work_shares([share("a", first), share("b", total - first)])


@pytest.mark.parametrize("total", [9993, 10007, 1, 5000, 20000])
def test_totals_outside_tolerance(total: int) -> None:
    assert not is_valid_total(total)


def test_tolerance_edges_in_a_work() -> None:
    with pytest.raises(InvalidInput):
        validate_work_shares([share("a", 6000), share("b", 3993)])
    with pytest.raises(InvalidInput):
        validate_work_shares([share("a", 10000), share("b", 7)])


def test_bad_total_names_the_right_and_percent() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_work_shares([share("a", 5000, 5000, 5000), share("b", 4950, 5000, 5000)])
    assert caught.value.message == "performing shares add up to 99.50 %, expected 100 % (±0.06) or 0"
    assert caught.value.details == {
        "totals_bp": {"PERFORMING": 9950, "MECHANICAL": 10000, "SYNCHRONISATION": 10000},
        "invalid_rights": ["PERFORMING"],
        "expected_bp": FULL_BP,
        "tolerance_bp": TOLERANCE_BP,
    }


def test_every_bad_right_is_named() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_work_shares([share("a", 10000, 6000, 2500), share("b", 10000, 0, 0)])
    message = caught.value.message
    assert "performing shares add up to 200.00 %" in message
    assert "mechanical shares add up to 60.00 %" in message
    assert "synchronisation shares add up to 25.00 %" in message
    assert caught.value.details["invalid_rights"] == ["PERFORMING", "MECHANICAL", "SYNCHRONISATION"]


@given(st.lists(st.integers(min_value=0, max_value=FULL_BP), min_size=1, max_size=6))
def test_validation_agrees_with_the_sum(performing: list[int]) -> None:
    shares = [share(f"h{index}", bp) for index, bp in enumerate(performing)]
    total = sum(performing)
    if total == 0 or FULL_BP - TOLERANCE_BP <= total <= FULL_BP + TOLERANCE_BP:
        validate_work_shares(shares)
    else:
        with pytest.raises(InvalidInput, match=f"performing shares add up to {bp_to_percent_str(total)} %"):
            validate_work_shares(shares)
