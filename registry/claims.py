"""Claims on a work: two submitters registering one ISWC, and how an ADMIN resolves a dispute between them.

A work's registration is its own claim (its id is the work's id); every further registration of the same
work under another registration id is a claim of its own. While the claimed shares of some right add up
to more than 100 % (beyond CWR's ±0.06 tolerance) the work is disputed and its money waits in suspense
(`SuspenseReason.DISPUTED`). An ADMIN resolves the dispute by naming the claims that stand, with the
evidence for the decision; what stands must then be a valid split.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from registry.errors import InvalidInput
from registry.shares import bp_to_percent_str, is_valid_total

__all__ = ["ClaimTotals", "check_resolution"]

_RIGHTS = ("performing", "mechanical", "synchronisation")


@dataclass(frozen=True, slots=True)
class ClaimTotals:
    """One claim's shares of a work, summed per right, in basis points."""

    performing_bp: int
    mechanical_bp: int
    synchronisation_bp: int

    def as_tuple(self) -> tuple[int, int, int]:
        return (self.performing_bp, self.mechanical_bp, self.synchronisation_bp)


def check_resolution(
    work_id: str, claims: Mapping[str, ClaimTotals], keep: Sequence[str], evidence: str
) -> ClaimTotals:
    """The totals the kept claims leave on the work; refuses a resolution naming unknown claims, keeping
    none, without evidence or leaving a bad split."""
    if not evidence.strip():
        raise InvalidInput("Say what the decision rests on: evidence is required to resolve a dispute.")
    unknown = sorted(set(keep) - set(claims))
    if unknown:
        known = ", ".join(sorted(claims))
        raise InvalidInput(f"Work {work_id} has no claim {', '.join(unknown)}; its claims are {known}.")
    if not keep:
        raise InvalidInput("Keep at least one claim; to remove a work, withdraw it instead.")
    totals = [sum(claims[claim].as_tuple()[slot] for claim in set(keep)) for slot in range(3)]
    bad = [
        f"{right} {bp_to_percent_str(total)} %"
        for right, total in zip(_RIGHTS, totals, strict=True)
        if not is_valid_total(total)
    ]
    if bad:
        raise InvalidInput(
            f"The claims kept add up to {', '.join(bad)}; each right must total 100 % (±0.06) or 0. "
            "Keep other claims."
        )
    return ClaimTotals(*totals)
