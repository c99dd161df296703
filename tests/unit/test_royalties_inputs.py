"""Usage report inputs, the output-use CSV, and the graph facts -> rule inputs conversions (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import pytest

from registry.errors import InvalidInput
from registry.rights import ConsentFacts, Decision, HolderFacts, Scope, WorkFacts, WorkState
from registry.royalties import Stream, WorkStatus
from registry.royalties.export import csv_header, csv_rows, json_head, json_rows, json_tail
from registry.royalties.facts import InfluenceFact, report_confidence, terms_from_version, work_status
from registry.usage import Period, UsageInput, parse_output_usage_csv, usage_report_id

T = datetime(2026, 1, 1, tzinfo=UTC)


def test_period_bounds_and_refusals() -> None:
    assert (Period.parse("2026-12").start, Period.parse("2026-12").end) == (
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    for bad in ("2026-13", "2026-1", "26-01", "2026/01", ""):
        with pytest.raises(InvalidInput):
            Period.parse(bad)


def test_usage_id_is_the_natural_key_and_separators_cannot_collide() -> None:
    a = UsageInput.of(
        licensee_id="a|b", stream="OUTPUT_USE", period="2026-10", subject_id="c", amount="1", currency="eur"
    )
    b = UsageInput.of(
        licensee_id="a", stream="OUTPUT_USE", period="2026-10", subject_id="b|c", amount="1", currency="EUR"
    )
    assert a.id != b.id and a.sort_key != b.sort_key
    assert a.id == usage_report_id("a|b", Stream.OUTPUT_USE, "2026-10", "c")
    assert (a.amount, a.currency) == (100, "EUR")


def test_csv_reports_every_problem_with_line_and_column() -> None:
    lines, errors = parse_output_usage_csv(
        "output_id,amount,currency\r\nO1,1.00,EUR\r\n,2,EUR\r\nO2,1,2,3\r\n\r\n"
    )
    assert [(line.line, line.output_id, line.amount) for line in lines] == [(2, "O1", 100)]
    assert [(e.line, e.column) for e in errors] == [(3, "output_id"), (4, None)]
    assert parse_output_usage_csv("")[1][0].line == 1


def _work(decision: Decision | None, state: WorkState = WorkState.ACTIVE) -> WorkFacts:
    consents = (
        ()
        if decision is None
        else (
            ConsentFacts("k", decision, frozenset(Scope), datetime(2020, 1, 1, tzinfo=UTC), catalogue=True),
        )
    )
    return WorkFacts("W", state, (HolderFacts("C", 10000, consents),))


def test_work_status_follows_the_licensability_rule_strongest_reason_first() -> None:
    assert work_status(_work(Decision.OPT_IN), Scope.OUTPUT_USE, T) is WorkStatus.LICENSABLE
    assert work_status(_work(Decision.DECLINE), Scope.OUTPUT_USE, T) is WorkStatus.DECLINED
    assert work_status(_work(None), Scope.OUTPUT_USE, T) is WorkStatus.NO_CONSENT
    assert work_status(_work(None, WorkState.WITHDRAWN), Scope.OUTPUT_USE, T) is WorkStatus.WITHDRAWN
    assert work_status(None, Scope.OUTPUT_USE, T) is WorkStatus.UNKNOWN


def test_report_confidence_is_weighted_by_score() -> None:
    facts = [InfluenceFact("0.6", "1", work_id="a"), InfluenceFact("0.2", "0.2", work_id="b")]
    assert report_confidence(facts) == (Fraction(6, 10) + Fraction(4, 100)) / Fraction(8, 10)
    assert report_confidence([InfluenceFact("0.5", None, work_id="a")]) == 1
    assert report_confidence([]) == 1


def test_terms_from_a_licence_version() -> None:
    terms = terms_from_version(
        {"id": "v", "licence_id": "L", "version": "2", "output_rate": "0.1", "confidence_threshold": "0.5"}
    )
    assert (terms.output_use_rate, terms.confidence_threshold, terms.licence_id) == (
        Fraction(1, 10),
        Fraction(1, 2),
        "L",
    )
    assert terms.pool_for(Stream.OUTPUT_USE, 15) == 2  # 1.5 rounds half to even


def test_exports_quote_and_keep_amounts_exact() -> None:
    line = {
        "statement_id": "s",
        "n": 0,
        "subjects": 3,
        "work_id": "O,1",
        "kind": "PAY",
        "basis": "ATTRIBUTION",
        "holder_id": "A",
        "amount": 1005,
        "explanation": 'Output "O,1" -> Creator A',
    }
    text = csv_header() + csv_rows([line], "EUR")
    assert '"O,1"' in text and ",10.05,EUR," in text
    doc = (
        json_head({"id": "s"}) + json_rows([line], "EUR", first=True) + json_rows([line], "EUR", first=False)
    )
    assert (doc + json_tail()).count('"amount": "10.05"') == 2
