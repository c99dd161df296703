"""A statement's period: exact amounts summed per statement line over every subject, rounded once per payee.

A period has millions of leaves (100,000 outputs x ~40); a statement has one line per (rule, work,
creator, role, right) or (rule, suspense reason, work), whatever the number of subjects. Each leaf's
exact amount is `pool * fraction`; summing them as `Fraction`s would cost a gcd per leaf, so they are
summed as integers per denominator (`pool * numerator` into the bucket of `denominator`) and turned
into one `Fraction` per line at the end. The sum is the same exact rational either way.

Output use goes further (`add_output`): every step of its rule after `output_use_split` is linear in
the shares, so the period sums each output's shares per judged work and per judged lineage (integers
per denominator again) and splits each sum over holders once, when the lines are read. The exact
amount of every line is the same as summing each output's leaves; the cost per output is a handful of
additions instead of some forty leaves.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from registry.royalties.model import (
    CarriedLine,
    Line,
    PathStep,
    Payee,
    SuspenseLine,
    WorkInput,
    WorkUsage,
    evolve,
)
from registry.royalties.rules import (
    AnyLeaf,
    Leaf,
    OutputSplit,
    chain_step,
    holder_step,
    settle_leaves,
    split_lineage_leaves,
    split_work_leaves,
    suspense_message,
)

__all__ = ["JudgedLineage", "PeriodLines", "line_key"]

LineKey = tuple[str, ...]


def line_key(leaf: AnyLeaf) -> LineKey:
    """What makes two leaves the same statement line: the sort key, and for a payment its right."""
    if isinstance(leaf, Line):
        chain = (str(leaf.chain or ""), leaf.chain_publisher or "")
        return (*leaf.sort_key, leaf.right.value, str(leaf.share_bp), str(leaf.share_total_bp), *chain)
    return leaf.sort_key


@dataclass(frozen=True, slots=True)
class JudgedLineage:
    """A model's training lineage judged for one span of time; `key` names it (same key, same usages)."""

    key: Hashable
    model_id: str
    usages: Sequence[WorkUsage]


@dataclass(slots=True)
class _Pending:
    """Shares of many outputs' pools waiting to be split over one work's (or one lineage's) holders."""

    split: OutputSplit
    work: WorkInput | None = None
    lineage: JudgedLineage | None = None
    sums: dict[int, int] = field(default_factory=dict)  # denominator -> sum of pool * numerator
    subjects: int = 0

    def add(self, pool: int, share: Fraction) -> None:
        denominator = share.denominator
        self.sums[denominator] = self.sums.get(denominator, 0) + pool * share.numerator
        self.subjects += 1

    def leaves(self) -> list[Leaf]:
        if self.lineage is not None:
            return split_lineage_leaves(self.split, self.lineage.usages, self.lineage.model_id)
        assert self.work is not None
        return split_work_leaves(self.split, self.work)


class PeriodLines:
    """Exact amounts per statement line, added subject by subject: memory grows with lines, not subjects."""

    def __init__(self) -> None:
        self._sums: dict[LineKey, dict[int, int]] = {}
        self._first: dict[LineKey, AnyLeaf] = {}
        self._subjects: dict[LineKey, int] = {}
        # Output use, summed per (basis, right, judged work or lineage) until the lines are read.
        # A judged work is keyed by identity (the caller judges each work once per span and reuses the
        # object); the entry keeps it alive, so the identity is never reused for another.
        self._pending: dict[tuple[object, ...], _Pending] = {}
        self.pool = 0

    def add(self, leaves: Iterable[Leaf], pool: int) -> None:
        """One subject's leaves (fractions of its pool adding up to 1) over its pool."""
        self.pool += pool
        sums, first, subjects = self._sums, self._first, self._subjects
        for leaf in leaves:
            fraction = leaf.fraction
            if not fraction:
                continue
            key = line_key(leaf)
            buckets = sums.get(key)
            if buckets is None:
                buckets = sums[key] = {}
                first[key] = leaf
                subjects[key] = 0
            denominator = fraction.denominator
            buckets[denominator] = buckets.get(denominator, 0) + pool * fraction.numerator
            subjects[key] += 1

    def add_output(self, pool: int, split: OutputSplit, lineage: JudgedLineage) -> None:
        """One output's pool as its rule divides it (`output_use_split`), over the judged `lineage`."""
        self.pool += pool
        pending = self._pending
        right, collects = split.right, split.publisher_collects
        for work, share, _ in split.attributed:
            if not share:
                continue
            key: tuple[object, ...] = (right, collects, id(work))
            found = pending.get(key)
            if found is None:
                found = pending[key] = _Pending(split, work=work)
            found.add(pool, share)
        if split.lineage_share:
            key = (split.lineage_basis, split.right, split.publisher_collects, lineage.key, None)
            found = pending.get(key)
            if found is None:
                found = pending[key] = _Pending(split, lineage=lineage)
            found.add(pool, split.lineage_share)

    def _flush(self) -> None:
        """Split each pending sum over its holders: exact amount of a leaf = sum x the leaf's fraction."""
        sums, first, subjects = self._sums, self._first, self._subjects
        for pending in self._pending.values():
            total = sum((Fraction(n, d) for d, n in pending.sums.items()), Fraction(0))
            for leaf in pending.leaves():
                if not leaf.fraction:
                    continue
                key = line_key(leaf)
                if key not in sums:
                    sums[key], first[key], subjects[key] = {}, leaf, 0
                exact = total * leaf.fraction
                buckets = sums[key]
                buckets[exact.denominator] = buckets.get(exact.denominator, 0) + exact.numerator
                subjects[key] += pending.subjects
        self._pending.clear()

    def carry_in(self, line: CarriedLine) -> None:
        """Money an earlier statement carried for a creator: part of this statement's pool and payee."""
        key = line.sort_key
        if key in self._sums:
            raise ArithmeticError(f"Carried line {key} added twice.")
        self.pool += line.amount
        self._sums[key] = {1: line.amount}
        self._first[key] = line
        self._subjects[key] = 1

    def carry_out(self, payees: list[Payee], minimum: int, statement_id: str) -> list[CarriedLine]:
        """Creators whose rounded total is positive but below `minimum`: carried to the next statement.

        The amount is the payee's rounded total (money, so nothing is lost or created between
        statements); `exact` keeps what it was exactly.
        """
        return [
            CarriedLine("OUT", payee.party[2:], statement_id, payee.exact, payee.amount)
            for payee in payees
            if payee.party.startswith("c:") and 0 < payee.amount < minimum
        ]

    def __len__(self) -> int:
        return len(self._sums) + len(self._pending)

    def lines(self) -> list[AnyLeaf]:
        """One leaf per statement line, in sort order, with its exact amount and an explanation."""
        self._flush()
        out: list[AnyLeaf] = []
        for key in sorted(self._sums):
            exact = sum((Fraction(n, d) for d, n in self._sums[key].items()), Fraction(0))
            leaf = self._first[key]
            if isinstance(leaf, CarriedLine):
                out.append(evolve(leaf, exact=exact))
                continue
            fraction = exact / self.pool if self.pool else Fraction(0)
            path = _path(leaf, self._subjects[key])
            if isinstance(leaf, SuspenseLine):
                leaf = evolve(leaf, message=suspense_message(leaf), weight=None, influence_score=None)
            else:
                leaf = evolve(leaf, weight=None, influence_score=None)
            out.append(evolve(leaf, fraction=fraction, exact=exact, path=path))
        return out

    def settle(self, salt: str) -> tuple[list[AnyLeaf], list[Payee]]:
        """The statement's lines rounded once per payee (rules.settle_leaves), ties keyed by `salt`."""
        return settle_leaves([leaf for leaf in self.lines() if leaf.exact > 0], self.pool, salt)

    def subjects(self, leaf: AnyLeaf) -> int:
        """How many subjects (outputs, models) contributed to the line of `leaf` (0: a carried-out line)."""
        return self._subjects.get(line_key(leaf), 0)


def _path(leaf: Line | SuspenseLine, subjects: int) -> tuple[PathStep, ...]:
    basis = f"{leaf.basis.value} over {subjects} subject{'s' if subjects != 1 else ''}"
    if isinstance(leaf, Line):
        holder = leaf.collected_for or leaf.holder_id
        creator = holder_step(holder, leaf.role.value, leaf.share_bp, leaf.share_total_bp, leaf.right)
        chain = (chain_step(leaf),) if leaf.chain is not None else ()
        return (PathStep("Work", leaf.work_id, basis), creator, *chain)
    head = (PathStep("Work", leaf.work_ref, basis),) if leaf.work_ref else ()
    return (*head, PathStep("Suspense", leaf.reason.value, suspense_message(leaf)))
