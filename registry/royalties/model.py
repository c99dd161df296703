"""What a distribution reads (as the graph aggregation supplies it) and what it produces.

Inputs are frozen dataclasses, validated on construction: the graph layer builds them from Cypher
rows, so a bad row fails here with a message naming the work, not deep inside the maths. Ratios
are `Fraction`; amounts are `int` minor units (see `registry.money`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, TypeVar

from registry.errors import InvalidInput
from registry.money import Currency, pool_at_rate, to_fraction
from registry.shares import Right, Share, ShareRole

Ratio = Fraction | Decimal | int | str


class Stream(StrEnum):
    """The three points at which rights holders are paid (docs/architecture.md, "What it serves")."""

    TRAINING = "TRAINING"
    SERVICE_USE = "SERVICE_USE"
    OUTPUT_USE = "OUTPUT_USE"


class Basis(StrEnum):
    """Which rule produced a line; a statement shows it so a creator can see why they were paid."""

    TRAINING = "TRAINING"
    SERVICE_USE = "SERVICE_USE"
    ATTRIBUTION = "ATTRIBUTION"
    ANALOGY_FALLBACK = "ANALOGY_FALLBACK"
    UNATTRIBUTED_REMAINDER = "UNATTRIBUTED_REMAINDER"
    CARRIED_FORWARD = "CARRIED_FORWARD"  # a total below the minimum payout, from or to another period


class WorkStatus(StrEnum):
    """Whether a work could be paid for the stream's scope at the time that counts."""

    LICENSABLE = "LICENSABLE"
    NO_CONSENT = "NO_CONSENT"  # some share holder had no consent in force for the scope then
    DECLINED = "DECLINED"  # declined but monitored: never licensable
    WITHDRAWN = "WITHDRAWN"
    UNKNOWN = "UNKNOWN"  # the id names no registered work
    UNMATCHED = "UNMATCHED"  # a vendor reference that matched no registered work
    DISPUTED = "DISPUTED"  # claims on it exceed 100 % of a right until an ADMIN resolves them


class SuspenseReason(StrEnum):
    NO_CONSENT = "NO_CONSENT"
    DECLINED = "DECLINED"
    WITHDRAWN = "WITHDRAWN"
    UNKNOWN_WORK = "UNKNOWN_WORK"
    UNMATCHED_REFERENCE = "UNMATCHED_REFERENCE"
    NO_SHARES = "NO_SHARES"  # the work has no registered shares for the right that splits the stream
    NO_ELIGIBLE_WORKS = "NO_ELIGIBLE_WORKS"  # nothing to spread over: no used works, no lineage
    CREATOR_LEFT = "CREATOR_LEFT"  # money carried for a creator who is no longer registered
    DISPUTED = "DISPUTED"  # two submitters claim more than the whole of a right; an ADMIN decides


class TrainingSplit(StrEnum):
    EQUAL = "EQUAL"  # every included work counts once (the default)
    WEIGHTED = "WEIGHTED"  # by the usage weight the graph supplies


class TrainingBase(StrEnum):
    USED_WORKS = "USED_WORKS"  # the works the run used (the default)
    CATALOGUE = "CATALOGUE"  # the whole licensed catalogue when the grant was made


@dataclass(frozen=True, slots=True)
class PathStep:
    """One hop of the explanation: a node of the provenance graph and what it contributed."""

    label: str
    ref: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.label} {self.ref}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True, slots=True)
class Collector:
    """Who collects a writer's money on a work: the publisher a CWR chain names for the writer (PWR).

    `publisher_id` is the chain's administrator, else its original publisher (registry.royalties.facts);
    `chain` the chain's number in the registration.
    """

    writer_id: str
    publisher_id: str
    chain: int


@dataclass(frozen=True, slots=True)
class WorkInput:
    """A work as a distribution sees it: its registered shares and whether it could be paid.

    `work_id` is the vendor's reference when `status` is UNMATCHED. `shares` carries every right;
    the licence terms pick the right that splits each stream. A right's shares need not add up to
    exactly 10000 bp: payouts divide by the actual total, so registration rounding moves no money.
    """

    work_id: str
    shares: tuple[Share, ...] = ()
    status: WorkStatus = WorkStatus.LICENSABLE
    collectors: tuple[Collector, ...] = ()  # one per writer a publisher chain publishes for

    def __post_init__(self) -> None:
        _require_id(self.work_id, "work id")
        object.__setattr__(self, "shares", tuple(self.shares))
        object.__setattr__(self, "collectors", tuple(self.collectors))
        writers = [c.writer_id for c in self.collectors]
        if len(writers) != len(set(writers)):
            raise InvalidInput(f"Work {self.work_id} names two collectors for one writer; keep one each.")
        seen: set[tuple[str, ShareRole]] = set()
        for share in self.shares:
            key = (share.holder_id, share.role)
            if key in seen:
                raise InvalidInput(
                    f"Work {self.work_id} lists holder {share.holder_id} as {share.role} twice; "
                    "sum the shares into one row."
                )
            seen.add(key)


@dataclass(frozen=True, slots=True)
class WorkUsage:
    """A work with the weight it carries in a run or a model's training lineage.

    `path` is the graph's route from the run or model to the work (fine-tunes, runs), shown on
    every line paid through this usage. The weight is exact and non-negative; 1 when unweighted.
    """

    work: WorkInput
    weight: Fraction = Fraction(1)
    path: tuple[PathStep, ...] = ()

    def __post_init__(self) -> None:
        weight = to_fraction(self.weight, what=f"usage weight of work {self.work.work_id}")
        if weight < 0:
            raise InvalidInput(f"The usage weight of work {self.work.work_id} is negative ({weight}).")
        object.__setattr__(self, "weight", weight)
        object.__setattr__(self, "path", tuple(self.path))


@dataclass(frozen=True, slots=True)
class InfluenceInput:
    """One influence edge of the chosen report, resolved to a work (or UNMATCHED), score 0..1."""

    work: WorkInput
    score: Fraction

    def __post_init__(self) -> None:
        # A distribution builds some two million of these: a Fraction (the usual case) is checked by
        # its integer terms (its denominator is positive), without building a message or comparing
        # Fractions; anything else goes through to_fraction first.
        score = self.score
        if type(score) is not Fraction:
            score = to_fraction(score, what=f"influence score on {self.work.work_id}")
            object.__setattr__(self, "score", score)
        if not 0 <= score.numerator <= score.denominator:
            raise InvalidInput(f"The influence score on {self.work.work_id} is {score}; it must be 0..1.")


@dataclass(frozen=True, slots=True)
class ReportInput:
    """The attribution report that counts for an output, with its influences resolved to works.

    Scores should add up to at most 1. Vendors round, so a total slightly above 1 is divided by its
    actual total (as shares are) rather than refused or allowed to create money.
    """

    report_id: str
    vendor: str
    confidence: Fraction
    influences: tuple[InfluenceInput, ...] = ()

    def __post_init__(self) -> None:
        _require_id(self.report_id, "report id")
        confidence = self.confidence
        if type(confidence) is not Fraction:  # as InfluenceInput: the usual Fraction is checked by its terms
            confidence = to_fraction(confidence, what=f"confidence of report {self.report_id}")
            object.__setattr__(self, "confidence", confidence)
        if not 0 <= confidence.numerator <= confidence.denominator:
            raise InvalidInput(f"The confidence of report {self.report_id} is {confidence}; it must be 0..1.")
        object.__setattr__(self, "influences", tuple(self.influences))
        require_unique_works([i.work for i in self.influences], f"report {self.report_id}")

    @property
    def total_score(self) -> Fraction:
        # Integers per denominator, one Fraction at the end: a report has dozens of influences.
        sums: dict[int, int] = {}
        for influence in self.influences:
            d = influence.score.denominator
            sums[d] = sums.get(d, 0) + influence.score.numerator
        return sum((Fraction(n, d) for d, n in sums.items()), Fraction(0))


@dataclass(frozen=True, slots=True)
class LicenceTerms:
    """What a licence version says about money. Defaults are docs/royalties.md's default stream rules.

    The right per stream picks which registered shares split it; `confidence_threshold` is the
    lowest report confidence that still counts (a report exactly at the threshold counts).
    """

    licence_id: str
    version: str
    training_right: Right = Right.MECHANICAL
    service_use_right: Right = Right.PERFORMING
    output_use_right: Right = Right.PERFORMING
    confidence_threshold: Fraction = Fraction(0)
    training_split: TrainingSplit = TrainingSplit.EQUAL
    training_base: TrainingBase = TrainingBase.USED_WORKS
    service_use_rate: Fraction = Fraction(1)
    output_use_rate: Fraction = Fraction(1)
    minimum_payout: int = 0  # minor units of the licence's currency; 0: no minimum
    # Collection goes through the publisher: a writer's money is paid to the publisher its chain names
    # for it (the line says for whom). Otherwise the writer is paid and the chain is shown as evidence.
    publisher_collects: bool = False

    def __post_init__(self) -> None:
        for name in ("confidence_threshold", "service_use_rate", "output_use_rate"):
            value = to_fraction(getattr(self, name), what=f"licence {name.replace('_', ' ')}")
            if value < 0 or (name == "confidence_threshold" and value > 1):
                raise InvalidInput(f"The licence {name.replace('_', ' ')} {value} is out of range.")
            object.__setattr__(self, name, value)

    def pool_for(self, stream: Stream, amount: int) -> int:
        """The pool a reported amount yields at this licence's rate (the training fee is fixed)."""
        match stream:
            case Stream.TRAINING:
                return amount
            case Stream.SERVICE_USE:
                return pool_at_rate(amount, self.service_use_rate)
            case Stream.OUTPUT_USE:
                return pool_at_rate(amount, self.output_use_rate)


@dataclass(frozen=True, slots=True)
class Line:
    """A payment to one holder, for one work, in one role, under one rule.

    `fraction` is the exact share of the pool, `exact` the exact amount in minor units before
    rounding, `amount` the rounded amount actually paid (floor or ceiling of `exact`).
    """

    stream: Stream
    basis: Basis
    holder_id: str
    work_id: str
    role: ShareRole
    right: Right
    share_bp: int
    share_total_bp: int
    weight: Fraction | None
    influence_score: Fraction | None
    fraction: Fraction
    exact: Fraction
    amount: int
    path: tuple[PathStep, ...]
    # From the work's publisher chain: when `collected_for` is set, `holder_id` is the publisher that
    # collects the writer `collected_for`'s share; `chain` and `chain_publisher` say which chain names
    # which publisher for the writer (also when the writer is paid directly: evidence only).
    collected_for: str | None = None
    chain: int | None = None
    chain_publisher: str | None = None

    @property
    def sort_key(self) -> tuple[str, ...]:
        return (
            "0",
            _BASIS_ORDER[self.basis],
            self.work_id,
            self.holder_id,
            self.role.value,
            self.collected_for or "",
        )

    @property
    def party(self) -> str:
        return party_of_creator(self.holder_id)

    @property
    def explanation(self) -> str:
        return " -> ".join(str(step) for step in self.path)


@dataclass(frozen=True, slots=True)
class SuspenseLine:
    """Money that cannot be paid, kept visible with the reason; `work_ref` is None when no work applies."""

    stream: Stream
    basis: Basis
    reason: SuspenseReason
    work_ref: str | None
    message: str
    weight: Fraction | None
    influence_score: Fraction | None
    fraction: Fraction
    exact: Fraction
    amount: int
    path: tuple[PathStep, ...]

    @property
    def sort_key(self) -> tuple[str, ...]:
        return ("1", _BASIS_ORDER[self.basis], self.reason.value, self.work_ref or "")

    @property
    def party(self) -> str:
        return party_of_reason(self.reason.value)

    @property
    def explanation(self) -> str:
        return " -> ".join(str(step) for step in self.path)


def party_of_creator(creator_id: str) -> str:
    """A payee key: prefixed so a creator id can never read as a suspense reason."""
    return f"c:{creator_id}"


def party_of_reason(reason: str) -> str:
    return f"s:{reason}"


_Copied = TypeVar("_Copied", bound="Line | SuspenseLine | CarriedLine")
_FIELD_NAMES: dict[type, frozenset[str]] = {}


def evolve(leaf: _Copied, **changes: Any) -> _Copied:
    """A copy of an output line with `changes`: `dataclasses.replace` without its per-call field walk and
    keyword `__init__`. A distribution copies each of its lines two or three times (exact amount, rounded
    amount, publisher chain) and `replace` was a third of its arithmetic: 12 µs a copy against 4.
    These three records validate nothing on construction (no `__post_init__`), so nothing is skipped."""
    kind = type(leaf)
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = frozenset(f.name for f in fields(kind))
    if not changes.keys() <= names:
        raise TypeError(f"{kind.__name__} has no field {', '.join(sorted(changes.keys() - names))}")
    copy = object.__new__(kind)
    for name in kind.__slots__:
        object.__setattr__(copy, name, changes[name] if name in changes else getattr(leaf, name))
    return copy


@dataclass(frozen=True, slots=True)
class Payee:
    """One party of a distribution or statement: a creator (`c:<id>`) or a suspense reason (`s:<reason>`).

    `exact` is the sum of the party's exact line amounts (minor units, a ratio); `amount` what it is
    paid (or held), rounded once for the whole party: the floor or the ceiling of `exact`.
    """

    party: str
    exact: Fraction
    amount: int

    @property
    def rounding(self) -> Fraction:
        """What rounding added (positive) or took (negative): always greater than -1 and less than 1."""
        return self.amount - self.exact


@dataclass(frozen=True, slots=True)
class CarriedLine:
    """Money a creator's total fell short of the minimum payout with, carried between statements.

    `direction` IN: brought from statement `statement_ref` into this one (part of the creator's total,
    or held as suspense CREATOR_LEFT when the creator is gone); OUT: carried from this statement to
    the next. `amount` is money (the rounded total that was not paid); `exact` what it was exactly.
    """

    direction: str
    creator_id: str
    statement_ref: str
    exact: Fraction
    amount: int
    left: bool = False
    basis: Basis = field(default=Basis.CARRIED_FORWARD)

    @property
    def fraction(self) -> Fraction:
        return Fraction(0)

    @property
    def party(self) -> str:
        if self.left:
            return party_of_reason(SuspenseReason.CREATOR_LEFT.value)
        return party_of_creator(self.creator_id)

    @property
    def sort_key(self) -> tuple[str, ...]:
        return ("2", self.direction, self.creator_id, self.statement_ref)

    @property
    def explanation(self) -> str:
        if self.direction == "OUT":
            return f"Creator {self.creator_id}: below the minimum payout, carried to the next statement"
        where = "held in suspense: the creator has left" if self.left else "added to this statement"
        return f"Statement {self.statement_ref} carried it for creator {self.creator_id}: {where}"


@dataclass(frozen=True, slots=True)
class Distribution:
    """A pool split into paid lines and suspense lines that add up to it exactly (checked here).

    `payees` are the rounding points: one per creator and per suspense reason. Each line's `amount`
    is its party's rounded amount split over the party's lines, so lines, payees and the pool agree.
    """

    stream: Stream
    currency: str
    pool: int
    lines: tuple[Line, ...] = field(default=())
    suspense: tuple[SuspenseLine, ...] = field(default=())
    payees: tuple[Payee, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency", Currency.of(self.currency).code)
        if self.paid + self.suspended != self.pool:
            # A broken invariant is a bug in this module, never a caller's input error.
            raise ArithmeticError(f"Lines add up to {self.paid + self.suspended}, not the pool {self.pool}.")
        if self.payees and sum(p.amount for p in self.payees) != self.pool:
            raise ArithmeticError("Payee totals do not add up to the pool.")

    @property
    def paid(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def suspended(self) -> int:
        return sum(line.amount for line in self.suspense)


# Sort keys are strings so that a line and a suspense line always compare; the enum's own order
# (declaration order) is what a reader expects to see, so encode it as a fixed-width index.
_BASIS_ORDER: dict[Basis, str] = {basis: f"{index:02d}" for index, basis in enumerate(Basis)}

_REASON_OF_STATUS: dict[WorkStatus, SuspenseReason] = {
    WorkStatus.NO_CONSENT: SuspenseReason.NO_CONSENT,
    WorkStatus.DECLINED: SuspenseReason.DECLINED,
    WorkStatus.WITHDRAWN: SuspenseReason.WITHDRAWN,
    WorkStatus.UNKNOWN: SuspenseReason.UNKNOWN_WORK,
    WorkStatus.UNMATCHED: SuspenseReason.UNMATCHED_REFERENCE,
    WorkStatus.DISPUTED: SuspenseReason.DISPUTED,
}


def suspense_reason(status: WorkStatus) -> SuspenseReason | None:
    """Why a work with this status cannot be paid; None when it can."""
    return _REASON_OF_STATUS.get(status)


def _require_id(value: str, what: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"A {what} is required.")


def require_unique_works(works: list[WorkInput], where: str) -> None:
    seen: set[str] = set()
    for work in works:
        if work.work_id in seen:
            raise InvalidInput(
                f"Work {work.work_id} appears twice in {where}; aggregate its weight or score into one row."
            )
        seen.add(work.work_id)
