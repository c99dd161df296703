"""A statement's period: exact amounts summed per statement line over every subject, rounded once per payee.

A period has millions of leaves (100,000 outputs x ~40); a statement has one line per (rule, work,
creator, role, right) or (rule, suspense reason, work), whatever the number of subjects. Each leaf's
exact amount is `pool * fraction`; summing them as `Fraction`s would cost a gcd per leaf, so they are
summed as integers per denominator (`pool * numerator` into the bucket of `denominator`) and turned
into one `Fraction` per line at the end. The sum is the same exact rational either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from fractions import Fraction

from registry.royalties.model import CarriedLine, Line, PathStep, Payee, SuspenseLine
from registry.royalties.rules import (
    AnyLeaf,
    Leaf,
    chain_step,
    holder_step,
    settle_leaves,
    suspense_message,
)

__all__ = ["PeriodLines", "line_key"]

LineKey = tuple[str, ...]


def line_key(leaf: AnyLeaf) -> LineKey:
    """What makes two leaves the same statement line: the sort key, and for a payment its right."""
    if isinstance(leaf, Line):
        chain = (str(leaf.chain or ""), leaf.chain_publisher or "")
        return (*leaf.sort_key, leaf.right.value, str(leaf.share_bp), str(leaf.share_total_bp), *chain)
    return leaf.sort_key


class PeriodLines:
    """Exact amounts per statement line, added subject by subject: memory grows with lines, not subjects."""

    def __init__(self) -> None:
        self._sums: dict[LineKey, dict[int, int]] = {}
        self._first: dict[LineKey, AnyLeaf] = {}
        self._subjects: dict[LineKey, int] = {}
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
        return len(self._sums)

    def lines(self) -> list[AnyLeaf]:
        """One leaf per statement line, in sort order, with its exact amount and an explanation."""
        out: list[AnyLeaf] = []
        for key in sorted(self._sums):
            exact = sum((Fraction(n, d) for d, n in self._sums[key].items()), Fraction(0))
            leaf = self._first[key]
            if isinstance(leaf, CarriedLine):
                out.append(replace(leaf, exact=exact))
                continue
            fraction = exact / self.pool if self.pool else Fraction(0)
            path = _path(leaf, self._subjects[key])
            if isinstance(leaf, SuspenseLine):
                leaf = replace(leaf, message=suspense_message(leaf), weight=None, influence_score=None)
            else:
                leaf = replace(leaf, weight=None, influence_score=None)
            out.append(replace(leaf, fraction=fraction, exact=exact, path=path))
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
