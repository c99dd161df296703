"""What the statement stores answer: a statement's header, a payee's total, a creator's earnings in one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph.stores._records import native, required_native
from registry.royalties import Stream


@dataclass(frozen=True, slots=True)
class StatementRecord:
    id: str
    stream: Stream
    period: str
    currency: str
    status: str
    pool: int
    revenue: int
    paid: int
    suspended: int
    carried_in: int
    carried_out: int
    minimum_payout: int
    subject_count: int
    line_count: int
    suspense_line_count: int
    suspense_totals: dict[str, int]
    created_at: datetime
    completed_at: datetime | None
    finalised_at: datetime | None
    corrects_id: str | None
    created_by: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> StatementRecord:
        return cls(
            id=row["id"],
            stream=Stream(row["stream"]),
            period=row["period"],
            currency=row["currency"],
            status=row["status"],
            pool=row.get("pool") or 0,
            revenue=row.get("revenue") or 0,
            paid=row.get("paid") or 0,
            suspended=row.get("suspended") or 0,
            carried_in=row.get("carried_in") or 0,
            carried_out=row.get("carried_out") or 0,
            minimum_payout=row.get("minimum_payout") or 0,
            subject_count=row.get("subject_count") or 0,
            line_count=row.get("line_count") or 0,
            suspense_line_count=row.get("suspense_line_count") or 0,
            suspense_totals=json.loads(row.get("suspense_totals") or "{}"),
            created_at=required_native(row["created_at"]),
            completed_at=native(row.get("completed_at")),
            finalised_at=native(row.get("finalised_at")),
            corrects_id=row.get("corrects_id"),
            created_by=row.get("created_by"),
        )

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
