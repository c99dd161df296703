"""The pure attribution rules: reference resolution order, the report that counts, influence flags."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from registry.attribution import InfluenceReference, RightType
from registry.attribution_counting import CountingRule, CountingRuleKind, ReportHead, counting_report
from registry.attribution_flags import influence_flag
from registry.attribution_matching import Candidates, Match, MatchedBy, Unmatched, UnmatchedReason, resolve
from registry.errors import InvalidInput
from registry.rights import Reason, ReasonCode, Verdict

REF = InfluenceReference(
    iswc="T-034.524.680-1", isrc="GB-AYE-67-00001", vendor_work_id="v1", title="A", creators=("B",)
)
COMPOSITION = RightType.COMPOSITION


def test_identifiers_win_in_order() -> None:
    found = Candidates(iswc=("w1",), isrc=("w2",), vendor_id=("w3",), title_creators=("w4",))
    assert resolve(REF, COMPOSITION, found) == Match("w1", MatchedBy.ISWC)
    assert resolve(REF, COMPOSITION, Candidates(isrc=("w2",), vendor_id=("w3",))) == Match(
        "w2", MatchedBy.ISRC
    )
    assert resolve(REF, COMPOSITION, Candidates(vendor_id=("w3",))) == Match("w3", MatchedBy.VENDOR_ID)
    title = Candidates(title_creators=("w4",))
    assert resolve(REF, COMPOSITION, title) == Match("w4", MatchedBy.TITLE_CREATORS)


def test_master_ignores_the_iswc() -> None:
    found = Candidates(iswc=("w1",), isrc=("r1",))
    assert resolve(REF, RightType.MASTER, found) == Match("r1", MatchedBy.ISRC)


def test_several_candidates_are_ambiguous_not_guessed() -> None:
    decided = resolve(REF, COMPOSITION, Candidates(iswc=("w2", "w1", "w1")))
    assert isinstance(decided, Unmatched) and decided.reason is UnmatchedReason.AMBIGUOUS
    assert "2 works" in decided.message and "w1, w2" in decided.message


def test_reasons_for_nothing_found() -> None:
    unknown = resolve(REF, COMPOSITION, Candidates())
    assert isinstance(unknown, Unmatched) and unknown.reason is UnmatchedReason.NOT_REGISTERED
    assert "ISWC T0345246801 or ISRC GBAYE6700001 or vendor id v1" in unknown.message
    recording_only = resolve(REF, COMPOSITION, Candidates(isrc_recording_found=True))
    assert isinstance(recording_only, Unmatched) and recording_only.reason is UnmatchedReason.NO_SINGLE_WORK
    by_title = InfluenceReference(title="A", creators=("B",))
    none = resolve(by_title, COMPOSITION, Candidates())
    assert isinstance(none, Unmatched) and none.reason is UnmatchedReason.NO_MATCH


def _head(
    report_id: str, vendor: str, day: int, *, current: bool = True, designated: bool = False
) -> ReportHead:
    at = datetime(2025, 6, day, tzinfo=UTC)
    return ReportHead(report_id, vendor, at, at, current, designated)


def test_counting_rules() -> None:
    reports = [
        _head("x1", "x", 1, current=False, designated=True),
        _head("x2", "x", 2, designated=True),
        _head("y1", "y", 5),
    ]
    assert counting_report(reports, CountingRule()) == reports[1]
    assert counting_report(reports, CountingRule(CountingRuleKind.LATEST_ANY_VENDOR)) == reports[2]
    assert counting_report(reports, CountingRule(CountingRuleKind.NAMED_VENDOR, "y")) == reports[2]
    assert counting_report(reports[2:], CountingRule()) is None  # no designated vendor: none counts
    assert counting_report(reports[:1], CountingRule()) is None  # superseded reports never count


def test_rule_from_licence_terms() -> None:
    assert CountingRule.from_terms(None, None) == CountingRule()
    assert CountingRule.from_terms("NAMED_VENDOR", "v").vendor_id == "v"
    with pytest.raises(InvalidInput, match="names a vendor"):
        CountingRule.from_terms("NAMED_VENDOR", None)
    with pytest.raises(InvalidInput, match="unknown attribution rule"):
        CountingRule.from_terms("RANDOM", None)


def test_influence_flags() -> None:
    assert influence_flag("w", Verdict(licensable=True)) is None
    declined = Verdict(
        False, [Reason(ReasonCode.NO_CONSENT, "none."), Reason(ReasonCode.WORK_DECLINED, "no.")]
    )
    flag = influence_flag("w", declined)
    assert (
        flag is not None and flag.code == "WORK_DECLINED" and flag.reasons == ("NO_CONSENT", "WORK_DECLINED")
    )
    missing = influence_flag("w", Verdict(False, [Reason(ReasonCode.NO_CONSENT, "none.")]))
    assert missing is not None and missing.code == "WORK_NOT_LICENSABLE"
