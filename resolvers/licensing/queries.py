"""Consent history, licensees, licences, grants, the rights check and the licensable catalogue.

A LICENSEE key sees its own licensee and grants only; a CREATOR key its own consents and works. Asking
for someone else's answers NOT_FOUND, exactly as for a record that does not exist (docs/access.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from graph.stores.catalogue.reads import WorkFilter
from graph.stores.licensing import consents, licences, licensable, rights
from graph.stores.licensing.licences import GrantRecord
from registry.access import Principal, Role
from registry.errors import Forbidden, InvalidInput, NotFound
from registry.identifiers import parse_iswc
from registry.rights import Scope, Use, require_aware
from resolvers.access import allow, authenticated, require_principal, require_visible
from resolvers.catalogue.types import IswcArgument, Work, WorkIdArgument
from resolvers.context import Info
from resolvers.licensing.types import (
    Consent,
    Grant,
    Licence,
    LicensableWorksFilter,
    Licensee,
    RightsVerdict,
)
from resolvers.pagination import (
    After,
    Connection,
    First,
    connection,
    key_window,
    keyset_connection,
    peeked_connection,
    selects_total,
    window,
)


def _moment(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    require_aware(at, "moment `at`")
    return at


async def visible_grant(info: Info, grant_id: str) -> GrantRecord:
    """A grant the caller may name: a LICENSEE its own only; unknown and foreign grants answer alike."""
    found = (await licences.grants_by_id(info.context.db, [grant_id])).get(grant_id)
    require_visible(info, Role.LICENSEE, found.licensee_id if found else None, f"grant {grant_id!r}")
    assert found is not None
    return found


async def _checked_work(
    info: Info, principal: Principal, work_id: str | None, iswc: str | None, under: str | None
) -> str:
    """The work's id; a CREATOR key may check only works it holds a share in, and without grants."""
    db = info.context.db
    canonical = parse_iswc(iswc) if iswc else None
    creator = principal.party(Role.CREATOR)
    if creator is None:
        return await rights.find_work_id(db, work_id, canonical)
    if under is not None:
        raise Forbidden(
            "A creator key checks its own works without grants: leave out grantId and licenseeId."
        )
    denied = NotFound(f"No work {work_id or iswc!r} of yours.")
    try:
        work = await rights.find_work_id(db, work_id, canonical)
    except NotFound:
        raise denied from None
    if not await rights.holds_share(db, creator, work):
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
        creator_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description=("Only consents given by this creator (id); a CREATOR key may name only itself.")
            ),
        ] = None,
        work_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only consents covering this work (id).")
        ] = None,
        include_revoked: Annotated[
            bool,
            strawberry.argument(
                description="False leaves out revoked consents; they stay as history either way."
            ),
        ] = True,
        first: First = None,
        after: After = None,
    ) -> Connection[Consent]:
        creator = require_principal(info).acting_for(Role.CREATOR, _str(creator_id), "creator")
        page = key_window(info, first, after)
        total, records = await consents.consent_history(
            info.context.db,
            creator_id=creator,
            work_id=_str(work_id),
            include_revoked=include_revoked,
            window=page,
        )
        return keyset_connection(records, total, page, Consent.from_record)

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE),
        description="A licensee (a LICENSEE: itself).",
    )
    async def licensee(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The licensee's id.")]
    ) -> Licensee:
        found = (await licences.licensees_by_id(info.context.db, [str(id)])).get(str(id))
        require_visible(info, Role.LICENSEE, found.id if found else None, f"licensee {str(id)!r}")
        assert found is not None
        return Licensee.from_record(found)

    @strawberry.field(extensions=allow(Role.ADMIN, Role.AUDITOR), description="Every licensee, by name.")
    async def licensees(self, info: Info, first: First = None, after: After = None) -> Connection[Licensee]:
        offset, limit = window(first, after)
        total, records = await licences.list_licensees(info.context.db, offset, limit)
        return connection(records, total, offset, Licensee.from_record)

    @strawberry.field(extensions=authenticated(), description="The licences and their versions' terms.")
    async def licences(self, info: Info, first: First = None, after: After = None) -> Connection[Licence]:
        offset, limit = window(first, after)
        total, records = await licences.list_licences(info.context.db, offset, limit)
        return connection(records, total, offset, Licence.from_record)

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE),
        description="A grant (a LICENSEE: its own).",
    )
    async def grant(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The grant's id.")]
    ) -> Grant:
        return Grant.from_record(await visible_grant(info, str(id)))

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE),
        description="Grants, newest first, of one licensee or all. A LICENSEE key sees its own only.",
    )
    async def grants(
        self,
        info: Info,
        licensee_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description=(
                    "Only this licensee's grants; omitted, every licensee's. A LICENSEE key "
                    "sees only its own."
                )
            ),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Grant]:
        licensee = require_principal(info).acting_for(Role.LICENSEE, _str(licensee_id), "licensee")
        page = key_window(info, first, after)
        total, records = await licences.list_grants(info.context.db, licensee, page)
        return keyset_connection(records, total, page, Grant.from_record)

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE, Role.CREATOR),
        description="Is the work licensable for the scope at the moment (default now), under a grant, a "
        "licensee's grants, or the consents alone; and every reason if not. A LICENSEE key checks under "
        "its own grants; a CREATOR key checks its own works, without grants.",
    )
    async def rights_check(
        self,
        info: Info,
        scope: Annotated[
            Scope,
            strawberry.argument(
                description="The licence scope to judge: TRAINING, SERVICE_USE or OUTPUT_USE."
            ),
        ],
        work_id: WorkIdArgument = None,
        iswc: IswcArgument = None,
        grant_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Judge under this grant too: its validity, status and scopes at `at`."
            ),
        ] = None,
        licensee_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Judge for this licensee: under its grants (a LICENSEE key: itself)."
            ),
        ] = None,
        at: Annotated[
            datetime | None,
            strawberry.argument(
                description=(
                    "The moment to judge at (ISO 8601 with offset); omitted, now. Consents "
                    "and grants are never applied retroactively."
                )
            ),
        ] = None,
        use: Annotated[
            Use | None,
            strawberry.argument(
                description=(
                    "The intended use of generated music; a licence version that excludes it "
                    "makes the work not licensable (USE_EXCLUDED)."
                )
            ),
        ] = None,
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
        if grant is not None:
            await visible_grant(info, grant)
        else:
            licensee = principal.acting_for(Role.LICENSEE, licensee, "licensee")
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
        scope: Annotated[
            Scope, strawberry.argument(description="The licence scope: TRAINING, SERVICE_USE or OUTPUT_USE.")
        ],
        at: Annotated[
            datetime | None,
            strawberry.argument(description="The moment to judge at (ISO 8601 with offset); omitted, now."),
        ] = None,
        grant_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description=(
                    "Only works licensable under this grant at `at` (a LICENSEE key: one of its own grants)."
                )
            ),
        ] = None,
        use: Annotated[
            Use | None,
            strawberry.argument(
                description=("The intended use of generated music; versions excluding it license nothing.")
            ),
        ] = None,
        filter: Annotated[
            LicensableWorksFilter | None,
            strawberry.argument(description="Narrow the catalogue by ISWC or creator."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Work]:
        if at is not None:
            require_aware(at, "moment `at`")
        offset, limit = window(first, after)
        if grant_id is not None:
            await visible_grant(info, str(grant_id))
        where = WorkFilter(
            title=filter.title if filter and filter.title else None,
            iswc=parse_iswc(filter.iswc) if filter and filter.iswc else None,
            creator_id=_str(filter.creator_id) if filter else None,
        )
        # Without `at`, the maintained catalogue of the present (graph.stores.licensing.licensable) answers.
        total, rows = await licensable.licensable_works(
            info.context.db, scope, at, where, offset, limit, grant_id=_str(grant_id), use=use,
            count=selects_total(info),
        )  # fmt: skip
        return peeked_connection(rows, total, offset, limit, Work.from_record)
