"""Catalogue writes (ADMIN): creators, works with their whole split, recordings, and CWR file import."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from graph.stores import catalogue_writes, disputes
from graph.stores.cwr_import import ImportRejection, ImportReport, import_cwr
from registry.access import Role
from registry.catalogue import (
    CreatorKind,
    CreatorRef,
    CreatorRegistration,
    RecordingRegistration,
    ShareRegistration,
    WorkRegistration,
)
from registry.cwr import CwrReader, strict_reader
from registry.cwr.ack import write_ack
from registry.errors import InvalidInput
from registry.identifiers import parse_ipi_name_number
from registry.shares import ShareRole
from resolvers.access import allow, require_principal
from resolvers.catalogue.types import Creator, Recording, Work
from resolvers.context import Info

# The HTTP layer caps request bodies too; this bounds what one import holds in memory.
MAX_CWR_BYTES = 64 * 1024 * 1024


@strawberry.input(description="A creator, registered under its IPI name number, else under `id`.")
class CreatorInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="Your id for it, if no IPI.")
    name: str = strawberry.field(description="Last name of a person, name of a publisher.")
    first_name: str | None = None
    kind: CreatorKind = CreatorKind.PERSON
    ipi: str | None = strawberry.field(default=None, description="IPI name number (11 digits, checked).")
    isni: str | None = strawberry.field(default=None, description="ISNI (16 characters, checked).")
    ipi_base: str | None = strawberry.field(default=None, description="IPI base number, I-NNNNNNNNN-C.")


@strawberry.input(description="One holder's share in one role; basis points per right, 10000 = 100 %.")
class ShareInput:
    creator_id: strawberry.ID | None = None
    creator_ipi: str | None = None
    role: ShareRole
    performing_bp: int
    mechanical_bp: int
    synchronisation_bp: int


@strawberry.input(
    description="A work with its whole split: the shares replace the work's current ones. Per right they "
    "must add up to 100 % (±0.06) or 0."
)
class WorkInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="Your id for it, if no ISWC.")
    iswc: str | None = strawberry.field(default=None, description="T-123.456.789-C or T1234567890.")
    title: str
    alternate_titles: list[str] = strawberry.field(default_factory=list)
    language: str | None = None
    submitter_work_id: str | None = None
    shares: list[ShareInput] = strawberry.field(default_factory=list)


@strawberry.input(description="A recording by ISRC; `workIds` links are added, never removed.")
class RecordingInput:
    isrc: str
    title: str | None = None
    artist: str | None = None
    duration_seconds: int | None = None
    work_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.type(description="A CWR transaction that was not loaded, with where it is and why.")
class CwrRejection:
    transaction_seq: int | None
    record_seq: int | None
    record_type: str
    line_number: int
    submitter_work_id: str | None
    title: str | None
    reason: str
    rule: str | None = strawberry.field(
        description="The code of the validation rule broken (docs/cwr.md lists them with their CISAC level)."
    )

    @classmethod
    def from_record(cls, r: ImportRejection) -> CwrRejection:
        return cls(
            transaction_seq=r.transaction_seq,
            record_seq=r.record_seq,
            record_type=r.record_type,
            line_number=r.line_number,
            submitter_work_id=r.submitter_work_id,
            title=r.title,
            reason=r.reason,
            rule=r.rule,
        )


@strawberry.type(description="What an import did. Importing the same file again leaves every work unchanged.")
class CwrImportReport:
    works_loaded: int
    works_created: int
    works_updated: int
    works_unchanged: int
    works_repaired: int = strawberry.field(
        description="Loaded works whose transaction had defects that were repaired or fields that were "
        "dropped; `warnings` says which, with their lines."
    )
    works_rejected: int
    rejections: list[CwrRejection]
    warnings: list[str]
    acknowledgement: str | None = strawberry.field(
        description="The CWR acknowledgement file (ACK transactions with MSG records), when asked for with "
        "`acknowledge: true`; lines end in CRLF."
    )

    @classmethod
    def from_report(cls, report: ImportReport, acknowledgement: str | None) -> CwrImportReport:
        return cls(
            works_loaded=report.works_loaded,
            works_created=report.works_created,
            works_updated=report.works_updated,
            works_unchanged=report.works_unchanged,
            works_repaired=report.works_repaired,
            works_rejected=report.works_rejected,
            rejections=[CwrRejection.from_record(r) for r in report.rejections],
            warnings=report.warnings,
            acknowledgement=acknowledgement,
        )


def _holder(share: ShareInput) -> CreatorRef:
    if (share.creator_id is None) == (share.creator_ipi is None):
        raise InvalidInput("Each share names its holder by exactly one of creatorId or creatorIpi.")
    ipi = parse_ipi_name_number(share.creator_ipi) if share.creator_ipi is not None else None
    if share.creator_ipi is not None and ipi is None:
        raise InvalidInput("creatorIpi of zeros names nobody; give the holder's IPI or its creatorId.")
    return CreatorRef(ipi=ipi, id=str(share.creator_id) if share.creator_id is not None else None)


def _work(input: WorkInput) -> WorkRegistration:
    return WorkRegistration(
        id=str(input.id) if input.id is not None else None,
        iswc=input.iswc,
        title=input.title,
        alternate_titles=tuple(input.alternate_titles),
        language=input.language,
        submitter_work_id=input.submitter_work_id,
        shares=tuple(
            ShareRegistration(
                holder=_holder(s),
                role=s.role,
                performing_bp=s.performing_bp,
                mechanical_bp=s.mechanical_bp,
                synchronisation_bp=s.synchronisation_bp,
            )
            for s in input.shares
        ),
    )


async def _read_capped(file: object) -> bytes:
    if not isinstance(file, UploadFile):
        raise InvalidInput("file must be a multipart upload (GraphQL multipart request spec).")
    data = await file.read(MAX_CWR_BYTES + 1)
    if len(data) > MAX_CWR_BYTES:
        raise InvalidInput(
            f"The file is over {MAX_CWR_BYTES // (1024 * 1024)} MB; split it, or load it with "
            "`opustrace import-cwr FILE` on the server."
        )
    return data


@strawberry.type
class CatalogueMutation:
    @strawberry.mutation(
        extensions=allow(Role.ADMIN),
        description="Create or update a creator (by IPI, else id). Fields left out keep their value.",
    )
    async def upsert_creator(self, info: Info, input: CreatorInput) -> Creator:
        registration = CreatorRegistration(
            id=str(input.id) if input.id is not None else None,
            name=input.name,
            first_name=input.first_name,
            kind=input.kind,
            ipi=input.ipi,
            isni=input.isni,
            ipi_base=input.ipi_base,
        )
        return Creator.from_record(await catalogue_writes.upsert_creator(info.context.db, registration))

    @strawberry.mutation(
        extensions=allow(Role.ADMIN),
        description="Create or update a work (by ISWC, else id) and replace its shares, atomically. A split "
        "that does not add up is refused with the totals per right.",
    )
    async def upsert_work(self, info: Info, input: WorkInput) -> Work:
        record, _ = await catalogue_writes.upsert_work(info.context.db, _work(input))
        return Work.from_record(record)

    @strawberry.mutation(extensions=allow(Role.ADMIN), description="Create or update a recording by ISRC.")
    async def upsert_recording(self, info: Info, input: RecordingInput) -> Recording:
        registration = RecordingRegistration(
            isrc=input.isrc,
            title=input.title,
            artist=input.artist,
            duration_seconds=input.duration_seconds,
            work_ids=tuple(str(w) for w in input.work_ids),
        )
        return Recording.from_record(await catalogue_writes.upsert_recording(info.context.db, registration))

    @strawberry.mutation(
        extensions=allow(Role.ADMIN),
        description="Resolve a dispute between claims on a work: the claims named in keepClaims stand, the "
        "others lose their shares. What stands must add up to 100 % (±0.06) or 0 per right. The evidence is "
        "kept on the work and the decision is audited; the work's money leaves suspense.",
    )
    async def resolve_work_dispute(
        self, info: Info, work_id: strawberry.ID, keep_claims: list[strawberry.ID], evidence: str
    ) -> Work:
        principal = require_principal(info)
        record = await disputes.resolve_dispute(
            info.context.db,
            str(work_id),
            [str(c) for c in keep_claims],
            evidence,
            principal.name or principal.key_id,
        )
        return Work.from_record(record)

    @strawberry.mutation(
        extensions=allow(Role.ADMIN),
        description="Import a CISAC CWR 2.1/2.2 file (multipart upload, at most 64 MB). Each transaction "
        "loads whole or is reported as a rejection; the rest of the file still loads. Lenient by default "
        "(envelope defects repaired with a warning); `strict: true` applies CISAC's validation levels as "
        "written. `acknowledge: true` returns the CWR acknowledgement file in the report.",
    )
    async def import_cwr(
        self, info: Info, file: Upload, strict: bool = False, acknowledge: bool = False
    ) -> CwrImportReport:
        # CWR is ASCII; latin-1 decodes any byte, so a stray one is reported by the parser, not here.
        lines = (await _read_capped(file)).decode("latin-1").splitlines()
        reader = strict_reader(lambda: lines) if strict else CwrReader(lines)
        report = await import_cwr(info.context.db, reader, acknowledge=acknowledge)
        ack = None
        if acknowledge:
            ack = "".join(
                f"{line}\r\n"
                for line in write_ack(report.acknowledgements or [], reader.header, datetime.now(UTC))
            )
        return CwrImportReport.from_report(report, ack)
