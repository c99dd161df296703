"""GraphQL types of the catalogue: Creator, Work, Share, Recording. Nested lists load through dataloaders."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

import strawberry

from graph.stores.catalogue.records import (
    ChainMemberRecord,
    ChainRecord,
    CreatorRecord,
    RecordingRecord,
    ShareRecord,
    WorkRecord,
)
from registry.catalogue import CreatorKind, WorkStatus
from registry.errors import Forbidden
from registry.identifiers import format_isrc, format_iswc
from registry.shares import ShareRole
from resolvers.access import part_of_parent, party_filtered
from resolvers.catalogue import loaders
from resolvers.catalogue.disputes import WorkDispute
from resolvers.catalogue.visibility import PRIVATE, PRIVATE_NOTE, creator_visible, work_visible
from resolvers.context import Info
from resolvers.dataloaders import now_or_later
from resolvers.enum_values import enum_values
from resolvers.mapping import from_record

strawberry.enum(CreatorKind, description="A natural person (writer) or a publishing company.")
enum_values(
    CreatorKind,
    {
        "PERSON": "A natural person: a writer (composer, lyricist, arranger ...).",
        "PUBLISHER": "A publishing company (original publisher, sub-publisher, administrator ...).",
    },
)
strawberry.enum(
    WorkStatus, description="WITHDRAWN works stay in the graph as evidence but are never licensed."
)
enum_values(
    WorkStatus,
    {
        "ACTIVE": "Registered and in use; licensable when every holder opted in.",
        "WITHDRAWN": "Withdrawn from the registry: kept as evidence, never licensed; uses are flagged.",
    },
)
strawberry.enum(
    ShareRole, description="What a share holder is to the work (CWR writer designation or publisher type)."
)
enum_values(
    ShareRole,
    {
        "COMPOSER": "CWR C: wrote the music.",
        "LYRICIST": "CWR A: wrote the words.",
        "COMPOSER_LYRICIST": "CWR CA: wrote music and words.",
        "ARRANGER": "CWR AR: arranged the work.",
        "ADAPTER": "CWR AD: adapted the words.",
        "TRANSLATOR": "CWR TR: translated the words.",
        "SUB_AUTHOR": "CWR SA: author of new words in a sub-publishing territory.",
        "SUB_ARRANGER": "CWR SR: arranger in a sub-publishing territory.",
        "PUBLISHER": "CWR E: the original publisher.",
        "SUB_PUBLISHER": "CWR SE: publishes for the original publisher in other territories.",
        "ADMINISTRATOR": "CWR AM: administers the rights for another publisher.",
        "ACQUIRER": "CWR AQ: acquired a publisher's catalogue.",
        "SUBSTITUTED_PUBLISHER": "CWR ES: a publisher substituted for the original one.",
        "INCOME_PARTICIPANT": "CWR PA: shares in the income without owning rights.",
    },
)

# A work named by one of its two keys: every field taking either uses these.
WorkIdArgument = Annotated[
    strawberry.ID | None, strawberry.argument(description="The work's registry id; give this or the ISWC.")
]
IswcArgument = Annotated[
    str | None,
    strawberry.argument(
        description="The work's ISWC, in any accepted form (T-123.456.789-C, T1234567890); give this or "
        "the work's id."
    ),
]


@strawberry.type(description="A rights holder: a writer (PERSON) or a publisher (PUBLISHER).")
class Creator:
    id: strawberry.ID = strawberry.field(description="The creator's registry id.")
    name: str | None = strawberry.field(description="Public. Last name of a person, name of a publisher.")
    first_name: str | None = strawberry.field(description="Public. First name(s) of a person.")
    kind: CreatorKind = strawberry.field(description="Public.")
    record: strawberry.Private[CreatorRecord]

    @classmethod
    def from_record(cls, record: CreatorRecord) -> Creator:
        return from_record(cls, record, record=record)

    @strawberry.field(extensions=PRIVATE, description="IPI name number, eleven digits." + PRIVATE_NOTE)
    def ipi(self) -> str | None:
        return self.record.ipi

    @strawberry.field(extensions=PRIVATE, description="ISNI, sixteen characters." + PRIVATE_NOTE)
    def isni(self) -> str | None:
        return self.record.isni

    @strawberry.field(extensions=PRIVATE, description="IPI base number, I-NNNNNNNNN-C." + PRIVATE_NOTE)
    def ipi_base(self) -> str | None:
        return self.record.ipi_base

    @strawberry.field(extensions=PRIVATE, description="When first registered." + PRIVATE_NOTE)
    def created_at(self) -> datetime | None:
        return self.record.created_at

    @strawberry.field(extensions=PRIVATE, description="When its details last changed." + PRIVATE_NOTE)
    def updated_at(self) -> datetime | None:
        return self.record.updated_at

    @strawberry.field(
        extensions=PRIVATE,
        description="The creator's shares (up to 100, by work title); all works: `works(filter: "
        "{creatorId})`. ADMIN, AUDITOR and the creator itself only; others get FORBIDDEN.",
    )
    async def shares(self, info: Info) -> list[Share]:
        if not creator_visible(info, self.id):
            raise Forbidden("A creator key reads its own shares only, not its co-holders'.")
        records = await loaders.shares_of_creator(info).load(self.id)
        return [Share.from_record(r) for r in records]


@strawberry.type(description="A musical work (composition), keyed by ISWC when it has one.")
class Work:
    id: strawberry.ID = strawberry.field(
        description="The work's registry id (from its ISWC when it has one)."
    )
    iswc: str | None = strawberry.field(description="Public. Canonical ISWC, e.g. T0345246801.")
    title: str = strawberry.field(description="Public.")
    alternate_titles: list[str] = strawberry.field(description="Public.")
    language: str | None = strawberry.field(description="Public. ISO 639-1 code of the lyrics.")
    status: WorkStatus = strawberry.field(description="Public.")
    record: strawberry.Private[WorkRecord]

    @classmethod
    def from_record(cls, record: WorkRecord) -> Work:
        return from_record(cls, record, alternate_titles=list(record.alternate_titles), record=record)

    @strawberry.field(
        extensions=PRIVATE,
        description="The chains of title from CWR (SPU/SPT/PWR): original publisher, administrators and "
        "sub-publishers with the territories they collect in, and the writers each chain publishes for. "
        "Evidence of who collects; the split itself is `shares`." + PRIVATE_NOTE,
    )
    async def publisher_chains(self, info: Info) -> list[PublisherChain]:
        chains = await loaders.chains_of_work(info).load(self.record.id)
        return [PublisherChain.from_record(chain) for chain in chains]

    @strawberry.field(
        extensions=PRIVATE,
        description="Other registrations' claims on the work and whether they are in dispute; null when "
        "only its own registration claims it." + PRIVATE_NOTE,
    )
    async def dispute(self, info: Info) -> WorkDispute | None:
        claims = await loaders.claims_of_work(info).load(self.record.id)
        return WorkDispute.of(self.record, claims) if claims else None

    @strawberry.field(description="Public. The ISWC as printed, e.g. T-034.524.680-1.")
    def iswc_formatted(self) -> str | None:
        return format_iswc(self.iswc) if self.iswc else None

    @strawberry.field(extensions=PRIVATE, description="The submitter's own work id (CWR)." + PRIVATE_NOTE)
    def submitter_work_id(self) -> str | None:
        return self.record.submitter_work_id

    @strawberry.field(extensions=PRIVATE, description="When first registered." + PRIVATE_NOTE)
    def created_at(self) -> datetime | None:
        return self.record.created_at

    @strawberry.field(extensions=PRIVATE, description="When its registration last changed." + PRIVATE_NOTE)
    def updated_at(self) -> datetime | None:
        return self.record.updated_at

    @strawberry.field(
        extensions=part_of_parent(),
        description="Public (names only for LICENSEE and VENDOR). Everyone holding a share.",
    )
    def creators(self, info: Info) -> list[Creator]:
        return now_or_later(loaders.shares_of_work(info), self.id, _creators)

    @strawberry.field(
        extensions=PRIVATE, description="The whole split, per holder and role, per right." + PRIVATE_NOTE
    )
    def shares(self, info: Info) -> list[Share]:
        return now_or_later(loaders.shares_of_work(info), self.id, _shares)

    @strawberry.field(
        extensions=part_of_parent(), description="Public. Recordings embodying the work (up to 100, by ISRC)."
    )
    async def recordings(self, info: Info) -> list[Recording]:
        records = await loaders.recordings_of_work(info).load(self.id)
        return [Recording.from_record(r) for r in records]


def _creators(records: list[ShareRecord]) -> list[Creator]:
    unique = {r.creator.id: r.creator for r in records}
    return [Creator.from_record(c) for c in unique.values()]


def _shares(records: list[ShareRecord]) -> list[Share]:
    # One work's shares: its Work is built once, not once per share (a trace builds hundreds).
    work = Work.from_record(records[0].work) if records else None
    return [Share.from_record(r, work) for r in records]


@strawberry.type(description="Collection shares of a chain member in one territory (CWR SPT), basis points.")
class ChainTerritory:
    tis_code: int = strawberry.field(description="CISAC TIS code: 2136 = World, else ISO 3166 numeric.")
    included: bool = strawberry.field(description="False: the territory is excluded from the collection.")
    performing_bp: int = strawberry.field(
        description="Collection share of performing rights, in basis points (10000 = 100 %)."
    )
    mechanical_bp: int = strawberry.field(
        description="Collection share of mechanical rights, in basis points (10000 = 100 %)."
    )
    synchronisation_bp: int = strawberry.field(
        description=("Collection share of synchronisation rights, in basis points (10000 = 100 %).")
    )


@strawberry.type(description="A publisher in a chain of title.")
class ChainMember:
    creator: Creator = strawberry.field(
        extensions=part_of_parent(), description="The publisher, shown as a share's holder is."
    )
    role_code: str = strawberry.field(
        description="CWR publisher type: E original, AM administrator, SE sub-publisher…"
    )
    territories: list[ChainTerritory] = strawberry.field(
        description="The member's collection shares, one entry per territory (CWR SPT)."
    )

    @classmethod
    def from_record(cls, record: ChainMemberRecord) -> ChainMember:
        territories = [from_record(ChainTerritory, t) for t in record.territories]
        return from_record(cls, record, creator=Creator.from_record(record.creator), territories=territories)


@strawberry.type(description="A chain of title (CWR publisher sequence #) of a work.")
class PublisherChain:
    number: int = strawberry.field(
        description=("The chain's number within the work (CWR publisher sequence number), from 1.")
    )
    members: list[ChainMember] = strawberry.field(
        description=(
            "The chain's publishers, original publisher first, then administrators and sub-publishers."
        )
    )
    writers: list[Creator] = strawberry.field(
        extensions=part_of_parent(), description="The writers this chain publishes for (CWR PWR)."
    )

    @classmethod
    def from_record(cls, record: ChainRecord) -> PublisherChain:
        members = [ChainMember.from_record(m) for m in record.members]
        return from_record(
            cls, record, members=members, writers=[Creator.from_record(w) for w in record.writers]
        )


@strawberry.type(description="One holder's share of one work in one role; basis points, 10000 = 100 %.")
class Share:
    creator: Creator = strawberry.field(description="The holder.", extensions=part_of_parent())
    work: Work = strawberry.field(description="The work held.", extensions=part_of_parent())
    role: ShareRole = strawberry.field(
        description=("What the holder is to the work (CWR writer designation or publisher type).")
    )
    performing_bp: int = strawberry.field(description="Performing right, hundredths of a percent.")
    mechanical_bp: int = strawberry.field(description="Mechanical right, hundredths of a percent.")
    synchronisation_bp: int = strawberry.field(description="Synchronisation right, hundredths of a percent.")
    claim: strawberry.ID | None = strawberry.field(
        description="The other registration (Work.dispute.claims) this share was claimed by; null for the "
        "work's own registration."
    )

    @classmethod
    def from_record(cls, record: ShareRecord, work: Work | None = None) -> Share:
        """`work`: the share's work as a GraphQL type, when the caller has already built it."""
        return from_record(
            cls,
            record,
            creator=Creator.from_record(record.creator),
            work=work or Work.from_record(record.work),
        )


@strawberry.type(description="Public: a sound recording, keyed by ISRC, and the works it embodies.")
class Recording:
    id: strawberry.ID = strawberry.field(description="The recording's registry id (from its ISRC).")
    isrc: str = strawberry.field(description="Canonical twelve characters, e.g. GBEMI0300013.")
    title: str | None = strawberry.field(description="The recording's title, if known.")
    artist: str | None = strawberry.field(description="The performing artist, if known.")
    duration_seconds: int | None = strawberry.field(description="The length in whole seconds, if known.")

    @classmethod
    def from_record(cls, record: RecordingRecord) -> Recording:
        return from_record(cls, record)

    @strawberry.field(description="The ISRC as printed, e.g. GB-EMI-03-00013.")
    def isrc_formatted(self) -> str:
        return format_isrc(self.isrc)

    @strawberry.field(
        extensions=party_filtered(),
        description="Works it embodies (up to 100); a CREATOR key sees only its own among them.",
    )
    async def works(self, info: Info) -> list[Work]:
        records = await loaders.works_of_recording(info).load(self.id)
        # gather, not a loop of awaits: the visibility checks must reach the loader in one batch.
        visible = await asyncio.gather(*(work_visible(info, r.id) for r in records))
        return [Work.from_record(r) for r, seen in zip(records, visible, strict=True) if seen]
