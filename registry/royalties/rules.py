"""The stream rules: training, service use and output use, as pure functions.

Every rule works in two steps. First it splits the whole pool into exact `Fraction`s of 1, down
to leaves (holder x role x work x rule, or a suspense reason x work x rule); the fractions add up
to exactly 1. Then `settle_leaves` rounds once per payee (each creator, each suspense reason), with
`registry.money.allocate` (largest remainder, ties by a hash of the statement and the payee), and
splits each payee's amount over its lines. Rounding per work, per output or per line would lose or
give a creator up to a minor unit each time; rounding once per payee keeps each within one unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from registry.errors import InvalidInput
from registry.money import Currency, allocate, format_amount, payee_tie_break
from registry.royalties.model import (
    Basis,
    CarriedLine,
    Collector,
    Distribution,
    LicenceTerms,
    Line,
    PathStep,
    Payee,
    ReportInput,
    Stream,
    SuspenseLine,
    SuspenseReason,
    TrainingSplit,
    WorkInput,
    WorkUsage,
    evolve,
    require_unique_works,
    suspense_reason,
)
from registry.shares import Right, ShareRole, bp_to_percent_str

Leaf = Line | SuspenseLine
# What a statement rounds: the rules' leaves, and money carried from or to another statement.
AnyLeaf = Line | SuspenseLine | CarriedLine

_WHY: dict[SuspenseReason, str] = {
    SuspenseReason.NO_CONSENT: "not every share holder had consent in force for this use at the time",
    SuspenseReason.DECLINED: "its rights holders declined the licence (monitored, never licensed)",
    SuspenseReason.WITHDRAWN: "it was withdrawn from the licence",
    SuspenseReason.UNKNOWN_WORK: "no registered work has this id",
    SuspenseReason.UNMATCHED_REFERENCE: "the vendor's reference matched no registered work",
    SuspenseReason.DISPUTED: "claims on it add up to more than 100 % of a right; an ADMIN must resolve them",
}


def training_leaves(
    *,
    run_id: str,
    terms: LicenceTerms,
    used: Sequence[WorkUsage],
    explain: bool = True,
) -> list[Leaf]:
    """A run's fixed training fee as exact fractions over the works it used, then within each by shares.

    Equal split unless the licence's `training_split` is WEIGHTED. A used work that was not
    licensable keeps its portion, in suspense: it is never handed to the other works. (A licence
    whose `training_base` is CATALOGUE is paid by `catalogue_leaves` instead.) `explain=False` leaves
    paths empty (a statement stores summed lines, not one path per subject).
    """
    weighted = terms.training_split is TrainingSplit.WEIGHTED
    usages = list(used) if weighted else [replace(u, weight=Fraction(1)) for u in used]
    head = (PathStep("TrainingRun", run_id, f"fee {'by weight' if weighted else 'equally'} over used works"),)
    where = _Where(Basis.TRAINING, Stream.TRAINING, terms.training_right, explain, terms.publisher_collects)
    return _over_usages(Fraction(1), usages, where, head, f"run {run_id}")


# A catalogue-basis line is about the catalogue as a whole, not one work.
CATALOGUE_REF = "(licensed catalogue)"


@dataclass(frozen=True, slots=True)
class CatalogueHolding:
    """A creator's basis points, in one role, summed over the `works` whose total for the right is `total`."""

    creator_id: str
    role: str
    total_bp: int
    bp: int
    works: int


@dataclass(frozen=True, slots=True)
class CatalogueTotals:
    """The licensed catalogue at the grant, as the graph sums it: works, works without shares, holdings."""

    licensable: int
    unshared: int
    holdings: tuple[CatalogueHolding, ...]


def catalogue_leaves(
    *, run_id: str, terms: LicenceTerms, catalogue: CatalogueTotals, explain: bool = True
) -> list[Leaf]:
    """A run's fee equally over the N licensed works (the CATALOGUE basis), then by shares in each.

    Each work carries 1/N; within it a creator gets `bp / total` of that. Summed, a creator's part in
    one role is the sum over its groups of `bp / (total * N)`: exact, whatever the catalogue's size.
    Works without shares for the right are held as NO_SHARES. The licence's weighted split has no
    weights to use here (the catalogue was not used with a weight), so the split is always equal.
    """
    right, n = terms.training_right, catalogue.licensable
    head = PathStep("TrainingRun", run_id, f"fee equally over the licensed catalogue ({n} works)")
    where = _Where(Basis.TRAINING, Stream.TRAINING, right, explain)
    if n == 0:
        message = f"run {run_id} had no licensable works in the catalogue when its grant was made"
        return [
            _suspense(
                Fraction(1), None, SuspenseReason.NO_ELIGIBLE_WORKS, message, where, (head,), None, None
            )
        ]
    parts: dict[tuple[str, str], tuple[Fraction, int]] = {}
    for h in catalogue.holdings:
        fraction, works = parts.get((h.creator_id, h.role), (Fraction(0), 0))
        parts[(h.creator_id, h.role)] = (fraction + Fraction(h.bp, h.total_bp * n), works + h.works)
    leaves: list[Leaf] = [
        Line(
            stream=Stream.TRAINING,
            basis=Basis.TRAINING,
            holder_id=creator,
            work_id=CATALOGUE_REF,
            role=ShareRole(role),
            right=right,
            share_bp=0,
            share_total_bp=0,
            weight=None,
            influence_score=None,
            fraction=fraction,
            exact=Fraction(0),
            amount=0,
            path=(head, PathStep("Creator", creator, f"{role} in {works} of the works")) if explain else (),
        )
        for (creator, role), (fraction, works) in sorted(parts.items())
    ]
    if catalogue.unshared:
        message = f"{catalogue.unshared} licensed works have no registered {right.value.lower()} shares"
        leaves.append(
            _suspense(
                Fraction(catalogue.unshared, n),
                CATALOGUE_REF,
                SuspenseReason.NO_SHARES,
                message,
                where,
                (head,),
                None,
                None,
            )
        )
    return leaves


def distribute_training(
    fee: int,
    currency: str,
    *,
    run_id: str,
    terms: LicenceTerms,
    used: Sequence[WorkUsage],
) -> Distribution:
    """`training_leaves` rounded over the fee (`settle_leaves`)."""
    leaves = training_leaves(run_id=run_id, terms=terms, used=used)
    return _settle(Stream.TRAINING, fee, currency, leaves, run_id)


def service_use_leaves(
    *, model_id: str, terms: LicenceTerms, lineage: Sequence[WorkUsage], explain: bool = True
) -> list[Leaf]:
    """A service-use pool as exact fractions over the model's training lineage, by usage weight."""
    head = (PathStep("Model", model_id, "service-use pool by training-lineage weight"),)
    where = _Where(
        Basis.SERVICE_USE, Stream.SERVICE_USE, terms.service_use_right, explain, terms.publisher_collects
    )
    return _over_usages(Fraction(1), list(lineage), where, head, f"model {model_id}")


def distribute_service_use(
    pool: int, currency: str, *, model_id: str, terms: LicenceTerms, lineage: Sequence[WorkUsage]
) -> Distribution:
    """`service_use_leaves` rounded over the pool."""
    leaves = service_use_leaves(model_id=model_id, terms=terms, lineage=lineage)
    return _settle(Stream.SERVICE_USE, pool, currency, leaves, model_id)


@dataclass(frozen=True, slots=True)
class OutputSplit:
    """The output-use rule's first step: how one output's pool divides before any work's holders.

    `attributed` is each influence's work with its exact share of the pool (ATTRIBUTION) and the
    vendor's score; `lineage_share` is what the model's training lineage carries under
    `lineage_basis` (the unattributed remainder, or the whole pool in the analogy fallback). Every
    step after this one is linear in the shares, so a statement may sum the shares of many outputs
    per work (and per lineage) and split each sum over holders once (registry.royalties.period).
    """

    right: Right
    attributed: tuple[tuple[WorkInput, Fraction, Fraction], ...]
    lineage_basis: Basis
    lineage_share: Fraction
    publisher_collects: bool = False  # the licence's: a writer's money goes to its chain's publisher


def output_use_split(report: ReportInput | None, terms: LicenceTerms) -> OutputSplit:
    """With a report whose confidence reaches the licence's threshold: each influence's score of the
    pool to its work, the unattributed remainder to the lineage. Otherwise the whole pool to the
    lineage (ANALOGY_FALLBACK)."""
    right, collects = terms.output_use_right, terms.publisher_collects
    if report is None or report.confidence < terms.confidence_threshold:
        return OutputSplit(right, (), Basis.ANALOGY_FALLBACK, Fraction(1), collects)
    total = report.total_score
    if total > 1:
        # Vendors round: a total a hair above 1 is divided by itself, exactly as shares are.
        attributed = tuple((i.work, i.score / total, i.score) for i in report.influences)
        return OutputSplit(right, attributed, Basis.UNATTRIBUTED_REMAINDER, Fraction(0), collects)
    attributed = tuple((i.work, i.score, i.score) for i in report.influences)
    return OutputSplit(right, attributed, Basis.UNATTRIBUTED_REMAINDER, 1 - total, collects)


def output_use_leaves(
    *,
    output_id: str,
    model_id: str,
    terms: LicenceTerms,
    report: ReportInput | None,
    lineage: Sequence[WorkUsage],
    explain: bool = True,
) -> list[Leaf]:
    """Who gets paid when one generated output is used, as exact fractions: the rule behind `whoGetsPaid`.

    `output_use_split` divides the pool; then each attributed work's share goes over its holders,
    and the lineage's share over the model's training lineage as service use splits it. Without a
    counting report (or one below the threshold) each line's path says why the fallback applies.
    """
    split = output_use_split(report, terms)
    if report is None or split.lineage_basis is Basis.ANALOGY_FALLBACK:
        why = _fallback_step(output_id, report, terms) if explain else PathStep("Output", output_id)
        head = (why, PathStep("Model", model_id, "analogy fallback by training-lineage usage"))
        where = _Where(
            Basis.ANALOGY_FALLBACK, Stream.OUTPUT_USE, split.right, explain, split.publisher_collects
        )
        return _over_usages(split.lineage_share, list(lineage), where, head, f"model {model_id}")
    return _attributed(output_id, model_id, report, split, lineage, explain)


def split_work_leaves(split: OutputSplit, work: WorkInput) -> list[Leaf]:
    """All of a pool to one attributed work of `split`, over its holders (fractions of 1, no paths)."""
    where = _Where(Basis.ATTRIBUTION, Stream.OUTPUT_USE, split.right, False, split.publisher_collects)
    return _within_work(Fraction(1), work, where, (), weight=None, score=None)


def split_lineage_leaves(split: OutputSplit, lineage: Sequence[WorkUsage], model_id: str) -> list[Leaf]:
    """All of a pool over the lineage under `split`'s lineage basis (fractions of 1, no paths)."""
    where = _Where(split.lineage_basis, Stream.OUTPUT_USE, split.right, False, split.publisher_collects)
    return _over_usages(Fraction(1), list(lineage), where, (), f"model {model_id}")


def distribute_output_use(
    pool: int,
    currency: str,
    *,
    output_id: str,
    model_id: str,
    terms: LicenceTerms,
    report: ReportInput | None,
    lineage: Sequence[WorkUsage],
    explain: bool = True,
) -> Distribution:
    """`output_use_leaves` rounded over the pool, once per payee. `explain=False` leaves the paths and
    messages empty; the amounts are the same either way."""
    leaves = output_use_leaves(
        output_id=output_id, model_id=model_id, terms=terms, report=report, lineage=lineage, explain=explain
    )
    return _settle(Stream.OUTPUT_USE, pool, currency, leaves, output_id)


@dataclass(frozen=True, slots=True)
class _Where:
    """Which rule, stream and right a group of leaves is paid under, and whether to build paths."""

    basis: Basis
    stream: Stream
    right: Right
    explain: bool
    publisher_collects: bool = False  # the licence's: a writer's money goes to its chain's publisher


def _attributed(
    output_id: str,
    model_id: str,
    report: ReportInput,
    split: OutputSplit,
    lineage: Sequence[WorkUsage],
    explain: bool,
) -> list[Leaf]:
    head: tuple[PathStep, ...] = ()
    if explain:
        detail = f"vendor {report.vendor}, confidence {_ratio(report.confidence)}"
        head = (PathStep("Output", output_id), PathStep("AttributionReport", report.report_id, detail))
    where = _Where(Basis.ATTRIBUTION, Stream.OUTPUT_USE, split.right, explain, split.publisher_collects)
    leaves: list[Leaf] = []
    for work, share, score in split.attributed:
        path = head
        if explain:
            path = (*head, PathStep("Work", work.work_id, f"influence {_ratio(score)}"))
        leaves += _within_work(share, work, where, path, weight=None, score=score)
    remainder = split.lineage_share
    if remainder > 0:
        rest_head = head
        if explain:
            detail = f"unattributed remainder {_ratio(remainder)} follows the service-use rule"
            rest_head = (*head, PathStep("Model", model_id, detail))
        rest = _Where(
            Basis.UNATTRIBUTED_REMAINDER, Stream.OUTPUT_USE, split.right, explain, split.publisher_collects
        )
        leaves += _over_usages(remainder, list(lineage), rest, rest_head, f"model {model_id}")
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
    share: Fraction, usages: list[WorkUsage], where: _Where, head: tuple[PathStep, ...], owner: str
) -> list[Leaf]:
    """`share` of the pool over `usages` by weight, then within each work by registered shares."""
    require_unique_works([usage.work for usage in usages], owner)
    total = sum((usage.weight for usage in usages), Fraction(0))
    if total == 0:
        what = where.basis.value.lower()
        message = f"{owner} has no works with a positive weight to carry this {what} money"
        return [_suspense(share, None, SuspenseReason.NO_ELIGIBLE_WORKS, message, where, head, None, None)]
    leaves: list[Leaf] = []
    per_weight = share / total
    for usage in usages:
        path = head
        if where.explain:
            step = PathStep("Work", usage.work.work_id, f"weight {_ratio(usage.weight)} of {_ratio(total)}")
            path = (*head, *usage.path, step)
        leaves += _within_work(
            per_weight * usage.weight, usage.work, where, path, weight=usage.weight, score=None
        )
    return leaves


def _within_work(
    share: Fraction,
    work: WorkInput,
    where: _Where,
    path: tuple[PathStep, ...],
    *,
    weight: Fraction | None,
    score: Fraction | None,
) -> list[Leaf]:
    """A work's `share` of the pool over its holders for `right`, divided by the actual total."""
    reason = suspense_reason(work.status)
    if reason is not None:
        message = f"work {work.work_id} cannot be paid: {_WHY[reason]}" if where.explain else ""
        return [_suspense(share, work.work_id, reason, message, where, path, weight, score)]
    right = where.right
    holdings = [(s, s.bp(right)) for s in work.shares if s.bp(right) > 0]
    total_bp = sum(bp for _, bp in holdings)
    if total_bp == 0:
        message = f"work {work.work_id} has no registered {right.value.lower()} shares"
        reason = SuspenseReason.NO_SHARES
        return [_suspense(share, work.work_id, reason, message, where, path, weight, score)]
    numerator, denominator = share.numerator, share.denominator * total_bp
    collectors = {c.writer_id: c for c in work.collectors}
    lines: list[Leaf] = []
    for holding, bp in holdings:
        line = Line(
            stream=where.stream,
            basis=where.basis,
            holder_id=holding.holder_id,
            work_id=work.work_id,
            role=holding.role,
            right=right,
            share_bp=bp,
            share_total_bp=total_bp,
            weight=weight,
            influence_score=score,
            fraction=Fraction(numerator * bp, denominator),
            exact=Fraction(0),
            amount=0,
            path=(*path, holder_step(holding.holder_id, holding.role.value, bp, total_bp, right))
            if where.explain
            else (),
        )
        collector = collectors.get(holding.holder_id)
        lines.append(line if collector is None else _through_chain(line, collector, where))
    return lines


def _through_chain(line: Line, collector: Collector, where: _Where) -> Line:
    """A writer's line under its publisher chain: paid to the chain's publisher when the licence says
    collection goes through the publisher (the line keeps for whom), else paid to the writer with the
    chain as evidence. Either way the money and its fraction are the writer's share, unchanged."""
    collects = where.publisher_collects
    line = evolve(
        line,
        holder_id=collector.publisher_id if collects else line.holder_id,
        collected_for=collector.writer_id if collects else None,
        chain=collector.chain,
        chain_publisher=collector.publisher_id,
    )
    return evolve(line, path=(*line.path, chain_step(line))) if where.explain else line


def chain_step(line: Line) -> PathStep:
    """The evidence a line carries from its work's publisher chain (see `_through_chain`)."""
    if line.collected_for is not None:
        detail = f"publisher {line.holder_id} collects for writer {line.collected_for} (the licence's rule)"
    else:
        detail = f"publisher {line.chain_publisher} publishes for writer {line.holder_id}, who is paid"
    return PathStep("PublisherChain", str(line.chain), detail)


def holder_step(holder_id: str, role: str, bp: int, total_bp: int, right: Right) -> PathStep:
    detail = f"{role} {bp_to_percent_str(bp)}% of {bp_to_percent_str(total_bp)}% {right.value.lower()}"
    return PathStep("Creator", holder_id, detail)


def suspense_message(line: SuspenseLine) -> str:
    """Why a suspense line is held, in words, without the per-subject detail (for a statement's line)."""
    if line.reason in _WHY:
        return f"work {line.work_ref} cannot be paid: {_WHY[line.reason]}"
    if line.reason is SuspenseReason.NO_SHARES:
        return f"work {line.work_ref} has no registered shares for the stream's right"
    return "no works with a positive weight to carry this money"


def _suspense(
    share: Fraction,
    work_ref: str | None,
    reason: SuspenseReason,
    message: str,
    where: _Where,
    path: tuple[PathStep, ...],
    weight: Fraction | None,
    score: Fraction | None,
) -> SuspenseLine:
    return SuspenseLine(
        stream=where.stream,
        basis=where.basis,
        reason=reason,
        work_ref=work_ref,
        message=message,
        weight=weight,
        influence_score=score,
        fraction=share,
        exact=Fraction(0),
        amount=0,
        path=(*path, PathStep("Suspense", reason.value, message)) if where.explain else (),
    )


def settle_leaves(leaves: Sequence[AnyLeaf], pool: int, salt: str) -> tuple[list[AnyLeaf], list[Payee]]:
    """Round leaves whose exact amounts add up to `pool`: once per party, then within each party.

    Each party (a creator, or a suspense reason) gets the floor or ceiling of its exact total by one
    largest-remainder allocation of the pool, ties ordered by `payee_tie_break(salt)`; its amount is
    then split over its own lines, each the floor or ceiling of its own exact amount (`_over_lines`: no
    other party's money moves). The same rule rounds a statement (registry.royalties.period) and
    `whoGetsPaid`.
    """
    parties: dict[str, list[AnyLeaf]] = {}
    for leaf in leaves:
        parties.setdefault(leaf.party, []).append(leaf)
    exacts = {party: sum((leaf.exact for leaf in items), Fraction(0)) for party, items in parties.items()}
    if sum(exacts.values(), Fraction(0)) != pool:
        raise ArithmeticError("The exact amounts of the lines must add up to the pool.")
    amounts = allocate(pool, list(exacts.items()), tie_break=payee_tie_break(salt))
    settled: list[AnyLeaf] = []
    for party, amount in amounts:
        # Sorted by sort key; two lines may share one (the same work and creator paid under two licences
        # naming different rights) and then keep their order, so ties among them follow position.
        own = sorted(parties[party], key=lambda leaf: leaf.sort_key)
        parts = _over_lines(amount, own)
        settled += [evolve(leaf, amount=part) for leaf, part in zip(own, parts, strict=True)]
    settled.sort(key=lambda leaf: leaf.sort_key)
    return settled, [Payee(party, exacts[party], amount) for party, amount in amounts]


def _over_lines(amount: int, own: Sequence[AnyLeaf]) -> list[int]:
    """A party's rounded amount over its own lines (sorted by sort key): each line gets the floor or the
    ceiling of its own exact amount, the units left to the largest fractional parts (ties: the smaller
    sort key). Always possible, because the party's amount is within one unit of its lines' exact sum,
    so no line is ever more than a unit from its exact amount."""
    floors = [leaf.exact.numerator // leaf.exact.denominator for leaf in own]
    extra = amount - sum(floors)
    if not 0 <= extra <= len(own):
        raise ArithmeticError("A party's amount must be within one unit of its lines' exact sum.")
    largest_first = sorted(range(len(own)), key=lambda i: (floors[i] - own[i].exact, i))
    parts = list(floors)
    for index in largest_first[:extra]:
        parts[index] += 1
    return parts


def _settle(stream: Stream, pool: int, currency: str, leaves: list[Leaf], salt: str) -> Distribution:
    """Exact amounts for every leaf, then rounding once per party (`settle_leaves`)."""
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
    exact = [evolve(leaf, exact=leaf.fraction * pool) for leaf in kept]
    settled, payees = settle_leaves(exact, pool, f"{stream.value}|{salt}")
    return Distribution(
        stream=stream,
        currency=cur.code,
        pool=pool,
        lines=tuple(leaf for leaf in settled if isinstance(leaf, Line)),
        suspense=tuple(leaf for leaf in settled if isinstance(leaf, SuspenseLine)),
        payees=tuple(payees),
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
