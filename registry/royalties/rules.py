"""The stream rules: training, service use and output use, as pure functions.

Every rule works in two steps. First it splits the whole pool into exact `Fraction`s of 1, down
to leaves (holder x role x work x rule, or a suspense reason x work x rule); the fractions add up
to exactly 1. Then `_settle` rounds once, over all leaves together, with `registry.money.allocate`
(largest remainder, ties to the smallest sort key). Rounding per work and then per holder would
lose or invent a minor unit at each level; rounding once is what makes conservation exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction

from registry.errors import InvalidInput
from registry.money import Currency, allocate, format_amount
from registry.royalties.model import (
    Basis,
    Distribution,
    LicenceTerms,
    Line,
    PathStep,
    ReportInput,
    Stream,
    SuspenseLine,
    SuspenseReason,
    TrainingBase,
    TrainingSplit,
    WorkInput,
    WorkUsage,
    require_unique_works,
    suspense_reason,
)
from registry.shares import Right, bp_to_percent_str

Leaf = Line | SuspenseLine

_WHY: dict[SuspenseReason, str] = {
    SuspenseReason.NO_CONSENT: "not every share holder had consent in force for this use at the time",
    SuspenseReason.DECLINED: "its rights holders declined the licence (monitored, never licensed)",
    SuspenseReason.WITHDRAWN: "it was withdrawn from the licence",
    SuspenseReason.UNKNOWN_WORK: "no registered work has this id",
    SuspenseReason.UNMATCHED_REFERENCE: "the vendor's reference matched no registered work",
    SuspenseReason.DISPUTED: "claims on it add up to more than 100 % of a right; an ADMIN must resolve them",
}


def distribute_training(
    fee: int,
    currency: str,
    *,
    run_id: str,
    terms: LicenceTerms,
    used: Sequence[WorkUsage],
    catalogue: Sequence[WorkUsage] = (),
) -> Distribution:
    """Split a run's fixed training fee over the included works, then within each by shares.

    Included works: those the run used, or, when the licence's `training_base` is CATALOGUE, the
    licensed catalogue when the grant was made (`catalogue`). Equal split unless the licence's
    `training_split` is WEIGHTED. A used work that was not licensable keeps its portion, in
    suspense: it is never handed to the other works.
    """
    included = catalogue if terms.training_base is TrainingBase.CATALOGUE else used
    weighted = terms.training_split is TrainingSplit.WEIGHTED
    usages = list(included) if weighted else [replace(u, weight=Fraction(1)) for u in included]
    base = "licensed catalogue" if terms.training_base is TrainingBase.CATALOGUE else "used works"
    head = (PathStep("TrainingRun", run_id, f"fee {'by weight' if weighted else 'equally'} over {base}"),)
    leaves = _over_usages(
        Fraction(1), usages, Basis.TRAINING, Stream.TRAINING, terms.training_right, head, f"run {run_id}"
    )
    return _settle(Stream.TRAINING, fee, currency, leaves)


def distribute_service_use(
    pool: int, currency: str, *, model_id: str, terms: LicenceTerms, lineage: Sequence[WorkUsage]
) -> Distribution:
    """Split a service-use pool over the works in the model's training lineage, by usage weight."""
    head = (PathStep("Model", model_id, "service-use pool by training-lineage weight"),)
    leaves = _over_usages(
        Fraction(1),
        list(lineage),
        Basis.SERVICE_USE,
        Stream.SERVICE_USE,
        terms.service_use_right,
        head,
        f"model {model_id}",
    )
    return _settle(Stream.SERVICE_USE, pool, currency, leaves)


def distribute_output_use(
    pool: int,
    currency: str,
    *,
    output_id: str,
    model_id: str,
    terms: LicenceTerms,
    report: ReportInput | None,
    lineage: Sequence[WorkUsage],
) -> Distribution:
    """Who gets paid when one generated output is used: the rule behind `whoGetsPaid`.

    With a report whose confidence reaches the licence's threshold: each influence's score of the
    pool to its work (ATTRIBUTION), and the unattributed remainder over the model's training
    lineage as service use splits it (UNATTRIBUTED_REMAINDER). With no report, or one below the
    threshold: the whole pool over the lineage (ANALOGY_FALLBACK), and each line's path says why.
    """
    right = terms.output_use_right
    if report is None or report.confidence < terms.confidence_threshold:
        why = _fallback_step(output_id, report, terms)
        head = (why, PathStep("Model", model_id, "analogy fallback by training-lineage usage"))
        leaves = _over_usages(
            Fraction(1),
            list(lineage),
            Basis.ANALOGY_FALLBACK,
            Stream.OUTPUT_USE,
            right,
            head,
            f"model {model_id}",
        )
        return _settle(Stream.OUTPUT_USE, pool, currency, leaves)
    return _settle(
        Stream.OUTPUT_USE, pool, currency, _attributed(output_id, model_id, right, report, lineage)
    )


def _attributed(
    output_id: str, model_id: str, right: Right, report: ReportInput, lineage: Sequence[WorkUsage]
) -> list[Leaf]:
    total = report.total_score
    # Vendors round: a total a hair above 1 is divided by itself, exactly as shares are.
    scale = 1 / total if total > 1 else Fraction(1)
    head = (
        PathStep("Output", output_id),
        PathStep(
            "AttributionReport",
            report.report_id,
            f"vendor {report.vendor}, confidence {_ratio(report.confidence)}",
        ),
    )
    leaves: list[Leaf] = []
    for influence in report.influences:
        work_step = PathStep("Work", influence.work.work_id, f"influence {_ratio(influence.score)}")
        leaves += _within_work(
            influence.score * scale,
            influence.work,
            Basis.ATTRIBUTION,
            Stream.OUTPUT_USE,
            right,
            (*head, work_step),
            weight=None,
            score=influence.score,
        )
    remainder = 1 - total * scale
    if remainder > 0:
        rest_head = (
            *head,
            PathStep(
                "Model", model_id, f"unattributed remainder {_ratio(remainder)} follows the service-use rule"
            ),
        )
        leaves += _over_usages(
            remainder,
            list(lineage),
            Basis.UNATTRIBUTED_REMAINDER,
            Stream.OUTPUT_USE,
            right,
            rest_head,
            f"model {model_id}",
        )
    return leaves


def _fallback_step(output_id: str, report: ReportInput | None, terms: LicenceTerms) -> PathStep:
    if report is None:
        return PathStep("Output", output_id, "no attribution report: analogy fallback applies")
    return PathStep(
        "Output",
        output_id,
        f"report {report.report_id} confidence {_ratio(report.confidence)} is below the threshold "
        f"{_ratio(terms.confidence_threshold)} of licence {terms.licence_id} v{terms.version}: "
        "analogy fallback applies",
    )


def _over_usages(
    share: Fraction,
    usages: list[WorkUsage],
    basis: Basis,
    stream: Stream,
    right: Right,
    head: tuple[PathStep, ...],
    owner: str,
) -> list[Leaf]:
    """`share` of the pool over `usages` by weight, then within each work by registered shares."""
    require_unique_works([usage.work for usage in usages], owner)
    total = sum((usage.weight for usage in usages), Fraction(0))
    if total == 0:
        message = f"{owner} has no works with a positive weight to carry this {basis.value.lower()} money"
        return [
            _suspense(share, None, SuspenseReason.NO_ELIGIBLE_WORKS, message, basis, stream, head, None, None)
        ]
    leaves: list[Leaf] = []
    for usage in usages:
        step = PathStep("Work", usage.work.work_id, f"weight {_ratio(usage.weight)} of {_ratio(total)}")
        leaves += _within_work(
            share * usage.weight / total,
            usage.work,
            basis,
            stream,
            right,
            (*head, *usage.path, step),
            weight=usage.weight,
            score=None,
        )
    return leaves


def _within_work(
    share: Fraction,
    work: WorkInput,
    basis: Basis,
    stream: Stream,
    right: Right,
    path: tuple[PathStep, ...],
    *,
    weight: Fraction | None,
    score: Fraction | None,
) -> list[Leaf]:
    """A work's `share` of the pool over its holders for `right`, divided by the actual total."""
    reason = suspense_reason(work.status)
    if reason is not None:
        message = f"work {work.work_id} cannot be paid: {_WHY[reason]}"
        return [_suspense(share, work.work_id, reason, message, basis, stream, path, weight, score)]
    holdings = [(s, s.bp(right)) for s in work.shares if s.bp(right) > 0]
    total_bp = sum(bp for _, bp in holdings)
    if total_bp == 0:
        message = f"work {work.work_id} has no registered {right.value.lower()} shares"
        return [
            _suspense(
                share, work.work_id, SuspenseReason.NO_SHARES, message, basis, stream, path, weight, score
            )
        ]
    return [
        Line(
            stream=stream,
            basis=basis,
            holder_id=holding.holder_id,
            work_id=work.work_id,
            role=holding.role,
            right=right,
            share_bp=bp,
            share_total_bp=total_bp,
            weight=weight,
            influence_score=score,
            fraction=share * bp / total_bp,
            exact=Fraction(0),
            amount=0,
            path=(*path, _holder_step(holding.holder_id, holding.role.value, bp, total_bp, right)),
        )
        for holding, bp in holdings
    ]


def _holder_step(holder_id: str, role: str, bp: int, total_bp: int, right: Right) -> PathStep:
    detail = f"{role} {bp_to_percent_str(bp)}% of {bp_to_percent_str(total_bp)}% {right.value.lower()}"
    return PathStep("Creator", holder_id, detail)


def _suspense(
    share: Fraction,
    work_ref: str | None,
    reason: SuspenseReason,
    message: str,
    basis: Basis,
    stream: Stream,
    path: tuple[PathStep, ...],
    weight: Fraction | None,
    score: Fraction | None,
) -> SuspenseLine:
    return SuspenseLine(
        stream=stream,
        basis=basis,
        reason=reason,
        work_ref=work_ref,
        message=message,
        weight=weight,
        influence_score=score,
        fraction=share,
        exact=Fraction(0),
        amount=0,
        path=(*path, PathStep("Suspense", reason.value, message)),
    )


def _settle(stream: Stream, pool: int, currency: str, leaves: list[Leaf]) -> Distribution:
    """Round every leaf at once: exact amounts, then one largest-remainder allocation of the pool."""
    cur = Currency.of(currency)
    if isinstance(pool, bool) or not isinstance(pool, int):
        raise InvalidInput(f"The pool must be an int number of minor units, not {type(pool).__name__}.")
    if pool < 0:
        raise InvalidInput(
            f"The pool {format_amount(pool, cur)} {cur.code} is negative; a pool is zero or more."
        )
    # A leaf with no share of the pool (a zero score, a 0 bp holder) would only be noise.
    kept = [leaf for leaf in leaves if leaf.fraction > 0]
    if sum((leaf.fraction for leaf in kept), Fraction(0)) != 1:
        raise ArithmeticError("The leaves of a distribution must add up to the whole pool.")
    by_key = {leaf.sort_key: leaf for leaf in kept}
    if len(by_key) != len(kept):
        raise ArithmeticError("Two leaves of a distribution share a sort key.")
    amounts = allocate(pool, [(key, leaf.fraction) for key, leaf in by_key.items()])
    settled = [
        replace(by_key[key], exact=by_key[key].fraction * pool, amount=amount) for key, amount in amounts
    ]
    return Distribution(
        stream=stream,
        currency=cur.code,
        pool=pool,
        lines=tuple(leaf for leaf in settled if isinstance(leaf, Line)),
        suspense=tuple(leaf for leaf in settled if isinstance(leaf, SuspenseLine)),
    )


def _ratio(value: Fraction) -> str:
    """A ratio as a short decimal when it has one ("0.6"), else as a fraction ("1/3")."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    return _decimal_text(value)


def _decimal_text(value: Fraction) -> str:
    # A terminating fraction: scale by powers of ten until it is whole, then place the point.
    places = 0
    scaled = value
    while scaled.denominator != 1:
        scaled *= 10
        places += 1
    digits = str(abs(scaled.numerator)).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    if places == 0:
        return f"{sign}{digits}"
    return f"{sign}{digits[:-places]}.{digits[-places:]}"
