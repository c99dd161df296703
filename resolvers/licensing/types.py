"""GraphQL types of licensing: consents, licensees, licences and their versions, grants, rights verdicts."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.stores.licensing.consents import ConsentRecord
from graph.stores.licensing.licences import GrantRecord, LicenceRecord, LicenceVersionRecord, LicenseeRecord
from registry.money import format_amount
from registry.rights import Decision, GrantStatus, Reason, ReasonCode, Scope, Use, Verdict
from resolvers.access import part_of_parent, party_filtered
from resolvers.catalogue.types import Creator, Work
from resolvers.catalogue.visibility import work_visible
from resolvers.context import Info
from resolvers.enum_values import enum_values
from resolvers.licensing import loaders
from resolvers.mapping import from_record

strawberry.enum(Scope, description="TRAINING, SERVICE_USE (running a service on the model), OUTPUT_USE.")
enum_values(
    Scope,
    {
        "TRAINING": "Training a model on the work.",
        "SERVICE_USE": "Running an AI service built on a model trained on the work.",
        "OUTPUT_USE": "Using music the model generated.",
    },
)
strawberry.enum(
    Decision, description="OPT_IN to the collective licence, or DECLINE (declined but monitored)."
)
enum_values(
    Decision,
    {
        "OPT_IN": "Opts in: the work may be licensed for these scopes once every holder has.",
        "DECLINE": "Declines: the work is never licensable; any use found is flagged (monitored).",
    },
)
strawberry.enum(GrantStatus, description="REVOKED is final; SUSPENDED can be reinstated.")
enum_values(
    GrantStatus,
    {
        "ACTIVE": "In force within its validity period.",
        "SUSPENDED": "Not in force until reinstated.",
        "REVOKED": "Ended for good from its revocation on; uses before stay covered.",
    },
)
strawberry.enum(Use, description="Uses of generated music that a licence version may exclude.")
enum_values(
    Use,
    {
        "ADVERTISING": "Music in advertising.",
        "TV": "Music in television programmes.",
        "FILM": "Music in films.",
        "VIDEO_GAME": "Music in video games.",
        "STREAMING": "Music released on streaming services.",
        "RADIO": "Music broadcast on radio.",
        "ONLINE_VIDEO": "Music in online video.",
        "LIVE": "Music performed or played live.",
    },
)
strawberry.enum(ReasonCode, description="Why a work is not licensable; see docs/licensing.md.")
enum_values(
    ReasonCode,
    {
        "NO_SHARES": "The work has no share holders registered.",
        "NO_CONSENT": "A share holder has no opt-in covering the scope at that moment.",
        "CONSENT_REVOKED": "A share holder's opt-in was revoked before that moment.",
        "WORK_DECLINED": "A share holder declined the work.",
        "WORK_WITHDRAWN": "The work is withdrawn.",
        "NO_GRANT": "The licensee holds no grant for it.",
        "GRANT_NOT_YET_VALID": "The grant's validity starts later.",
        "GRANT_EXPIRED": "The grant's validity ended before.",
        "GRANT_SUSPENDED": "The grant was suspended at that moment.",
        "GRANT_REVOKED": "The grant was revoked before that moment.",
        "SCOPE_NOT_IN_GRANT": "The grant does not cover the scope.",
        "SCOPE_NOT_IN_LICENCE": "The licence version does not license the scope.",
        "USE_EXCLUDED": "The licence version excludes the intended use.",
    },
)


@strawberry.type(description="An opt-in or a decline by a share holder; revoked consents stay as history.")
class Consent:
    id: strawberry.ID = strawberry.field(description="The consent's id.")
    creator_id: strawberry.ID = strawberry.field(description="The share holder who gave it (creator id).")
    work_id: strawberry.ID | None = strawberry.field(description="Null for a catalogue consent.")
    decision: Decision = strawberry.field(description="OPT_IN or DECLINE.")
    scopes: list[Scope] = strawberry.field(description="The licence scopes it covers.")
    catalogue: bool = strawberry.field(
        description="Covers every work the creator holds a share in, now or later."
    )
    valid_from: datetime = strawberry.field(
        description="When it took effect; it is never applied before this moment."
    )
    revoked_at: datetime | None = strawberry.field(description="In force until this moment, not after.")
    evidence: str | None = strawberry.field(
        description="What an admin relied on when acting for the creator."
    )
    revocation_evidence: str | None = strawberry.field(
        description="Why it was revoked, as given at revocation; null while in force."
    )
    created_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def from_record(cls, record: ConsentRecord) -> Consent:
        return from_record(cls, record, scopes=sorted(record.scopes))

    @strawberry.field(extensions=part_of_parent(), description="The creator who gave it.")
    async def creator(self, info: Info) -> Creator | None:
        record = await loaders.creator(info).load(self.creator_id)
        return Creator.from_record(record) if record else None

    @strawberry.field(
        extensions=party_filtered(), description="The work it covers; null for a catalogue consent."
    )
    async def work(self, info: Info) -> Work | None:
        if self.work_id is None or not await work_visible(info, self.work_id):
            return None
        record = await loaders.work(info).load(self.work_id)
        return Work.from_record(record) if record else None


@strawberry.type(description="An AI company holding grants under the collective licence.")
class Licensee:
    id: strawberry.ID = strawberry.field(description="The licensee's id.")
    name: str = strawberry.field(description="The company's name.")
    created_at: datetime = strawberry.field(description="When it was registered.")

    @classmethod
    def from_record(cls, record: LicenseeRecord) -> Licensee:
        return from_record(cls, record)


@strawberry.type(description="Which right's shares split a royalty stream.")
class StreamRight:
    stream: Scope = strawberry.field(description="The royalty stream.")
    right: str = strawberry.field(
        description=("PERFORMING, MECHANICAL or SYNCHRONISATION: whose shares split that stream.")
    )


@strawberry.type(description="One immutable version of a licence's terms.")
class LicenceVersion:
    id: strawberry.ID = strawberry.field(description="The version's id; grants name it.")
    licence_id: strawberry.ID = strawberry.field(description="The licence it is a version of.")
    version: str = strawberry.field(description="The version label, e.g. 2026-1.")
    scopes: list[Scope] = strawberry.field(description="The scopes these terms license.")
    excluded_uses: list[Use] = strawberry.field(
        description="Uses of generated music these terms do not license."
    )
    currency: str = strawberry.field(
        description="The currency of its fees and payouts (ISO 4217 code, e.g. EUR)."
    )
    training_fee: str = strawberry.field(description="Fixed training fee, decimal string in the currency.")
    minimum_payout: str = strawberry.field(
        description="A creator's statement total below this is carried to the next period (0: none)."
    )
    service_rate: str = strawberry.field(description="Share of service revenue, exact decimal string.")
    output_rate: str = strawberry.field(description="Share of output revenue, exact decimal string.")
    confidence_threshold: str = strawberry.field(
        description=(
            "The minimum attribution confidence, 0 to 1 as an exact decimal string; "
            "influences below it do not share output-use money."
        )
    )
    stream_rights: list[StreamRight] = strawberry.field(
        description="Which right's shares split each royalty stream."
    )
    training_basis: str = strawberry.field(
        description=(
            "USED_WORKS (a run's fee over the works it used) or CATALOGUE (over every"
            " work licensable for training when the grant was made); "
            "docs/royalties.md."
        )
    )
    training_weighted: bool = strawberry.field(
        description=("True splits a run's fee over its works by their manifest weights; false, equally.")
    )
    publisher_collects: bool = strawberry.field(
        description="Whether collection goes through the publisher: a writer's money is paid to the "
        "publisher the work's CWR chain names for the writer (statement lines say for whom); otherwise "
        "the writer is paid and the chain is shown on the line as evidence."
    )
    effective_from: datetime = strawberry.field(description="When these terms take effect.")

    @classmethod
    def from_record(cls, record: LicenceVersionRecord) -> LicenceVersion:
        return from_record(
            cls,
            record,
            scopes=sorted(record.scopes),
            excluded_uses=sorted(record.excluded_uses),
            training_fee=format_amount(record.training_fee, record.currency),
            minimum_payout=format_amount(record.minimum_payout, record.currency),
            stream_rights=[
                StreamRight(stream=Scope(s), right=r) for s, r in sorted(record.stream_rights.items())
            ],
        )


@strawberry.type(description="A licence; its terms are in its versions.")
class Licence:
    id: strawberry.ID = strawberry.field(description="The licence's id.")
    name: str = strawberry.field(description="The licence's name.")

    @classmethod
    def from_record(cls, record: LicenceRecord) -> Licence:
        return from_record(cls, record)

    @strawberry.field(description="Every version, oldest first.")
    async def versions(self, info: Info) -> list[LicenceVersion]:
        records = await loaders.versions_of_licence(info).load(self.id) or []
        return [LicenceVersion.from_record(r) for r in records]


@strawberry.type(description="A period during which a grant was suspended; `until` is null while it lasts.")
class Suspension:
    since: datetime = strawberry.field(description="When the suspension began.")
    until: datetime | None = strawberry.field(description="When it ended; null while it lasts.")


@strawberry.type(description="One licensee, one licence version, one model version, for a validity period.")
class Grant:
    id: strawberry.ID = strawberry.field(description="The grant's id.")
    licensee_id: strawberry.ID = strawberry.field(description="The licensee holding it.")
    licence_version_id: strawberry.ID = strawberry.field(description="The licence version granted.")
    model_name: str = strawberry.field(description="The model the grant covers.")
    model_version: str = strawberry.field(
        description="The model version the grant covers; each version needs its own grant."
    )
    scopes: list[Scope] = strawberry.field(description="The scopes granted (those of the licence version).")
    valid_from: datetime = strawberry.field(description="Start of validity (inclusive).")
    valid_to: datetime = strawberry.field(description="Exclusive: the grant is not valid at this moment.")
    status: GrantStatus = strawberry.field(description="ACTIVE, SUSPENDED or REVOKED, now.")
    status_changed_at: datetime = strawberry.field(description="When the status last changed.")
    status_reason: str | None = strawberry.field(
        description="The reason given with the last status change, if any."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked; null unless REVOKED. Never retroactive."
    )
    suspensions: list[Suspension] = strawberry.field(
        description="Every suspension, oldest first; uses during one are flagged."
    )

    @classmethod
    def from_record(cls, record: GrantRecord) -> Grant:
        facts = record.facts(frozenset(), frozenset())
        return from_record(
            cls,
            record,
            scopes=sorted(record.scopes),
            suspensions=[Suspension(since=s, until=u) for s, u in facts.suspensions],
        )

    @strawberry.field(extensions=part_of_parent(), description="The licensee it was granted to.")
    async def licensee(self, info: Info) -> Licensee | None:
        record = await loaders.licensee(info).load(self.licensee_id)
        return Licensee.from_record(record) if record else None

    @strawberry.field(description="The licence version's terms.")
    async def licence_version(self, info: Info) -> LicenceVersion | None:
        record = await loaders.licence_version(info).load(self.licence_version_id)
        return LicenceVersion.from_record(record) if record else None


@strawberry.type(name="RightsReason", description="One reason a work is not licensable.")
class RightsReason:
    code: ReasonCode = strawberry.field(description="The reason's code.")
    message: str = strawberry.field(description="The reason in words, naming the record concerned.")
    holder_id: strawberry.ID | None = strawberry.field(description="The share holder concerned, if any.")
    grant_id: strawberry.ID | None = strawberry.field(description="The grant concerned, if any.")

    @classmethod
    def from_reason(cls, reason: Reason) -> RightsReason:
        return from_record(cls, reason, holder_id=reason.holder_id or None, grant_id=reason.grant_id or None)


@strawberry.type(description="Whether a work is licensable for a scope at a moment, and every reason if not.")
class RightsVerdict:
    work_id: strawberry.ID = strawberry.field(description="The work judged.")
    scope: Scope = strawberry.field(description="The scope judged.")
    at: datetime = strawberry.field(description="The moment judged.")
    use: Use | None = strawberry.field(description="The use of generated music judged, if one was given.")
    licensable: bool = strawberry.field(
        description="True when the work is licensable for the scope (and use) at that moment."
    )
    grant_id: strawberry.ID | None = strawberry.field(description="The grant that makes it licensable.")
    reasons: list[RightsReason] = strawberry.field(
        description="Every reason it is not; empty when licensable."
    )

    @classmethod
    def of(cls, work_id: str, scope: Scope, at: datetime, use: Use | None, verdict: Verdict) -> RightsVerdict:
        reasons = [RightsReason.from_reason(r) for r in verdict.reasons]
        grant_id = verdict.grant_id or None
        return from_record(
            cls, verdict, work_id=work_id, scope=scope, at=at, use=use, grant_id=grant_id, reasons=reasons
        )

    @strawberry.field(extensions=part_of_parent(), description="The work checked (the caller named it).")
    async def work(self, info: Info) -> Work | None:
        record = await loaders.work(info).load(self.work_id)
        return Work.from_record(record) if record else None


@strawberry.input(description="Opt in for one work (workId) or the whole catalogue (catalogue: true).")
class GiveConsentInput:
    id: strawberry.ID = strawberry.field(description="Client-chosen; a retry with the same id is harmless.")
    scopes: list[Scope] = strawberry.field(description="The scopes consented to (at least one).")
    creator_id: strawberry.ID | None = strawberry.field(
        default=None, description="Defaults to a CREATOR key's own creator; required for ADMIN."
    )
    work_id: strawberry.ID | None = strawberry.field(
        default=None,
        description=("The work (id); omit it and set `catalogue` for every work the holder has a share in."),
    )
    catalogue: bool = strawberry.field(
        default=False, description="True covers every work the holder has a share in."
    )
    valid_from: datetime | None = strawberry.field(default=None, description="Default: now.")
    evidence: str | None = strawberry.field(
        default=None, description="Required when an ADMIN acts for the creator: what it relied on."
    )


@strawberry.input(description="Decline one work: never licensable, and any use found is flagged.")
class DeclineWorkInput:
    id: strawberry.ID = strawberry.field(description="Our id for the decline; a retry with it is harmless.")
    work_id: strawberry.ID = strawberry.field(description="The work declined.")
    creator_id: strawberry.ID | None = strawberry.field(
        default=None, description="The declining holder (a CREATOR key: itself; an ADMIN must name one)."
    )
    scopes: list[Scope] | None = strawberry.field(default=None, description="Default: every scope.")
    evidence: str | None = strawberry.field(
        default=None, description="The holder's written decline or a reference to it."
    )


@strawberry.input(description="A new licensee (an AI company).")
class CreateLicenseeInput:
    id: strawberry.ID = strawberry.field(
        description="Our id for the licensee, without ':' (it starts the ids of the licensee's models, "
        "runs and outputs); a retry with it is harmless."
    )
    name: str = strawberry.field(description="The company's name.")


@strawberry.input(description="A new licence; its terms are added as versions (addLicenceVersion).")
class CreateLicenceInput:
    id: strawberry.ID = strawberry.field(description="Our id for the licence; a retry with it is harmless.")
    name: str = strawberry.field(description="The licence's name.")


@strawberry.input(description="New terms for a licence. Amounts and rates are exact decimal strings.")
class AddLicenceVersionInput:
    id: strawberry.ID = strawberry.field(description="Our id for the version; a retry with it is harmless.")
    licence_id: strawberry.ID = strawberry.field(description="The licence it is a version of.")
    version: str = strawberry.field(description="The version label, e.g. 2026-1.")
    scopes: list[Scope] = strawberry.field(description="The scopes these terms license.")
    excluded_uses: list[Use] = strawberry.field(
        description="Uses of generated music these terms do not license."
    )
    currency: str = strawberry.field(description="ISO 4217 code of its fees and payouts, e.g. EUR.")
    training_fee: str = strawberry.field(description='In the currency, e.g. "12000.00".')
    service_rate: str = strawberry.field(description='A share of revenue in 0..1, e.g. "0.15".')
    output_rate: str = strawberry.field(
        description=(
            "The licence's rate for output use, 0 to 1 as an exact decimal string: "
            "the part of reported output revenue that forms the pool."
        )
    )
    effective_from: datetime = strawberry.field(description="When these terms take effect.")
    confidence_threshold: str = strawberry.field(
        default="0", description="The minimum attribution confidence, 0 to 1 as an exact decimal string."
    )
    minimum_payout: str = strawberry.field(
        default="0",
        description="In the currency: a creator whose statement total is below it is paid nothing that "
        'period; the amount is carried, visibly, to the next period\'s statement. "0": no minimum.',
    )
    publisher_collects: bool = strawberry.field(
        default=False,
        description="Collection goes through the publisher: pay a writer's share to the publisher its "
        "CWR publisher chain names for it (the administrator, else the original publisher).",
    )


@strawberry.input(
    description="A grant of one licence version to one licensee for one model version, valid from "
    "`validFrom` (inclusive) until `validTo` (exclusive)."
)
class CreateGrantInput:
    id: strawberry.ID = strawberry.field(description="Our id for the grant; a retry with it is harmless.")
    licensee_id: strawberry.ID = strawberry.field(description="The licensee.")
    licence_version_id: strawberry.ID = strawberry.field(description="The licence version granted.")
    model_name: str = strawberry.field(description="The model's name.")
    model_version: str = strawberry.field(description="The model version covered.")
    valid_from: datetime = strawberry.field(description="Start of validity (inclusive).")
    valid_to: datetime = strawberry.field(description="End of validity (exclusive).")
    scopes: list[Scope] | None = strawberry.field(default=None, description="Default: the licence's scopes.")


@strawberry.input(description="Narrow the licensable catalogue.")
class LicensableWorksFilter:
    title: str | None = strawberry.field(default=None, description="Case-insensitive part of a title.")
    iswc: str | None = strawberry.field(
        default=None, description="Only the work with this ISWC (any accepted form, e.g. T-123.456.789-C)."
    )
    creator_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only works this creator holds a share in."
    )
