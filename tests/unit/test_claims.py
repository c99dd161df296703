"""Disputes between claims on a work: the resolution rule and what a dispute does to money."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from registry.claims import ClaimTotals, check_resolution
from registry.errors import InvalidInput
from registry.rights import HolderFacts, Scope, WorkFacts
from registry.royalties import (
    LicenceTerms,
    SuspenseReason,
    WorkInput,
    WorkStatus,
    WorkUsage,
    distribute_training,
)
from registry.royalties.facts import work_status
from registry.shares import Share, ShareRole

OWN = ClaimTotals(10000, 10000, 0)
OTHER = ClaimTotals(10000, 5000, 0)
HALF = ClaimTotals(0, 5000, 0)


def test_a_resolution_keeping_claims_that_form_a_valid_split_passes() -> None:
    kept = check_resolution("W", {"W": OWN, "K": OTHER}, ["W"], "signed agreement of 2024-03-01")
    assert kept == ClaimTotals(10000, 10000, 0)
    both = check_resolution("W", {"W": ClaimTotals(10000, 5000, 0), "K": HALF}, ["W", "K"], "both agree")
    assert both == ClaimTotals(10000, 10000, 0)


@pytest.mark.parametrize(
    ("keep", "evidence", "message"),
    [
        (["W", "K"], "both", "mechanical 150.00 %"),  # keeping both leaves the dispute in place
        (["X"], "letter", "has no claim X"),
        ([], "letter", "Keep at least one claim"),
        (["W"], "  ", "evidence is required"),
    ],
)
def test_a_resolution_that_leaves_no_valid_split_is_refused(
    keep: list[str], evidence: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_resolution("W", {"W": OWN, "K": OTHER}, keep, evidence)


def test_a_disputed_work_is_paid_into_suspense_with_the_reason_disputed() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    holder = HolderFacts("A", 20000, ())
    facts = WorkFacts("W1", holders=(holder,), disputed=True)
    # No consent either: a dispute says more (who is to be paid is in doubt), so it takes precedence.
    status = work_status(facts, Scope.TRAINING, at)
    assert status is WorkStatus.DISPUTED
    work = WorkInput("W1", (Share(holder_id="A", role=ShareRole.COMPOSER, performing_bp=10000,
                                  mechanical_bp=10000, synchronisation_bp=0),), status)  # fmt: skip
    result = distribute_training(
        10000, "EUR", run_id="R", terms=LicenceTerms("L", "1"), used=[WorkUsage(work)]
    )
    assert result.lines == ()
    (held,) = result.suspense
    assert (held.reason, held.work_ref, held.amount) == (SuspenseReason.DISPUTED, "W1", 10000)
    assert "an ADMIN must resolve them" in held.message
