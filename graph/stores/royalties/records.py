"""What the statement stores answer: a statement's header, a payee's total, a creator's earnings in one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graph.stores._records import record_from_row
from registry.royalties import Stream


@dataclass(frozen=True, slots=True, kw_only=True)
class StatementRecord:
    id: str
    stream: Stream
    period: str
    currency: str
    status: str
    # Amounts in minor units, and counts: 0 where the statement node holds none.
    pool: int = 0
    revenue: int = 0
    paid: int = 0
    suspended: int = 0
    suspense_totals: dict[str, int] = field(default_factory=dict)  # by reason; stored as JSON
    carried_in: int = 0
    carried_out: int = 0
    minimum_payout: int = 0
    created_at: datetime
    completed_at: datetime | None
    finalised_at: datetime | None
    corrects_id: str | None
    created_by: str | None
    subject_count: int = 0
    line_count: int = 0
    suspense_line_count: int = 0

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> StatementRecord:
        return record_from_row(cls, row)

    @property
    def header(self) -> dict[str, Any]:
        """What an export says about the statement (amounts in minor units)."""
        return {
            "id": self.id,
            "stream": self.stream.value,
            "period": self.period,
            "currency": self.currency,
            "status": self.status,
            "pool_minor": self.pool,
            "revenue_minor": self.revenue,
            "paid_minor": self.paid,
            "suspended_minor": self.suspended,
            "carried_in_minor": self.carried_in,
            "carried_out_minor": self.carried_out,
            "minimum_payout_minor": self.minimum_payout,
            "suspense_minor_by_reason": self.suspense_totals,
            "subjects": self.subject_count,
            "lines": self.line_count,
            "corrects": self.corrects_id,
        }


@dataclass(frozen=True, slots=True)
class Payee:
    creator_id: str
    amount: int
    carried: int
    lines: int
    adjustment: int
    exact: str
    rounding: str
    exact_adjustment: str


@dataclass(frozen=True, slots=True)
class Earnings:
    statement: StatementRecord
    amount: int
    adjustment: int
    lines: int
