"""Summing distributions for statements: per creator, per suspense reason, across many pools."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from registry.errors import InvalidInput
from registry.royalties.model import Distribution, Line, SuspenseLine, SuspenseReason


@dataclass(frozen=True, slots=True)
class HolderTotal:
    """What one holder is owed across the lines summed, and how many lines that was."""

    holder_id: str
    amount: int
    line_count: int


def totals_by_holder(lines: Iterable[Line]) -> list[HolderTotal]:
    """One total per holder, sorted by holder id. Sums already-rounded amounts, so never re-rounds."""
    amounts: dict[str, int] = {}
    counts: dict[str, int] = {}
    for line in lines:
        amounts[line.holder_id] = amounts.get(line.holder_id, 0) + line.amount
        counts[line.holder_id] = counts.get(line.holder_id, 0) + 1
    return [HolderTotal(holder, amounts[holder], counts[holder]) for holder in sorted(amounts)]


def totals_by_reason(suspense: Iterable[SuspenseLine]) -> dict[SuspenseReason, int]:
    """Suspended money per reason, in the enum's order, reasons with nothing left out."""
    totals = dict.fromkeys(SuspenseReason, 0)
    for line in suspense:
        totals[line.reason] += line.amount
    return {reason: amount for reason, amount in totals.items() if amount}


def merge(distributions: Iterable[Distribution]) -> Distribution:
    """Many distributions of one stream and currency as one (a statement's period).

    Lines are kept as they are, not re-allocated: each was rounded against its own pool, and the
    merged pool is the sum of those pools, so it still adds up exactly.
    """
    items = list(distributions)
    if not items:
        raise InvalidInput("Nothing to merge: give at least one distribution.")
    first = items[0]
    for other in items[1:]:
        if (other.stream, other.currency) != (first.stream, first.currency):
            raise InvalidInput(
                f"Cannot merge a {other.stream} distribution in {other.currency} with a "
                f"{first.stream} one in {first.currency}; merge one stream and currency at a time."
            )
    lines = sorted((line for d in items for line in d.lines), key=_line_order)
    suspense = sorted((line for d in items for line in d.suspense), key=_suspense_order)
    return Distribution(
        stream=first.stream,
        currency=first.currency,
        pool=sum(d.pool for d in items),
        lines=tuple(lines),
        suspense=tuple(suspense),
    )


# Lines from different pools can share a sort key; the path (which names the output, run or
# model) then orders them, so a merge gives the same result whatever order its inputs came in.
def _line_order(line: Line) -> tuple[tuple[str, ...], str, int]:
    return (line.sort_key, line.explanation, line.amount)


def _suspense_order(line: SuspenseLine) -> tuple[tuple[str, ...], str, int]:
    return (line.sort_key, line.explanation, line.amount)
