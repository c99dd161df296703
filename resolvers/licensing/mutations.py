"""Consent (creators for themselves, admins for them with evidence), licences and grants (admins)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from graph.stores.licensing import consents, licences
from registry.access import Principal, Role
from registry.errors import InvalidInput, NotFound
from registry.licensing import (
    ConsentInput,
    GrantInput,
    LicenceInput,
    LicenceVersionInput,
    LicenseeInput,
    check_consent_start,
)
from registry.rights import Decision, Scope
from resolvers.access import allow, require_principal
from resolvers.context import Info
from resolvers.licensing.types import (
    AddLicenceVersionInput,
    Consent,
    CreateGrantInput,
    CreateLicenceInput,
    CreateLicenseeInput,
    DeclineWorkInput,
    GiveConsentInput,
    Grant,
    Licence,
    LicenceVersion,
    Licensee,
)
from resolvers.mapping import to_model

CONSENTERS = allow(Role.ADMIN, Role.CREATOR)


def acting_for(principal: Principal, creator_id: str | None, evidence: str | None) -> str:
    """The creator a consent write is for: a CREATOR key's own; any, with evidence, for an ADMIN."""
    creator = principal.named_party(Role.CREATOR, creator_id, "creator")
    if principal.party(Role.CREATOR) is None and not (evidence or "").strip():
        raise InvalidInput("evidence is required when an admin acts for a creator: say what you relied on.")
    return creator


async def _give(info: Info, consent: ConsentInput) -> Consent:
    principal = require_principal(info)
    check_consent_start(consent.valid_from, datetime.now(UTC), admin=principal.role == Role.ADMIN)
    record = await consents.give_consent(info.context.db, consent, given_by=principal.key_id)
    return Consent.from_record(record)


GrantId = Annotated[strawberry.ID, strawberry.argument(description="The grant's id.")]
StatusReason = Annotated[
    str | None, strawberry.argument(description="Why; shown on the grant as its status reason.")
]


@strawberry.type
class LicensingMutation:
    @strawberry.mutation(
        extensions=CONSENTERS,
        description="Opt in to the collective licence for one work or the whole catalogue, per scope. "
        "CREATOR for itself; ADMIN for any creator, with evidence.",
    )
    async def give_consent(
        self,
        info: Info,
        input: Annotated[
            GiveConsentInput,
            strawberry.argument(description="The scopes and the work (or the whole catalogue) consented to."),
        ],
    ) -> Consent:
        principal = require_principal(info)
        creator_id = acting_for(principal, input.creator_id, input.evidence)
        consent = to_model(ConsentInput, input, creator_id=creator_id)
        return await _give(info, consent)

    @strawberry.mutation(
        extensions=CONSENTERS,
        description="Decline a work: it is never licensable and any use found later is flagged.",
    )
    async def decline_work(
        self,
        info: Info,
        input: Annotated[
            DeclineWorkInput, strawberry.argument(description="The work declined, by whom, and the evidence.")
        ],
    ) -> Consent:
        principal = require_principal(info)
        creator_id = acting_for(principal, input.creator_id, input.evidence)
        scopes = frozenset(input.scopes if input.scopes is not None else Scope)
        consent = to_model(
            ConsentInput, input, creator_id=creator_id, decision=Decision.DECLINE, scopes=scopes
        )
        return await _give(info, consent)

    @strawberry.mutation(
        extensions=CONSENTERS,
        description="Revoke a consent from now on (never retroactively); revoking twice is harmless.",
    )
    async def revoke_consent(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The consent's id.")],
        evidence: Annotated[
            str | None,
            strawberry.argument(
                description=("Why, or a reference to the holder's written revocation; kept with the consent.")
            ),
        ] = None,
    ) -> Consent:
        principal = require_principal(info)
        own = principal.party(Role.CREATOR)
        if own is None and not (evidence or "").strip():
            raise InvalidInput("evidence is required when an admin revokes for a creator.")
        record = await consents.revoke_consent(
            info.context.db, str(id), principal.key_id, evidence, creator_id=own
        )
        if record is None:
            # The same answer whether the consent is another creator's or absent: nothing leaks.
            raise NotFound(f"No consent {str(id)!r} that you may read.")
        return Consent.from_record(record)

    @strawberry.mutation(extensions=allow(Role.ADMIN), description="Register an AI company as a licensee.")
    async def create_licensee(
        self,
        info: Info,
        input: Annotated[CreateLicenseeInput, strawberry.argument(description="The licensee's id and name.")],
    ) -> Licensee:
        licensee = to_model(LicenseeInput, input)
        return Licensee.from_record(await licences.create_licensee(info.context.db, licensee))

    @strawberry.mutation(
        extensions=allow(Role.ADMIN), description="Create a licence; its terms are versions."
    )
    async def create_licence(
        self,
        info: Info,
        input: Annotated[CreateLicenceInput, strawberry.argument(description="The licence's id and name.")],
    ) -> Licence:
        licence = to_model(LicenceInput, input)
        return Licence.from_record(await licences.create_licence(info.context.db, licence))

    @strawberry.mutation(
        extensions=allow(Role.ADMIN), description="Add an immutable version of a licence's terms."
    )
    async def add_licence_version(
        self,
        info: Info,
        input: Annotated[AddLicenceVersionInput, strawberry.argument(description="The version's terms.")],
    ) -> LicenceVersion:
        version = to_model(LicenceVersionInput, input)
        return LicenceVersion.from_record(await licences.add_licence_version(info.context.db, version))

    @strawberry.mutation(
        extensions=allow(Role.ADMIN),
        description="Grant a licence version to a licensee for one model version.",
    )
    async def create_grant(
        self,
        info: Info,
        input: Annotated[
            CreateGrantInput,
            strawberry.argument(
                description="The licensee, licence version, model version and validity period."
            ),
        ],
    ) -> Grant:
        grant = to_model(GrantInput, input)
        return Grant.from_record(await licences.create_grant(info.context.db, grant))

    @strawberry.mutation(extensions=allow(Role.ADMIN), description="Suspend a grant from now on.")
    async def suspend_grant(
        self,
        info: Info,
        id: GrantId,
        reason: StatusReason = None,
    ) -> Grant:
        return Grant.from_record(await licences.suspend_grant(info.context.db, str(id), reason))

    @strawberry.mutation(extensions=allow(Role.ADMIN), description="End a grant's suspension from now on.")
    async def reinstate_grant(
        self,
        info: Info,
        id: GrantId,
        reason: StatusReason = None,
    ) -> Grant:
        return Grant.from_record(await licences.reinstate_grant(info.context.db, str(id), reason))

    @strawberry.mutation(
        extensions=allow(Role.ADMIN), description="Revoke a grant from now on; final, never retroactive."
    )
    async def revoke_grant(
        self,
        info: Info,
        id: GrantId,
        reason: StatusReason = None,
    ) -> Grant:
        return Grant.from_record(await licences.revoke_grant(info.context.db, str(id), reason))
