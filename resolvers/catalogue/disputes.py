"""GraphQL types of claims and disputes on a work (reads and resolution: graph.stores.catalogue.disputes)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import strawberry

from graph.stores.catalogue.disputes import ClaimRecord
from graph.stores.catalogue.records import WorkRecord
from resolvers.enum_values import enum_values
from resolvers.mapping import from_record


@strawberry.enum(description="OPEN while the claims exceed 100 % of a right; RESOLVED once an ADMIN decided.")
class DisputeStatus(StrEnum):
    NONE = "NONE"
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"


enum_values(
    DisputeStatus,
    {
        "NONE": "One registration only, or claims that fit within 100 % of each right.",
        "OPEN": "The claims exceed 100 % of a right; the work's money waits in suspense (DISPUTED).",
        "RESOLVED": "An ADMIN decided which claims stand (resolveWorkDispute).",
    },
)


@strawberry.type(
    description="One registration of the work: its own (id = the work's id) or another submitter's."
)
class WorkClaim:
    id: strawberry.ID = strawberry.field(
        description=(
            "The claim's id: the work's own id for its own registration, else the other registration's."
        )
    )
    status: str = strawberry.field(description="ACTIVE, or ACCEPTED / REJECTED once a dispute was resolved.")
    submitter_work_id: str | None = strawberry.field(
        description="The submitter's own work number for this registration (CWR), if given."
    )
    title: str | None = strawberry.field(description="The title this registration gives.")
    performing_bp: int = strawberry.field(description="The claim's shares of the performing right, summed.")
    mechanical_bp: int = strawberry.field(
        description=(
            "The mechanical share this registration claims in total, in basis points (10000 = 100 %)."
        )
    )
    synchronisation_bp: int = strawberry.field(
        description=(
            "The synchronisation share this registration claims in total, in basis points (10000 = 100 %)."
        )
    )

    @classmethod
    def from_record(cls, record: ClaimRecord) -> WorkClaim:
        totals = record.totals
        return from_record(
            cls,
            record,
            performing_bp=totals.performing_bp,
            mechanical_bp=totals.mechanical_bp,
            synchronisation_bp=totals.synchronisation_bp,
        )


@strawberry.type(
    description="Claims on a work by more than one registration. While OPEN the work's money waits in "
    "suspense with the reason DISPUTED."
)
class WorkDispute:
    status: DisputeStatus = strawberry.field(description="NONE, OPEN or RESOLVED.")
    rights: list[str] = strawberry.field(description="The rights whose claimed shares exceed 100 %.")
    claims: list[WorkClaim] = strawberry.field(
        description="Every registration claiming the work, its own first."
    )
    evidence: str | None = strawberry.field(description="What the ADMIN's resolution rests on.")
    resolved_by: str | None = strawberry.field(
        description="Who resolved it (the ADMIN key's actor); null until resolved."
    )
    resolved_at: datetime | None = strawberry.field(description="When it was resolved; null until resolved.")

    @classmethod
    def of(cls, work: WorkRecord, claims: list[ClaimRecord]) -> WorkDispute:
        if work.disputed_rights:
            status = DisputeStatus.OPEN
        elif work.dispute_resolved_at is not None:
            status = DisputeStatus.RESOLVED
        else:
            status = DisputeStatus.NONE  # claims that fit together: the work has several registrants
        return cls(
            status=status,
            rights=list(work.disputed_rights),
            claims=[WorkClaim.from_record(claim) for claim in claims],
            evidence=work.dispute_evidence,
            resolved_by=work.dispute_resolved_by,
            resolved_at=work.dispute_resolved_at,
        )
