"""GraphQL types of attribution: vendors, engagements, reports with their matched and unmatched influences.

Scores and confidences are exact decimal strings (never floats): they decide money.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from graph.stores.attribution.reads import (
    Claim,
    FlagRecord,
    InfluenceRecord,
    ReportRecord,
    UnmatchedRecord,
)
from graph.stores.attribution.vendors import Engagement, VendorRecord
from registry.attribution import RightType, decimal_text
from registry.attribution_matching import MatchedBy, UnmatchedReason
from resolvers.access import part_of_parent, party_filtered
from resolvers.attribution import loaders
from resolvers.catalogue.types import Recording, Work
from resolvers.catalogue.visibility import work_visible
from resolvers.context import Info
from resolvers.enum_values import enum_values
from resolvers.licensing import loaders as licensing_loaders
from resolvers.mapping import from_record

strawberry.enum(RightType, description="COMPOSITION (the song: a Work) or MASTER (the sound: a Recording).")
enum_values(
    RightType,
    {
        "COMPOSITION": "The song: resolved to a Work (ISWC).",
        "MASTER": "The sound recording: resolved to a Recording (ISRC).",
    },
)
strawberry.enum(MatchedBy, description="How a vendor's reference was matched to the registry.")
enum_values(
    MatchedBy,
    {
        "ISWC": "By the work's ISWC.",
        "ISRC": "By the recording's ISRC.",
        "VENDOR_ID": "By the vendor's own id for the work, registered earlier.",
        "TITLE_CREATORS": "By title and creators' names, when exactly one work fits.",
    },
)
strawberry.enum(UnmatchedReason, description="Why a vendor's reference matched no single registry entry.")
enum_values(
    UnmatchedReason,
    {
        "NOT_REGISTERED": "An identifier the registry does not know.",
        "NO_MATCH": "No identifier, and no title and creator match.",
        "AMBIGUOUS": "More than one candidate: guessing would pay the wrong people.",
        "NO_SINGLE_WORK": "A composition named by ISRC whose recording embodies no work, or several.",
    },
)


@strawberry.enum(description="The vendor payload formats (docs/attribution-formats.md).")
class AttributionFormat(Enum):
    SUREEL = "sureel"
    MUSICAL_AI = "musical_ai"
    GENERIC_JSON = "generic_json"
    GENERIC_CSV = "generic_csv"


enum_values(
    AttributionFormat,
    {
        "SUREEL": "Sureel's JSON report (docs/attribution-formats.md).",
        "MUSICAL_AI": "Musical AI's JSON report.",
        "GENERIC_JSON": "This service's own JSON format, one or several reports.",
        "GENERIC_CSV": "This service's own CSV format, one row per influence.",
    },
)


@strawberry.type(description="An attribution vendor. Its webhook secret is never shown again after creation.")
class Vendor:
    id: strawberry.ID = strawberry.field(description="The vendor's id.")
    name: str = strawberry.field(description="The vendor's name.")
    format: AttributionFormat = strawberry.field(description="The format its webhook and pull results use.")
    created_at: datetime = strawberry.field(description="When it was registered.")
    pull_cursor: str | None = strawberry.field(description="Where the last pull stopped (opaque to us).")

    @classmethod
    def from_record(cls, record: VendorRecord) -> Vendor:
        return from_record(cls, record, format=AttributionFormat(record.format))


@strawberry.type(description="A new vendor and its webhook signing secret, shown this once.")
class CreatedVendor:
    vendor: Vendor = strawberry.field(description="The vendor's record.", extensions=part_of_parent())
    webhook_secret: str | None = strawberry.field(
        description="HMAC-SHA256 key for X-Opustrace-Signature. Shown only when the vendor was created "
        "by this call; a retried call returns null. Store it in the vendor's secret manager."
    )


@strawberry.type(description="A licensee engaged a vendor; the designated vendor's report counts by default.")
class VendorEngagement:
    licensee_id: strawberry.ID = strawberry.field(description="The engaging licensee.")
    vendor_id: strawberry.ID = strawberry.field(description="The vendor engaged.")
    designated: bool = strawberry.field(
        description="True when its report counts by default for the licensee's outputs."
    )
    since: datetime = strawberry.field(description="When the engagement began.")

    @classmethod
    def from_record(cls, record: Engagement) -> VendorEngagement:
        return from_record(cls, record)


@strawberry.type(description="What the vendor referred to.")
class InfluenceReference:
    iswc: str | None = strawberry.field(
        description="The ISWC the vendor gave, if any (e.g. T-123.456.789-C)."
    )
    isrc: str | None = strawberry.field(
        description="The ISRC the vendor gave, if any (e.g. GB-AYE-67-00001)."
    )
    vendor_work_id: str | None = strawberry.field(description="The vendor's own id for the work, if any.")
    title: str | None = strawberry.field(description="The title the vendor gave, if any.")
    creators: list[str] = strawberry.field(description="The creators' names the vendor gave.")


@strawberry.type(description="A stretch of the output, in seconds (decimal strings), and of the source.")
class InfluenceSegment:
    output_start: str = strawberry.field(description="Start in the output, seconds as a decimal string.")
    output_end: str = strawberry.field(description="End in the output, seconds as a decimal string.")
    source_start: str | None = strawberry.field(
        description="Start in the source, seconds as a decimal string; null when not given."
    )
    source_end: str | None = strawberry.field(
        description="End in the source, seconds as a decimal string; null when not given."
    )


def _reference(claim: Claim) -> InfluenceReference:
    return from_record(InfluenceReference, claim.reference, creators=list(claim.reference.creators))


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


def _claimed(claim: Claim) -> dict[str, object]:
    """What a matched and an unmatched influence both show of the vendor's claim, as the API writes it."""
    return {
        "right_type": claim.right_type,
        "score": decimal_text(claim.score),
        "confidence": None if claim.confidence is None else str(claim.confidence),
        "reference": _reference(claim),
        "segments": _segments(claim),
    }


@strawberry.type(description="A matched influence: the reference resolved to a work or a recording.")
class Influence:
    right_type: RightType = strawberry.field(
        description="COMPOSITION (resolved to a work) or MASTER (resolved to a recording)."
    )
    score: str = strawberry.field(description="Share of the output (0..1) as an exact decimal string.")
    confidence: str | None = strawberry.field(
        description=("The vendor's confidence in it, 0 to 1 as an exact decimal string; null when not given.")
    )
    matched_by: MatchedBy = strawberry.field(
        description="Which identifier matched the reference to the registry."
    )
    reference: InfluenceReference = strawberry.field(description="What the vendor referred to, as sent.")
    segments: list[InfluenceSegment] = strawberry.field(
        description=("The stretches of the output (and of the source) it concerns; empty when not given.")
    )
    target_id: strawberry.ID = strawberry.field(description="The Work (COMPOSITION) or Recording (MASTER).")

    @classmethod
    def from_record(cls, record: InfluenceRecord) -> Influence:
        return from_record(cls, record, matched_by=MatchedBy(record.matched_by), **_claimed(record.claim))

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
    right_type: RightType = strawberry.field(description="COMPOSITION or MASTER, as the vendor said.")
    score: str = strawberry.field(
        description="The vendor's influence score, 0 to 1 as an exact decimal string."
    )
    confidence: str | None = strawberry.field(
        description=("The vendor's confidence, 0 to 1 as an exact decimal string; null when not given.")
    )
    reason_code: UnmatchedReason = strawberry.field(description="Why it matched no single entry.")
    reason: str = strawberry.field(description="The same in words.")
    reference: InfluenceReference = strawberry.field(description="What the vendor referred to, as sent.")
    segments: list[InfluenceSegment] = strawberry.field(
        description="The stretches of the output it concerns."
    )

    @classmethod
    def from_record(cls, record: UnmatchedRecord) -> UnmatchedInfluence:
        return from_record(
            cls, record, reason_code=UnmatchedReason(record.reason_code), **_claimed(record.claim)
        )


@strawberry.type(description="An influence on a work that was not licensable for output use: kept, flagged.")
class AttributionFlag:
    id: strawberry.ID = strawberry.field(description="The flag's id.")
    code: str = strawberry.field(
        description="The flag code (WORK_NOT_LICENSABLE, WORK_DECLINED or WORK_WITHDRAWN)."
    )
    message: str = strawberry.field(description="What was found, in words.")
    work_id: strawberry.ID = strawberry.field(description="The work influenced.")
    detected_at: datetime = strawberry.field(description="When the report raising it was stored.")

    @classmethod
    def from_record(cls, record: FlagRecord) -> AttributionFlag:
        return from_record(cls, record)


@strawberry.type(description="One vendor's finding about one output, as stored (the same report once).")
class AttributionReport:
    id: strawberry.ID = strawberry.field(description="The stored report's id.")
    digest: str = strawberry.field(
        description="SHA-256 of the canonical report: equal means the same report."
    )
    vendor_id: strawberry.ID = strawberry.field(description="The vendor that computed it.")
    vendor_report_id: str = strawberry.field(description="The vendor's own id for the report.")
    output_id: strawberry.ID = strawberry.field(description="The output it is about.")
    method: str = strawberry.field(description="The vendor's attribution method, as the vendor names it.")
    method_version: str = strawberry.field(description="The version of that method.")
    computed_at: datetime = strawberry.field(
        description=("When the vendor computed it; a later computation by the same vendor supersedes it.")
    )
    received_at: datetime = strawberry.field(description="When this service stored it.")
    via: str = strawberry.field(description="GRAPHQL, WEBHOOK or PULL: how it first arrived.")
    current: bool = strawberry.field(description="The vendor's latest report on the output.")
    superseded_by_id: strawberry.ID | None = strawberry.field(
        description=("The report that superseded it; null while it is the vendor's current one.")
    )
    influence_count: int = strawberry.field(
        description="How many influences (matched and unmatched) it lists."
    )
    unattributed_composition: str = strawberry.field(description="1 - the COMPOSITION scores, at least 0.")
    unattributed_master: str = strawberry.field(
        description=(
            "The part of the output's MASTER (sound recording) influence the vendor "
            "attributes to no recording, 0 to 1 as an exact decimal string."
        )
    )

    @classmethod
    def from_record(cls, record: ReportRecord) -> AttributionReport:
        return from_record(
            cls,
            record,
            superseded_by_id=record.superseded_by,
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
    report: AttributionReport = strawberry.field(
        description="The stored report.", extensions=part_of_parent()
    )
    duplicate: bool = strawberry.field(description="True when this exact report was already stored.")
    current: bool = strawberry.field(
        description=(
            "True when it is the vendor's current report for the output (not "
            "superseded by a later computation)."
        )
    )


@strawberry.type(description="The reports a submission carried (generic formats may carry several).")
class AttributionSubmission:
    reports: list[SubmittedReport] = strawberry.field(
        description="Each report of the submission, in the order sent."
    )
