"""The canonical attribution report: validation, exact totals, the digest and supersession."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from registry.attribution import (
    AttributionReport,
    Influence,
    RightType,
    supersedes,
    validate_report,
)
from registry.errors import InvalidInput
from tests.attribution_samples import ISRC_A, ISWC_A, ISWC_B, OUTPUT_HASH, canonical_report


def with_influences(*influences: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return canonical_report(influences=list(influences), **overrides)


def composition(score: str, iswc: str = ISWC_A, **extra: Any) -> dict[str, Any]:
    return {"reference": {"iswc": iswc}, "right_type": "COMPOSITION", "score": score, **extra}


def problem_fields(exc: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [item["field"] for item in exc.value.details["errors"]]


# --- a valid report ---------------------------------------------------------------------------------


def test_valid_report_is_canonicalised() -> None:
    data = canonical_report(computed_at="2025-06-01T11:30:00+02:00", output_content_hash=OUTPUT_HASH.upper())
    data["influences"][0]["reference"]["iswc"] = "t 034 524 680 1"
    data["influences"][0]["score"] = "0.500"
    report = validate_report(data)

    assert report.computed_at == datetime(2025, 6, 1, 9, 30, tzinfo=UTC)
    assert report.output_content_hash == OUTPUT_HASH
    first = report.influences[0]
    assert first.reference.iswc == "T0345246801"
    assert first.score == Decimal("0.5") and str(first.score) == "0.5"
    assert report.influences[2].reference.isrc == "GBAYE6700001"
    assert report.influences[2].segments[0].source_end == Decimal(73)


def test_totals_are_exact_and_kept_per_right_type() -> None:
    report = validate_report(canonical_report())
    assert report.total(RightType.COMPOSITION) == Decimal("0.75")
    assert report.unattributed(RightType.COMPOSITION) == Decimal("0.25")
    assert report.total(RightType.MASTER) == Decimal("0.4")
    assert [i.right_type for i in report.influences_for(RightType.MASTER)] == [RightType.MASTER]


def test_composition_and_master_each_may_reach_one() -> None:
    report = validate_report(
        with_influences(
            composition("1"), {"reference": {"isrc": ISRC_A}, "right_type": "MASTER", "score": "1"}
        )
    )
    assert report.unattributed(RightType.COMPOSITION) == 0
    assert report.unattributed(RightType.MASTER) == 0


def test_report_without_influences_is_all_unattributed() -> None:
    report = validate_report(with_influences())
    assert report.unattributed(RightType.COMPOSITION) == 1


def test_output_located_by_hash_alone() -> None:
    report = validate_report(canonical_report(output_id=None, output_content_hash=OUTPUT_HASH))
    assert report.output_id is None


def test_report_is_frozen() -> None:
    report = validate_report(canonical_report())
    with pytest.raises(ValidationError):
        report.method = "other"  # type: ignore[misc]


# --- what is refused, and where ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "fragment"),
    [
        ("1.5", "between 0 and 1"),
        ("-0.1", "between 0 and 1"),
        ("NaN", "finite"),
        ("0.1234567890123", "decimal places"),
        ("abc", "decimal"),
    ],
)
def test_bad_scores_are_refused_with_their_location(score: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_report(with_influences(composition(score)))
    assert problem_fields(exc) == ["influences[0].score"]
    assert fragment in exc.value.message


def test_float_scores_are_refused() -> None:
    with pytest.raises(InvalidInput, match="not a binary float"):
        validate_report(with_influences(composition(0.1)))  # type: ignore[arg-type]


def test_total_above_one_per_right_type_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"COMPOSITION scores add up to 1\.02"):
        validate_report(with_influences(composition("0.51"), composition("0.51", ISWC_B)))


def test_rounding_slack_of_a_hundredth_point_is_allowed_and_not_paid_twice() -> None:
    report = validate_report(with_influences(composition("0.5"), composition("0.5001", ISWC_B)))
    assert report.total(RightType.COMPOSITION) == Decimal("1.0001")
    assert report.unattributed(RightType.COMPOSITION) == 0
    with pytest.raises(InvalidInput, match="more than 1"):
        validate_report(with_influences(composition("0.5"), composition("0.5002", ISWC_B)))


def test_duplicate_reference_within_a_right_type_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"influences\[1\] names the same composition as influences\[0\]"):
        validate_report(with_influences(composition("0.2"), composition("0.3", "T0345246801")))


def test_same_work_on_both_rights_is_not_a_duplicate() -> None:
    master = {"reference": {"iswc": ISWC_A}, "right_type": "MASTER", "score": "0.3"}
    report = validate_report(with_influences(composition("0.2"), master))
    assert [(i.reference.iswc, i.right_type, i.score) for i in report.influences] == [
        ("T0345246801", RightType.COMPOSITION, Decimal("0.2")),
        ("T0345246801", RightType.MASTER, Decimal("0.3")),
    ]


@pytest.mark.parametrize(
    ("reference", "fragment"),
    [
        ({}, "give at least one of iswc, isrc, vendor_work_id"),
        ({"title": "Lonely Title"}, "a title alone cannot be matched"),
        ({"iswc": "T-034.524.680-2"}, "ISWC"),
        ({"isrc": "NOT AN ISRC"}, "ISRC"),
        ({"vendor_work_id": "   "}, "give at least one"),
    ],
)
def test_bad_references_are_refused(reference: dict[str, Any], fragment: str) -> None:
    influence = {"reference": reference, "right_type": "COMPOSITION", "score": "0.1"}
    with pytest.raises(InvalidInput) as exc:
        validate_report(with_influences(influence))
    assert problem_fields(exc)[0].startswith("influences[0].reference")
    assert fragment in exc.value.message


@pytest.mark.parametrize(
    ("segment", "fragment"),
    [
        ({"output_start": "10", "output_end": "10"}, "must be after output_start"),
        ({"output_start": "0", "output_end": "5", "source_start": "3"}, "both source_start and source_end"),
        ({"output_start": "0", "output_end": "5", "source_start": "9", "source_end": "2"}, "source_end"),
        ({"output_start": "0", "output_end": "90000"}, "between 0 and 86400"),
        ({"output_start": "0", "output_end": "1E+40"}, "far too large"),
    ],
)
def test_bad_segments_are_refused(segment: dict[str, str], fragment: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_report(with_influences(composition("0.1", segments=[segment])))
    assert problem_fields(exc)[0].startswith("influences[0].segments[0]")
    assert fragment in exc.value.message


def test_report_level_problems_are_all_listed() -> None:
    data = canonical_report(computed_at="2025-06-01T09:30:00", output_content_hash="abc", method=" ")
    with pytest.raises(InvalidInput) as exc:
        validate_report(data)
    assert set(problem_fields(exc)) == {"computed_at", "output_content_hash", "method"}
    assert "3 problems" in exc.value.message
    assert "64 hexadecimal" in exc.value.message


def test_output_must_be_locatable() -> None:
    with pytest.raises(InvalidInput, match="give output_id or output_content_hash"):
        validate_report(canonical_report(output_id=None))


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(InvalidInput, match="scroe"):
        validate_report(with_influences({**composition("0.1"), "scroe": "0.2"}))


def test_right_type_must_be_known() -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_report(with_influences({**composition("0.1"), "right_type": "LYRICS"}))
    assert problem_fields(exc) == ["influences[0].right_type"]


# --- the digest ------------------------------------------------------------------------------------


def test_digest_ignores_spelling_order_and_zone() -> None:
    base = validate_report(canonical_report())
    respelled = canonical_report(computed_at="2025-06-01T05:30:00-04:00")
    respelled["influences"].reverse()
    for influence in respelled["influences"]:
        influence["score"] = influence["score"] + "000"
    respelled["influences"][2]["reference"]["iswc"] = "T0345246801"
    respelled["influences"][1]["reference"]["creators"].reverse()
    assert validate_report(respelled).digest() == base.digest()


def test_digest_changes_with_content() -> None:
    base = validate_report(canonical_report())
    changed = canonical_report()
    changed["influences"][0]["score"] = "0.49"
    assert validate_report(changed).digest() != base.digest()
    assert validate_report(canonical_report(method_version="2.1.1")).digest() != base.digest()


def test_canonical_json_round_trips_to_the_same_digest() -> None:
    report = validate_report(canonical_report())
    again = validate_report(json.loads(report.canonical_json()))
    assert again.digest() == report.digest()
    assert len(report.digest()) == 64


def test_tiny_scores_serialise_without_exponents() -> None:
    report = validate_report(with_influences(composition("0.0000001")))
    assert b'"score":"0.0000001"' in report.canonical_json()


@given(st.randoms(use_true_random=False))
def test_digest_is_independent_of_influence_order(rng: random.Random) -> None:
    data = canonical_report()
    shuffled = copy.deepcopy(data)
    rng.shuffle(shuffled["influences"])
    assert validate_report(shuffled).digest() == validate_report(data).digest()


# --- which report counts ---------------------------------------------------------------------------


def test_the_report_received_last_supersedes_whatever_it_is_dated() -> None:
    older = validate_report(canonical_report())
    newer = validate_report(canonical_report(vendor_report_id="rep_2", computed_at="2025-07-01T00:00:00Z"))
    assert supersedes(newer, older)
    assert supersedes(older, newer)  # received after it: the service's order, not the vendor's clock


def test_identical_report_supersedes_nothing() -> None:
    report = validate_report(canonical_report())
    assert not supersedes(validate_report(canonical_report()), report)


def test_different_reports_at_the_same_instant_are_ordered_by_receipt() -> None:
    first = validate_report(canonical_report())
    second = validate_report(canonical_report(vendor_report_id="rep_2"))
    assert supersedes(second, first)


@pytest.mark.parametrize(
    "computed_at", ["9999-12-31T00:00:00Z", "0001-01-01T00:00:00Z", "1999-12-31T00:00:00Z"]
)
def test_a_computed_at_outside_the_window_is_refused(computed_at: str) -> None:
    with pytest.raises(InvalidInput, match="outside the accepted window"):
        validate_report(canonical_report(computed_at=computed_at))


def test_other_vendors_never_supersede() -> None:
    mine = validate_report(canonical_report())
    theirs = validate_report(canonical_report(vendor_id="vendor_y", computed_at="2026-01-01T00:00:00Z"))
    with pytest.raises(ValueError, match="same vendor"):
        supersedes(theirs, mine)


def test_models_can_be_built_directly() -> None:
    influence = Influence.model_validate(composition("0.2"))
    report = AttributionReport(
        output_id="out_9",
        vendor_id="v",
        vendor_report_id="r",
        method="m",
        method_version="1",
        computed_at=datetime(2025, 1, 1, tzinfo=UTC),
        influences=(influence,),
    )
    assert report.total(RightType.COMPOSITION) == Decimal("0.2")
