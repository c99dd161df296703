"""Which of the attribution reports on one output counts for output-use money: the licence's rule.

Several vendors may report on one output, and each vendor's newer report supersedes its older ones.
Only *current* reports (each vendor's latest for the output) are candidates; among them the licence
version the output's model was trained under chooses. Without a rule in the licence the default is
docs/architecture.md's: the current report of the vendor the licensee designated. No candidate means no report
counts, and royalties fall back to the analogy rule (registry.royalties), never to another vendor by
accident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from registry.errors import InvalidInput


class CountingRuleKind(StrEnum):
    DESIGNATED_VENDOR = "DESIGNATED_VENDOR"  # the licensee's designated vendor (the default)
    NAMED_VENDOR = "NAMED_VENDOR"  # the vendor the licence names, whoever the licensee designated
    LATEST_ANY_VENDOR = "LATEST_ANY_VENDOR"  # the most recently computed current report of any engaged vendor


@dataclass(frozen=True, slots=True)
class CountingRule:
    kind: CountingRuleKind = CountingRuleKind.DESIGNATED_VENDOR
    vendor_id: str | None = None  # for NAMED_VENDOR

    @classmethod
    def from_terms(cls, kind: str | None, vendor_id: str | None) -> CountingRule:
        """The rule as a licence version stores it; absent means the default."""
        if kind is None:
            return cls()
        try:
            rule = CountingRuleKind(kind)
        except ValueError:
            known = ", ".join(CountingRuleKind)
            raise InvalidInput(f"unknown attribution rule {kind!r} in the licence; known: {known}") from None
        if (rule is CountingRuleKind.NAMED_VENDOR) != (vendor_id is not None):
            raise InvalidInput("a NAMED_VENDOR attribution rule names a vendor, and only that rule does")
        return cls(rule, vendor_id)


@dataclass(frozen=True, slots=True)
class ReportHead:
    """What the choice needs to know about one stored report."""

    id: str
    vendor_id: str
    computed_at: datetime
    received_at: datetime
    current: bool
    designated: bool  # the output's licensee designated this vendor


def counting_report(reports: Sequence[ReportHead], rule: CountingRule) -> ReportHead | None:
    """The report that counts under `rule`, or None (royalties then apply the analogy fallback)."""
    current = [r for r in reports if r.current]
    match rule.kind:
        case CountingRuleKind.DESIGNATED_VENDOR:
            chosen = [r for r in current if r.designated]
        case CountingRuleKind.NAMED_VENDOR:
            chosen = [r for r in current if r.vendor_id == rule.vendor_id]
        case CountingRuleKind.LATEST_ANY_VENDOR:
            chosen = current
    # A vendor has one current report per output; the ordering only matters for LATEST_ANY_VENDOR,
    # and ties fall to the earlier arrival, then the id, so the answer never flips between reads.
    ordered = sorted(chosen, key=lambda r: (-r.computed_at.timestamp(), r.received_at, r.id))
    return ordered[0] if ordered else None
