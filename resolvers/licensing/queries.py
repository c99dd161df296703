"""Consent history, licensees, licences, grants, the rights check and the licensable catalogue.

A LICENSEE key sees its own licensee and grants only; a CREATOR key its own consents and works. Asking
for someone else's answers FORBIDDEN with the same message whether the record exists or not.
"""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from graph.stores import consents, licences, rights
from graph.stores.catalogue import WorkFilter
from registry.access import Principal, Role
from registry.errors import Forbidden, InvalidInput, NotFound
from registry.identifiers import parse_iswc
from registry.rights import Scope, Use, require_aware
from resolvers.access import allow, authenticated, require_principal
from resolvers.catalogue.types import Work
from resolvers.context import Info
from resolvers.licensing.types import (
    Consent,
    Grant,
    Licence,
    LicensableWorksFilter,
    Licensee,
    RightsVerdict,
)
from resolvers.pagination import Connection, connection, peeked_connection, selects_total, window


def _own(principal: Principal, role: Role, asked: str | None, what: str) -> str | None:
    """For a key of `role`: its own id (asking for another's is FORBIDDEN); for others: what was asked."""
    if principal.role != role:
        return asked
    if asked is not None and asked != principal.scope_id:
        raise Forbidden(f"A {role.lower()} key reads its own {what} only.")
    return principal.scope_id


def _moment(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    require_aware(at, "moment `at`")
    return at


async def _own_grant(info: Info, principal: Principal, grant_id: str) -> None:
    """A licensee may name only its own grants; unknown and foreign grants answer alike."""
    if principal.role != Role.LICENSEE:
        return
    found = await licences.grants_by_id(info.context.db, [grant_id])
    if grant_id not in found or found[grant_id].licensee_id != principal.scope_id:
        raise Forbidden(f"No grant of yours has id {grant_id!r}.")


async def _checked_work(
    info: Info, principal: Principal, work_id: str | None, iswc: str | None, under: str | None
) -> str:
    """The work's id; a CREATOR key may check only works it holds a share in, and without grants."""
    db = info.context.db
    canonical = parse_iswc(iswc) if iswc else None
    if principal.role != Role.CREATOR:
        return await rights.find_work_id(db, work_id, canonical)
    denied = Forbidden("A creator key checks its own works only, without grants.")
    if under is not None:
        raise denied
    try:
        work = await rights.find_work_id(db, work_id, canonical)
    except NotFound:
        raise denied from None
    if not await rights.holds_share(db, principal.scope_id or "", work):
        raise denied
    return work


def _str(value: strawberry.ID | None) -> str | None:
    return str(value) if value is not None else None


@strawberry.type
class LicensingQuery:
    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.CREATOR),
        description="Consent history, newest first, revoked ones included unless includeRevoked is false. "
        "A CREATOR key sees its own consents only.",
    )
    async def consents(
        self,
        info: Info,
        creator_id: strawberry.ID | None = None,
        work_id: strawberry.ID | None = None,
        include_revoked: bool = True,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Consent]:
        creator = _own(require_principal(info), Role.CREATOR, _str(creator_id), "consents")
        offset, limit = window(first, after)
        total, records = await consents.consent_history(
            info.context.db,
            creator_id=creator,
            work_id=_str(work_id),
            include_revoked=include_revoked,
            offset=offset,
            limit=limit,
        )
        return connection(records, total, offset, Consent.from_record)

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE),
        description="A licensee (a LICENSEE: itself).",
    )
    async def licensee(self, info: Info, id: strawberry.ID) -> Licensee:
        principal = require_principal(info)
        if principal.role == Role.LICENSEE and str(id) != principal.scope_id:
            raise Forbidden("A licensee key reads its own licensee only.")
        found = await licences.licensees_by_id(info.context.db, [str(id)])
        if str(id) not in found:
            raise NotFound(f"No licensee has id {id!r}.")
        return Licensee.from_record(found[str(id)])

    @strawberry.field(extensions=allow(Role.ADMIN, Role.AUDITOR), description="Every licensee, by name.")
    async def licensees(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Licensee]:
        offset, limit = window(first, after)
        total, records = await licences.list_licensees(info.context.db, offset, limit)
        return connection(records, total, offset, Licensee.from_record)

    @strawberry.field(extensions=authenticated(), description="The licences and their versions' terms.")
    async def licences(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Licence]:
        offset, limit = window(first, after)
        total, records = await licences.list_licences(info.context.db, offset, limit)
        return connection(records, total, offset, Licence.from_record)

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE),
        description="A grant (a LICENSEE: its own).",
    )
    async def grant(self, info: Info, id: strawberry.ID) -> Grant:
        principal = require_principal(info)
        await _own_grant(info, principal, str(id))
        found = await licences.grants_by_id(info.context.db, [str(id)])
        if str(id) not in found:
            raise NotFound(f"No grant has id {id!r}.")
        return Grant.from_record(found[str(id)])

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE),
        description="Grants, newest first, of one licensee or all. A LICENSEE key sees its own only.",
    )
    async def grants(
        self,
        info: Info,
        licensee_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Grant]:
        licensee = _own(require_principal(info), Role.LICENSEE, _str(licensee_id), "grants")
        offset, limit = window(first, after)
        total, records = await licences.list_grants(info.context.db, licensee, offset, limit)
        return connection(records, total, offset, Grant.from_record)

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE, Role.CREATOR),
        description="Is the work licensable for the scope at the moment (default now), under a grant, a "
        "licensee's grants, or the consents alone; and every reason if not. A LICENSEE key checks under "
        "its own grants; a CREATOR key checks its own works, without grants.",
    )
    async def rights_check(
        self,
        info: Info,
        scope: Scope,
        work_id: strawberry.ID | None = None,
        iswc: str | None = None,
        grant_id: strawberry.ID | None = None,
        licensee_id: strawberry.ID | None = None,
        at: datetime | None = None,
        use: Use | None = None,
    ) -> RightsVerdict:
        principal = require_principal(info)
        moment = _moment(at)
        if (work_id is None) == (iswc is None):
            raise InvalidInput("Give either workId or iswc.")
        if grant_id is not None and licensee_id is not None:
            raise InvalidInput("Give grantId or licenseeId, not both.")
        db = info.context.db
        grant, licensee = _str(grant_id), _str(licensee_id)
        work = await _checked_work(info, principal, _str(work_id), iswc, grant or licensee)
        if principal.role == Role.LICENSEE:
            if grant is not None:
                await _own_grant(info, principal, grant)
            else:
                licensee = _own(principal, Role.LICENSEE, licensee, "grants")
        verdict = await rights.check_work(
            db, work, scope, moment, grant_id=grant, licensee_id=licensee, use=use
        )
        return RightsVerdict.of(work, scope, moment, use, verdict)

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE),
        description="The works licensable for the scope at the moment (default now), by title. Under a grant "
        "(a LICENSEE's own) that does not allow the scope or use then, the list is empty.",
    )
    async def licensable_works(
        self,
        info: Info,
        scope: Scope,
        at: datetime | None = None,
        grant_id: strawberry.ID | None = None,
        use: Use | None = None,
        filter: LicensableWorksFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Work]:
        principal = require_principal(info)
        moment = _moment(at)
        offset, limit = window(first, after)
        if grant_id is not None:
            await _own_grant(info, principal, str(grant_id))
        where = WorkFilter(
            title=filter.title if filter and filter.title else None,
            iswc=parse_iswc(filter.iswc) if filter and filter.iswc else None,
            creator_id=_str(filter.creator_id) if filter else None,
        )
        total, rows = await rights.licensable_works(
            info.context.db, scope, moment, where, offset, limit, grant_id=_str(grant_id), use=use,
            count=selects_total(info),
        )  # fmt: skip
        return peeked_connection(rows, total, offset, limit, Work.from_record)
