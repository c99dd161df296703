"""Catalogue writes (ADMIN): creators, works with their whole split, recordings, and CWR file import."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from graph.stores.catalogue import disputes
from graph.stores.catalogue import writes as catalogue_writes
from graph.stores.catalogue.cwr_import import ImportRejection, ImportReport, import_cwr
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
from resolvers.mapping import from_record, to_model

# The HTTP layer caps request bodies too; this bounds what one import holds in memory.
MAX_CWR_BYTES = 64 * 1024 * 1024


@strawberry.input(description="A creator, registered under its IPI name number, else under `id`.")
class CreatorInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="Your id for it, if no IPI.")
    name: str = strawberry.field(description="Last name of a person, name of a publisher.")
    first_name: str | None = strawberry.field(default=None, description="Given name of a PERSON, if any.")
    kind: CreatorKind = strawberry.field(default=CreatorKind.PERSON, description="PERSON or PUBLISHER.")
    ipi: str | None = strawberry.field(default=None, description="IPI name number (11 digits, checked).")
    isni: str | None = strawberry.field(default=None, description="ISNI (16 characters, checked).")
    ipi_base: str | None = strawberry.field(default=None, description="IPI base number, I-NNNNNNNNN-C.")


@strawberry.input(description="One holder's share in one role; basis points per right, 10000 = 100 %.")
class ShareInput:
    creator_id: strawberry.ID | None = strawberry.field(
        default=None, description="The holder's registry id; give this or `creatorIpi`."
    )
    creator_ipi: str | None = strawberry.field(
        default=None, description="The holder's IPI name number (9 to 11 digits); give this or `creatorId`."
    )
    role: ShareRole = strawberry.field(description="What the holder is to the work.")
    performing_bp: int = strawberry.field(
        description="Share of performing rights, in basis points (10000 = 100 %)."
    )
    mechanical_bp: int = strawberry.field(
        description="Share of mechanical rights, in basis points (10000 = 100 %)."
    )
    synchronisation_bp: int = strawberry.field(
        description="Share of synchronisation rights, in basis points (10000 = 100 %)."
    )


@strawberry.input(
    description="A work with its whole split: the shares replace the work's current ones. Per right they "
    "must add up to 100 % (±0.06) or 0."
)
class WorkInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="Your id for it, if no ISWC.")
    iswc: str | None = strawberry.field(default=None, description="T-123.456.789-C or T1234567890.")
    title: str = strawberry.field(description="The work's title.")
    alternate_titles: list[str] = strawberry.field(
        description="Other titles it is known by.", default_factory=list
    )
    language: str | None = strawberry.field(
        default=None, description="Language of the words, as a code (e.g. EN), if any."
    )
    submitter_work_id: str | None = strawberry.field(
        default=None, description="The submitter's own work number (as in CWR), if any."
    )
    shares: list[ShareInput] = strawberry.field(
        description="The whole split; it replaces the current one.", default_factory=list
    )


@strawberry.input(description="A recording by ISRC; `workIds` links are added, never removed.")
class RecordingInput:
    isrc: str = strawberry.field(
        description="The ISRC, in any accepted form (GB-AYE-67-00001 or GBAYE6700001)."
    )
    title: str | None = strawberry.field(default=None, description="The title, if known.")
    artist: str | None = strawberry.field(default=None, description="The performing artist, if known.")
    duration_seconds: int | None = strawberry.field(
        default=None, description="The length in whole seconds, if known."
    )
    work_ids: list[strawberry.ID] = strawberry.field(
        description="Works it embodies (ids); links are added, never removed.", default_factory=list
    )


@strawberry.type(description="A CWR transaction that was not loaded, with where it is and why.")
class CwrRejection:
    transaction_seq: int | None = strawberry.field(
        description="The transaction's sequence number in its group, if read."
    )
    record_seq: int | None = strawberry.field(
        description="The record's sequence number in the transaction, if read."
    )
    record_type: str = strawberry.field(description="The record type (NWR, REV, SWR, SPU, ...).")
    line_number: int = strawberry.field(description="The line in the file, from 1.")
    submitter_work_id: str | None = strawberry.field(description="The submitter's work number, if read.")
    title: str | None = strawberry.field(description="The work's title, if read.")
    reason: str = strawberry.field(description="Why, in words.")
    rule: str | None = strawberry.field(
        description="The code of the validation rule broken (docs/cwr.md lists them with their CISAC level)."
    )

    @classmethod
    def from_record(cls, r: ImportRejection) -> CwrRejection:
        return from_record(cls, r)


@strawberry.type(description="What an import did. Importing the same file again leaves every work unchanged.")
class CwrImportReport:
    works_loaded: int = strawberry.field(description="Work transactions read.")
    works_created: int = strawberry.field(description="Works new to the registry.")
    works_updated: int = strawberry.field(description="Works whose stored data changed.")
    works_unchanged: int = strawberry.field(description="Works already stored exactly so.")
    works_repaired: int = strawberry.field(
        description="Loaded works whose transaction had defects that were repaired or fields that were "
        "dropped; `warnings` says which, with their lines."
    )
    works_rejected: int = strawberry.field(description="Work transactions not loaded (see rejections).")
    rejections: list[CwrRejection] = strawberry.field(
        description="Each transaction not loaded, where and why."
    )
    warnings: list[str] = strawberry.field(description="What was repaired or ignored, in words.")
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
    shares = tuple(to_model(ShareRegistration, s, holder=_holder(s)) for s in input.shares)
    return to_model(WorkRegistration, input, shares=shares)


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
    async def upsert_creator(
        self,
        info: Info,
        input: Annotated[CreatorInput, strawberry.argument(description="The creator's identity and name.")],
    ) -> Creator:
        registration = to_model(CreatorRegistration, input)
        return Creator.from_record(await catalogue_writes.upsert_creator(info.context.db, registration))

    @strawberry.mutation(
        extensions=allow(Role.ADMIN),
        description="Create or update a work (by ISWC, else id) and replace its shares, atomically. A split "
        "that does not add up is refused with the totals per right.",
    )
    async def upsert_work(
        self,
        info: Info,
        input: Annotated[WorkInput, strawberry.argument(description="The work and its whole split.")],
    ) -> Work:
        record, _ = await catalogue_writes.upsert_work(info.context.db, _work(input))
        return Work.from_record(record)

    @strawberry.mutation(extensions=allow(Role.ADMIN), description="Create or update a recording by ISRC.")
    async def upsert_recording(
        self,
        info: Info,
        input: Annotated[
            RecordingInput, strawberry.argument(description="The recording and the works it embodies.")
        ],
    ) -> Recording:
        registration = to_model(RecordingRegistration, input)
        return Recording.from_record(await catalogue_writes.upsert_recording(info.context.db, registration))

    @strawberry.mutation(
        extensions=allow(Role.ADMIN),
        description="Resolve a dispute between claims on a work: the claims named in keepClaims stand, the "
        "others lose their shares. What stands must add up to 100 % (±0.06) or 0 per right. The evidence is "
        "kept on the work and the decision is audited; the work's money leaves suspense.",
    )
    async def resolve_work_dispute(
        self,
        info: Info,
        work_id: Annotated[strawberry.ID, strawberry.argument(description="The disputed work's id.")],
        keep_claims: Annotated[
            list[strawberry.ID],
            strawberry.argument(
                description=("The ids of the claims that stand (WorkClaim.id); the others are set aside.")
            ),
        ],
        evidence: Annotated[
            str,
            strawberry.argument(
                description=("What the decision rests on; kept with the dispute and in the audit trail.")
            ),
        ],
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
        self,
        info: Info,
        file: Annotated[
            Upload, strawberry.argument(description="The CWR file (multipart upload, at most 64 MB).")
        ],
        strict: Annotated[
            bool,
            strawberry.argument(
                description=(
                    "True applies CISAC's validation levels as written (an envelope error "
                    "rejects its group or file); false repairs what leaves a work's meaning "
                    "intact (docs/cwr.md)."
                )
            ),
        ] = False,
        acknowledge: Annotated[
            bool,
            strawberry.argument(description="True also answers a CWR acknowledgement (ACK) of the file."),
        ] = False,
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
