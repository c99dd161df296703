"""Catalogue queries: a creator, a work, a recording by key; creators and works as filtered pages."""

from __future__ import annotations

import asyncio
from typing import Annotated

import strawberry

from graph.stores.catalogue import disputes
from graph.stores.catalogue import reads as catalogue
from graph.stores.catalogue.records import CreatorRecord
from registry.access import Role
from registry.errors import Forbidden, InvalidInput, NotFound
from registry.identifiers import parse_ipi_name_number, parse_isrc, parse_iswc
from resolvers.access import allow, authenticated, require_principal
from resolvers.catalogue import loaders
from resolvers.catalogue.disputes import DisputeStatus
from resolvers.catalogue.types import Creator, IswcArgument, Recording, Work, WorkIdArgument
from resolvers.catalogue.visibility import work_visible
from resolvers.context import Info
from resolvers.pagination import After, Connection, First, connection, window


@strawberry.input(description="Works whose fields match all the given filters.")
class WorkFilter:
    title: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the title or an alternate title."
    )
    iswc: str | None = strawberry.field(default=None, description="In any accepted form.")
    creator_id: strawberry.ID | None = strawberry.field(
        default=None, description="Works it holds a share in."
    )
    creator_ipi: str | None = strawberry.field(
        default=None, description="Works this IPI holds a share in. Not for LICENSEE or VENDOR keys."
    )


@strawberry.input(description="Creators whose fields match all the given filters.")
class CreatorFilter:
    name: str | None = strawberry.field(default=None, description="Case-insensitive substring of the name.")
    ipi: str | None = strawberry.field(
        default=None, description="Only the creator with this IPI name number (9 to 11 digits)."
    )


def _one_of(first: object | None, second: object | None, names: str) -> None:
    if (first is None) == (second is None):
        raise InvalidInput(f"Give exactly one of {names}.")


def _ipi(value: str) -> str:
    ipi = parse_ipi_name_number(value)
    if ipi is None:
        raise InvalidInput("An IPI name number of zeros names nobody; give the creator's IPI.")
    return ipi


async def _creator_record(info: Info, id: str | None, ipi: str | None) -> CreatorRecord | None:
    db = info.context.db
    return await (
        catalogue.creator_by_id(db, id) if id is not None else catalogue.creator_by_ipi(db, _ipi(ipi or ""))
    )


async def _work_filter(info: Info, where: WorkFilter | None) -> catalogue.WorkFilter | None:
    """The store's filter, confined to the caller's view; None when nothing can match."""
    where = where or WorkFilter()
    principal = require_principal(info)
    creator_id = str(where.creator_id) if where.creator_id is not None else None
    if where.creator_ipi is not None:
        if principal.role in (Role.LICENSEE, Role.VENDOR):
            raise Forbidden(
                "Filtering works by IPI is for ADMIN, AUDITOR and CREATOR keys; filter by creatorId."
            )
        found = await catalogue.creator_by_ipi(info.context.db, _ipi(where.creator_ipi))
        if found is None or creator_id not in (None, found.id):
            return None
        creator_id = found.id
    confined = principal.party(Role.CREATOR)
    if confined is not None:
        if creator_id not in (None, confined):
            return None  # another creator's works read as none, whether or not there are any
        creator_id = confined
    iswc = parse_iswc(where.iswc) if where.iswc else None
    return catalogue.WorkFilter(title=where.title or None, iswc=iswc, creator_id=creator_id)


@strawberry.type
class CatalogueQuery:
    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.CREATOR),
        description="A creator by id or IPI name number. A CREATOR key reads only its own; any other "
        "reads as NOT_FOUND.",
    )
    async def creator(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The creator's registry id; give this or `ipi`."),
        ] = None,
        ipi: Annotated[
            str | None,
            strawberry.argument(
                description="The creator's IPI name number (9 to 11 digits); give this or `id`."
            ),
        ] = None,
    ) -> Creator:
        _one_of(id, ipi, "id or ipi")
        record = await _creator_record(info, str(id) if id is not None else None, ipi)
        if record is None or not require_principal(info).sees(Role.CREATOR, record.id):
            raise NotFound(f"No creator has {'id' if id is not None else 'IPI'} {id or ipi!r}.")
        return Creator.from_record(record)

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR),
        description="Creators by name, then id; filtered by name substring and IPI.",
    )
    async def creators(
        self,
        info: Info,
        filter: Annotated[
            CreatorFilter | None,
            strawberry.argument(description="Narrow by name substring or IPI name number."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Creator]:
        offset, limit = window(first, after)
        where = filter or CreatorFilter()
        ipi = _ipi(where.ipi) if where.ipi else None
        page = await catalogue.list_creators(info.context.db, where.name or None, ipi, offset, limit)
        return connection(page.items, page.total, offset, Creator.from_record)

    @strawberry.field(
        extensions=authenticated(),
        description="A work by id or ISWC (any accepted form). A CREATOR key reads only works it holds a "
        "share in; any other reads as NOT_FOUND. LICENSEE and VENDOR keys read its public fields.",
    )
    async def work(
        self,
        info: Info,
        id: WorkIdArgument = None,
        iswc: IswcArgument = None,
    ) -> Work:
        _one_of(id, iswc, "id or iswc")
        db = info.context.db
        record = await (
            catalogue.work_by_id(db, str(id))
            if id is not None
            else catalogue.work_by_iswc(db, parse_iswc(iswc or ""))
        )
        if record is None or not await work_visible(info, record.id):
            raise NotFound(f"No work has {'id' if id is not None else 'ISWC'} {id or iswc!r}.")
        return Work.from_record(record)

    @strawberry.field(
        extensions=authenticated(),
        description="Works by title, then id. A CREATOR key lists only works it holds a share in.",
    )
    async def works(
        self,
        info: Info,
        filter: Annotated[
            WorkFilter | None, strawberry.argument(description="Narrow by title, ISWC, creator or status.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Work]:
        offset, limit = window(first, after)
        where = await _work_filter(info, filter)
        if where is None:
            return connection([], 0, offset, Work.from_record)
        page = await catalogue.list_works(info.context.db, where, offset, limit)
        return connection(page.items, page.total, offset, Work.from_record)

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.CREATOR),
        description="Works whose claims are in dispute (status OPEN: their money waits in suspense as "
        "DISPUTED) or whose dispute an ADMIN resolved (RESOLVED), by id; each work's `dispute` gives the "
        "claims, the rights over 100 % and the resolution's evidence. A CREATOR key lists only works it "
        "holds a share in.",
    )
    async def disputed_works(
        self,
        info: Info,
        status: Annotated[
            DisputeStatus,
            strawberry.argument(description="OPEN (the default: money waiting in suspense) or RESOLVED."),
        ] = DisputeStatus.OPEN,
        first: First = None,
        after: After = None,
    ) -> Connection[Work]:
        if status is DisputeStatus.NONE:
            raise InvalidInput("status is OPEN or RESOLVED: a work without a dispute is not listed here.")
        offset, limit = window(first, after)
        creator_id = require_principal(info).party(Role.CREATOR)
        page = await disputes.disputed_works(
            info.context.db,
            open_=status is DisputeStatus.OPEN,
            creator_id=creator_id,
            offset=offset,
            limit=limit,
        )
        return connection(page.items, page.total, offset, Work.from_record)

    @strawberry.field(
        extensions=authenticated(),
        description="A recording by ISRC (any accepted form). A CREATOR key reads only recordings of its "
        "works; any other reads as NOT_FOUND.",
    )
    async def recording(
        self,
        info: Info,
        isrc: Annotated[
            str,
            strawberry.argument(
                description="The ISRC, in any accepted form (GB-AYE-67-00001 or GBAYE6700001)."
            ),
        ],
    ) -> Recording:
        canonical, _ = parse_isrc(isrc)
        record = await catalogue.recording_by_isrc(info.context.db, canonical)
        if record is not None and require_principal(info).party(Role.CREATOR) is not None:
            works = await loaders.works_of_recording(info).load(record.id)
            if not any(await asyncio.gather(*(work_visible(info, w.id) for w in works))):
                record = None
        if record is None:
            raise NotFound(f"No recording has ISRC {canonical}.")
        return Recording.from_record(record)
