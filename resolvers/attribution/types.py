"""GraphQL types of attribution: vendors, engagements, reports with their matched and unmatched influences.

Scores and confidences are exact decimal strings (never floats): they decide money.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from graph.stores.attribution_reads import (
    Claim,
    FlagRecord,
    InfluenceRecord,
    ReportRecord,
    UnmatchedRecord,
)
from graph.stores.vendors import Engagement, VendorRecord
from registry.attribution import RightType, decimal_text
from registry.attribution_matching import MatchedBy, UnmatchedReason
from resolvers.access import part_of_parent, party_filtered
from resolvers.attribution import loaders
from resolvers.catalogue.types import Recording, Work
from resolvers.catalogue.visibility import work_visible
from resolvers.context import Info
from resolvers.licensing import loaders as licensing_loaders

strawberry.enum(RightType, description="COMPOSITION (the song: a Work) or MASTER (the sound: a Recording).")
strawberry.enum(MatchedBy, description="How a vendor's reference was matched to the registry.")
strawberry.enum(UnmatchedReason, description="Why a vendor's reference matched no single registry entry.")


@strawberry.enum(description="The vendor payload formats (docs/attribution-formats.md).")
class AttributionFormat(Enum):
    SUREEL = "sureel"
    MUSICAL_AI = "musical_ai"
    GENERIC_JSON = "generic_json"
    GENERIC_CSV = "generic_csv"


@strawberry.type(description="An attribution vendor. Its webhook secret is never shown again after creation.")
class Vendor:
    id: strawberry.ID
    name: str
    format: AttributionFormat = strawberry.field(description="The format its webhook and pull results use.")
    created_at: datetime
    pull_cursor: str | None = strawberry.field(description="Where the last pull stopped (opaque to us).")

    @classmethod
    def from_record(cls, record: VendorRecord) -> Vendor:
        return cls(
            id=strawberry.ID(record.id),
            name=record.name,
            format=AttributionFormat(record.format),
            created_at=record.created_at,
            pull_cursor=record.pull_cursor,
        )


@strawberry.type(description="A new vendor and its webhook signing secret, shown this once.")
class CreatedVendor:
    vendor: Vendor = strawberry.field(extensions=part_of_parent())
    webhook_secret: str | None = strawberry.field(
        description="HMAC-SHA256 key for X-Opustrace-Signature. Shown only when the vendor was created "
        "by this call; a retried call returns null. Store it in the vendor's secret manager."
    )


@strawberry.type(description="A licensee engaged a vendor; the designated vendor's report counts by default.")
class VendorEngagement:
    licensee_id: strawberry.ID
    vendor_id: strawberry.ID
    designated: bool
    since: datetime

    @classmethod
    def from_record(cls, record: Engagement) -> VendorEngagement:
        return cls(
            licensee_id=strawberry.ID(record.licensee_id),
            vendor_id=strawberry.ID(record.vendor_id),
            designated=record.designated,
            since=record.since,
        )


@strawberry.type(description="What the vendor referred to.")
class InfluenceReference:
    iswc: str | None
    isrc: str | None
    vendor_work_id: str | None
    title: str | None
    creators: list[str]


@strawberry.type(description="A stretch of the output, in seconds (decimal strings), and of the source.")
class InfluenceSegment:
    output_start: str
    output_end: str
    source_start: str | None
    source_end: str | None


def _reference(claim: Claim) -> InfluenceReference:
    ref = claim.reference
    return InfluenceReference(
        iswc=ref.iswc,
        isrc=ref.isrc,
        vendor_work_id=ref.vendor_work_id,
        title=ref.title,
        creators=list(ref.creators),
    )


def _segments(claim: Claim) -> list[InfluenceSegment]:
    return [
        InfluenceSegment(
            output_start=decimal_text(s.output_start),
            output_end=decimal_text(s.output_end),
            source_start=decimal_text(s.source_start) if s.source_start is not None else None,
            source_end=decimal_text(s.source_end) if s.source_end is not None else None,
        )
        for s in claim.segments
    ]


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


@strawberry.type(description="A matched influence: the reference resolved to a work or a recording.")
class Influence:
    right_type: RightType
    score: str = strawberry.field(description="Share of the output (0..1) as an exact decimal string.")
    confidence: str | None
    matched_by: MatchedBy
    reference: InfluenceReference
    segments: list[InfluenceSegment]
    target_id: strawberry.ID = strawberry.field(description="The Work (COMPOSITION) or Recording (MASTER).")

    @classmethod
    def from_record(cls, record: InfluenceRecord) -> Influence:
        claim = record.claim
        return cls(
            right_type=claim.right_type,
            score=decimal_text(claim.score),
            confidence=_optional(claim.confidence),
            matched_by=MatchedBy(record.matched_by),
            reference=_reference(claim),
            segments=_segments(claim),
            target_id=strawberry.ID(record.target_id),
        )

    @strawberry.field(
        extensions=party_filtered(),
        description="The influencing work, for a COMPOSITION influence.",
    )
    async def work(self, info: Info) -> Work | None:
        if self.right_type is not RightType.COMPOSITION or not await work_visible(info, str(self.target_id)):
            return None
        record = await licensing_loaders.work(info).load(str(self.target_id))
        return Work.from_record(record) if record else None

    @strawberry.field(
        extensions=part_of_parent(),
        description="The influencing recording, for a MASTER influence.",
    )
    async def recording(self, info: Info) -> Recording | None:
        if self.right_type is not RightType.MASTER:
            return None
        record = await loaders.recording(info).load(str(self.target_id))
        return Recording.from_record(record) if record else None


@strawberry.type(description="A reference that matched no single registry entry; its money goes to suspense.")
class UnmatchedInfluence:
    right_type: RightType
    score: str
    confidence: str | None
    reason_code: UnmatchedReason
    reason: str
    reference: InfluenceReference
    segments: list[InfluenceSegment]

    @classmethod
    def from_record(cls, record: UnmatchedRecord) -> UnmatchedInfluence:
        claim = record.claim
        return cls(
            right_type=claim.right_type,
            score=decimal_text(claim.score),
            confidence=_optional(claim.confidence),
            reason_code=UnmatchedReason(record.reason_code),
            reason=record.reason,
            reference=_reference(claim),
            segments=_segments(claim),
        )


@strawberry.type(description="An influence on a work that was not licensable for output use: kept, flagged.")
class AttributionFlag:
    id: strawberry.ID
    code: str
    message: str
    work_id: strawberry.ID
    detected_at: datetime

    @classmethod
    def from_record(cls, record: FlagRecord) -> AttributionFlag:
        return cls(
            id=strawberry.ID(record.id),
            code=record.code,
            message=record.message,
            work_id=strawberry.ID(record.work_id),
            detected_at=record.detected_at,
        )


@strawberry.type(description="One vendor's finding about one output, as stored (the same report once).")
class AttributionReport:
    id: strawberry.ID
    digest: str = strawberry.field(
        description="SHA-256 of the canonical report: equal means the same report."
    )
    vendor_id: strawberry.ID
    vendor_report_id: str
    output_id: strawberry.ID
    method: str
    method_version: str
    computed_at: datetime
    received_at: datetime
    via: str = strawberry.field(description="GRAPHQL, WEBHOOK or PULL: how it first arrived.")
    current: bool = strawberry.field(description="The vendor's latest report on the output.")
    superseded_by_id: strawberry.ID | None
    influence_count: int
    unattributed_composition: str = strawberry.field(description="1 - the COMPOSITION scores, at least 0.")
    unattributed_master: str

    @classmethod
    def from_record(cls, record: ReportRecord) -> AttributionReport:
        return cls(
            id=strawberry.ID(record.id),
            digest=record.digest,
            vendor_id=strawberry.ID(record.vendor_id),
            vendor_report_id=record.vendor_report_id,
            output_id=strawberry.ID(record.output_id),
            method=record.method,
            method_version=record.method_version,
            computed_at=record.computed_at,
            received_at=record.received_at,
            via=record.via,
            current=record.current,
            superseded_by_id=strawberry.ID(record.superseded_by) if record.superseded_by else None,
            influence_count=record.influence_count,
            unattributed_composition=decimal_text(record.unattributed_composition),
            unattributed_master=decimal_text(record.unattributed_master),
        )

    @strawberry.field(
        description="Influences matched to registry works and recordings, in the report's order."
    )
    async def influences(self, info: Info) -> list[Influence]:
        return [Influence.from_record(r) for r in await loaders.influences(info).load(str(self.id))]

    @strawberry.field(description="References that matched nothing (or several things), with the reason.")
    async def unmatched(self, info: Info) -> list[UnmatchedInfluence]:
        return [UnmatchedInfluence.from_record(r) for r in await loaders.unmatched(info).load(str(self.id))]

    @strawberry.field(description="Compliance flags: influences on works not licensable for output use.")
    async def flags(self, info: Info) -> list[AttributionFlag]:
        return [AttributionFlag.from_record(r) for r in await loaders.flags(info).load(str(self.id))]


@strawberry.type(description="One report of a submission: stored now, or already stored (duplicate).")
class SubmittedReport:
    report: AttributionReport = strawberry.field(extensions=part_of_parent())
    duplicate: bool = strawberry.field(description="True when this exact report was already stored.")
    current: bool


@strawberry.type(description="The reports a submission carried (generic formats may carry several).")
class AttributionSubmission:
    reports: list[SubmittedReport]
