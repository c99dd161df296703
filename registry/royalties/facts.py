"""From graph facts to the inputs of the stream rules: work status, licence terms, lineage, reports.

The graph layer reads rows; these pure functions decide what the rows mean for money, so the
decisions (which licensability reason suspends a work, how a report's confidence is measured, how
a lineage sums its weights) are made in one place and tested without a database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from functools import lru_cache
from typing import Any

from registry.money import to_fraction
from registry.rights import ReasonCode, Scope, WorkFacts, work_reasons
from registry.royalties.model import (
    Collector,
    InfluenceInput,
    LicenceTerms,
    PathStep,
    ReportInput,
    TrainingBase,
    TrainingSplit,
    WorkInput,
    WorkStatus,
    WorkUsage,
)
from registry.shares import Right, Share, ShareRole

__all__ = [
    "UNMATCHED_PREFIX",
    "ChainRow",
    "InfluenceFact",
    "LineageUse",
    "ReportFacts",
    "ShareRow",
    "collectors",
    "lineage_usages",
    "report_confidence",
    "report_input",
    "terms_from_version",
    "work_input",
    "work_status",
]

# Unmatched vendor references become pseudo-works whose id says what they are; never a real work id.
UNMATCHED_PREFIX = "unmatched:"

# The strongest reason wins when a work fails for several: a decline is the creator's explicit
# word, a withdrawal the society's, a missing consent merely an absence.
_STATUS_OF_REASON: dict[ReasonCode, WorkStatus] = {
    ReasonCode.WORK_DECLINED: WorkStatus.DECLINED,
    ReasonCode.WORK_WITHDRAWN: WorkStatus.WITHDRAWN,
    ReasonCode.NO_CONSENT: WorkStatus.NO_CONSENT,
    ReasonCode.CONSENT_REVOKED: WorkStatus.NO_CONSENT,
}
_PRECEDENCE = (WorkStatus.DECLINED, WorkStatus.WITHDRAWN, WorkStatus.DISPUTED, WorkStatus.NO_CONSENT)


def work_status(facts: WorkFacts | None, scope: Scope, at: datetime) -> WorkStatus:
    """Whether the work could be paid for `scope` at `at`, by registry.rights (the one licensability rule).

    A work with no share holders at all is left LICENSABLE here on purpose: the stream rule then
    suspends its money as NO_SHARES, which says more than "no consent" would.
    """
    if facts is None:
        return WorkStatus.UNKNOWN
    found = {_STATUS_OF_REASON[r.code] for r in work_reasons(facts, scope, at) if r.code in _STATUS_OF_REASON}
    if facts.disputed:
        found.add(WorkStatus.DISPUTED)
    return next((status for status in _PRECEDENCE if status in found), WorkStatus.LICENSABLE)


@dataclass(frozen=True, slots=True)
class ShareRow:
    """One HOLDS_SHARE edge as read from the graph."""

    holder_id: str
    role: str
    performing_bp: int
    mechanical_bp: int
    synchronisation_bp: int


@dataclass(frozen=True, slots=True)
class ChainRow:
    """One publisher chain of a work as read from the graph: its members (creator id, CWR role code)
    in chain order, and the writers it publishes for (PWR)."""

    number: int
    members: tuple[tuple[str, str], ...]
    writers: tuple[str, ...]


# Who in a chain collects: an administrator (AM) collects for the original publisher (E) it administers;
# sub-publishers (SE) collect only in their territories, and an AI use has none, so they never do here.
_COLLECTING_ROLES = ("AM", "E")


def collectors(chains: Iterable[ChainRow]) -> tuple[Collector, ...]:
    """For each writer a chain publishes for, who collects: the chain's administrator, else its original
    publisher. A writer named by several chains is collected for by the lowest-numbered one."""
    found: dict[str, Collector] = {}
    for chain in sorted(chains, key=lambda c: c.number):
        publisher = next(
            (cid for role in _COLLECTING_ROLES for cid, code in chain.members if code == role), None
        )
        if publisher is None:
            continue
        for writer in chain.writers:
            found.setdefault(writer, Collector(writer, publisher, chain.number))
    return tuple(found[writer] for writer in sorted(found))


def work_input(
    work_id: str, shares: Iterable[ShareRow], status: WorkStatus, chains: Iterable[ChainRow] = ()
) -> WorkInput:
    """A work with its registered shares (rows of one holder in one role summed, never twice) and who
    collects for its writers (`collectors`)."""
    summed: dict[tuple[str, str], list[int]] = {}
    for row in shares:
        bp = summed.setdefault((row.holder_id, row.role), [0, 0, 0])
        bp[0] += row.performing_bp
        bp[1] += row.mechanical_bp
        bp[2] += row.synchronisation_bp
    return WorkInput(
        work_id,
        tuple(
            Share(
                holder_id=holder,
                role=ShareRole(role),
                performing_bp=min(bp[0], 10_000),
                mechanical_bp=min(bp[1], 10_000),
                synchronisation_bp=min(bp[2], 10_000),
            )
            for (holder, role), bp in sorted(summed.items())
        ),
        status,
        collectors(chains),
    )


def terms_from_version(props: Mapping[str, Any] | None) -> LicenceTerms:
    """A licence version's node properties as the terms the rules read (defaults when there is none)."""
    if props is None:
        return LicenceTerms("none", "-")
    rights = json.loads(props.get("stream_rights") or "{}")
    return LicenceTerms(
        licence_id=str(props.get("licence_id") or props.get("id")),
        version=str(props.get("version") or "-"),
        training_right=Right(rights.get(Scope.TRAINING.value, Right.MECHANICAL.value)),
        service_use_right=Right(rights.get(Scope.SERVICE_USE.value, Right.PERFORMING.value)),
        output_use_right=Right(rights.get(Scope.OUTPUT_USE.value, Right.PERFORMING.value)),
        confidence_threshold=to_fraction(props.get("confidence_threshold") or "0"),
        training_split=TrainingSplit.WEIGHTED if props.get("training_weighted") else TrainingSplit.EQUAL,
        training_base=TrainingBase(props.get("training_basis") or TrainingBase.USED_WORKS.value),
        service_use_rate=to_fraction(props.get("service_rate") or "1"),
        output_use_rate=to_fraction(props.get("output_rate") or "1"),
        minimum_payout=int(props.get("minimum_payout") or 0),
        publisher_collects=bool(props.get("publisher_collects")),
    )


@dataclass(frozen=True, slots=True)
class LineageUse:
    """One run's use of one work, reached from a model through `via` (the fine-tune chain, if any)."""

    work_id: str
    run_id: str
    model_id: str
    weight: str


def lineage_usages(uses: Iterable[LineageUse], works: Mapping[str, WorkInput]) -> list[WorkUsage]:
    """A model's training lineage as usages: each work once, its weights summed over every run.

    The path names each run (and the model it produced) so a line says which training put it there.
    """
    weights: dict[str, Fraction] = {}
    steps: dict[str, list[PathStep]] = {}
    for use in sorted(uses, key=lambda u: (u.work_id, u.model_id, u.run_id)):
        weight = _exact(use.weight)
        weights[use.work_id] = weights.get(use.work_id, Fraction(0)) + weight
        detail = f"produced model {use.model_id}, used with weight {use.weight}"
        steps.setdefault(use.work_id, []).append(PathStep("TrainingRun", use.run_id, detail))
    return [
        WorkUsage(works[work_id], weights[work_id], tuple(steps[work_id]))
        for work_id in sorted(weights)
        if work_id in works
    ]


@dataclass(frozen=True, slots=True)
class InfluenceFact:
    """An influence of the counting report: on a work (`work_id`) or unmatched (`reference`)."""

    score: str
    confidence: str | None
    work_id: str | None = None
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class ReportFacts:
    """The counting report as read, its influence edges in three parallel sequences (a distribution
    reads two million edges: one object per edge was a fifth of its time). The first `matched`
    references are work ids; the rest are vendor references that matched no work."""

    report_id: str
    vendor: str
    references: Sequence[str]
    scores: Sequence[str]
    confidences: Sequence[str | None]
    matched: int

    def work_ids(self) -> Sequence[str]:
        return self.references[: self.matched]


@lru_cache(maxsize=4096)
def _exact(text: str) -> Fraction:
    """A decimal string as a Fraction, remembered: a period repeats the same few scores and weights."""
    return to_fraction(text, what="score, weight or confidence")


def report_confidence(influences: Iterable[InfluenceFact]) -> Fraction:
    """A report's confidence: its influences' confidences weighted by their scores.

    Vendors give a confidence per influence; the threshold of a licence applies to the report as a
    whole, and a weak guess about a tiny influence should not sink a confident report, so each
    confidence counts as much as the share of the output it is about. An influence without a
    confidence counts as certain (the vendor did not qualify it); a report with no scores, as certain.
    """
    listed = list(influences)
    return _weighted_confidence([i.score for i in listed], [i.confidence for i in listed])


def _weighted_confidence(scores: Sequence[str], confidences: Sequence[str | None]) -> Fraction:
    """`report_confidence` over parallel sequences of scores and confidences."""
    # Summed as integers per denominator (one Fraction per sum at the end, not a gcd per influence).
    weighted: dict[int, int] = {}
    total: dict[int, int] = {}
    for text, confidence_text in zip(scores, confidences, strict=True):
        score = _exact(text)
        confidence = _exact(confidence_text) if confidence_text else _ONE
        d = score.denominator
        total[d] = total.get(d, 0) + score.numerator
        d *= confidence.denominator
        weighted[d] = weighted.get(d, 0) + score.numerator * confidence.numerator
    whole = _summed(total)
    return _summed(weighted) / whole if whole else Fraction(1)


_ONE = Fraction(1)


def _summed(sums: Mapping[int, int]) -> Fraction:
    return sum((Fraction(n, d) for d, n in sums.items()), Fraction(0))


def report_input(report: ReportFacts, work: Callable[[str], WorkInput]) -> ReportInput:
    """The counting report with its influences resolved: matched ones to works (`work` judges a work
    id), the rest UNMATCHED.

    Two references of one report can resolve to the same work (an ISWC and the vendor's id); their
    scores are added, as the rules take each work once, and a sum above 1 counts as 1.
    """
    scores: dict[str, Fraction] = {}
    resolved: dict[str, WorkInput] = {}
    matched = report.matched
    for n, (reference, text) in enumerate(zip(report.references, report.scores, strict=True)):
        found = work(reference) if n < matched else _unmatched(reference)
        score = _exact(text)
        key = found.work_id
        before = scores.get(key)
        scores[key] = score if before is None else before + score
        resolved[key] = found
    merged = tuple(InfluenceInput(resolved[key], _at_most_one(scores[key])) for key in sorted(resolved))
    return ReportInput(
        report.report_id, report.vendor, _weighted_confidence(report.scores, report.confidences), merged
    )


def _unmatched(reference: str) -> WorkInput:
    return WorkInput(f"{UNMATCHED_PREFIX}{reference}", (), WorkStatus.UNMATCHED)


def _at_most_one(score: Fraction) -> Fraction:
    # min(score, 1) by the integer terms (a Fraction's denominator is positive): no Fraction comparison.
    return score if score.numerator <= score.denominator else _ONE
