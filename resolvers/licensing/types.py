"""GraphQL types of licensing: consents, licensees, licences and their versions, grants, rights verdicts."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.stores.consents import ConsentRecord
from graph.stores.licences import GrantRecord, LicenceRecord, LicenceVersionRecord, LicenseeRecord
from registry.money import format_amount
from registry.rights import Decision, GrantStatus, Reason, ReasonCode, Scope, Use, Verdict
from resolvers.access import part_of_parent, party_filtered
from resolvers.catalogue.types import Creator, Work
from resolvers.catalogue.visibility import work_visible
from resolvers.context import Info
from resolvers.licensing import loaders

strawberry.enum(Scope, description="TRAINING, SERVICE_USE (running a service on the model), OUTPUT_USE.")
strawberry.enum(
    Decision, description="OPT_IN to the collective licence, or DECLINE (declined but monitored)."
)
strawberry.enum(GrantStatus, description="REVOKED is final; SUSPENDED can be reinstated.")
strawberry.enum(Use, description="Uses of generated music that a licence version may exclude.")
strawberry.enum(ReasonCode, description="Why a work is not licensable; see docs/licensing.md.")


@strawberry.type(description="An opt-in or a decline by a share holder; revoked consents stay as history.")
class Consent:
    id: strawberry.ID
    creator_id: strawberry.ID
    work_id: strawberry.ID | None = strawberry.field(description="Null for a catalogue consent.")
    decision: Decision
    scopes: list[Scope]
    catalogue: bool = strawberry.field(
        description="Covers every work the creator holds a share in, now or later."
    )
    valid_from: datetime
    revoked_at: datetime | None = strawberry.field(description="In force until this moment, not after.")
    evidence: str | None = strawberry.field(
        description="What an admin relied on when acting for the creator."
    )
    revocation_evidence: str | None
    created_at: datetime

    @classmethod
    def from_record(cls, record: ConsentRecord) -> Consent:
        return cls(
            id=strawberry.ID(record.id),
            creator_id=strawberry.ID(record.creator_id),
            work_id=strawberry.ID(record.work_id) if record.work_id else None,
            decision=record.decision,
            scopes=sorted(record.scopes),
            catalogue=record.catalogue,
            valid_from=record.valid_from,
            revoked_at=record.revoked_at,
            evidence=record.evidence,
            revocation_evidence=record.revocation_evidence,
            created_at=record.created_at,
        )

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
    id: strawberry.ID
    name: str
    created_at: datetime

    @classmethod
    def from_record(cls, record: LicenseeRecord) -> Licensee:
        return cls(id=strawberry.ID(record.id), name=record.name, created_at=record.created_at)


@strawberry.type(description="Which right's shares split a royalty stream.")
class StreamRight:
    stream: Scope
    right: str


@strawberry.type(description="One immutable version of a licence's terms.")
class LicenceVersion:
    id: strawberry.ID
    licence_id: strawberry.ID
    version: str
    scopes: list[Scope]
    excluded_uses: list[Use]
    currency: str
    training_fee: str = strawberry.field(description="Fixed training fee, decimal string in the currency.")
    minimum_payout: str = strawberry.field(
        description="A creator's statement total below this is carried to the next period (0: none)."
    )
    service_rate: str = strawberry.field(description="Share of service revenue, exact decimal string.")
    output_rate: str = strawberry.field(description="Share of output revenue, exact decimal string.")
    confidence_threshold: str
    stream_rights: list[StreamRight]
    training_basis: str
    training_weighted: bool
    publisher_collects: bool = strawberry.field(
        description="Whether collection goes through the publisher: a writer's money is paid to the "
        "publisher the work's CWR chain names for the writer (statement lines say for whom); otherwise "
        "the writer is paid and the chain is shown on the line as evidence."
    )
    effective_from: datetime

    @classmethod
    def from_record(cls, record: LicenceVersionRecord) -> LicenceVersion:
        return cls(
            id=strawberry.ID(record.id),
            licence_id=strawberry.ID(record.licence_id),
            version=record.version,
            scopes=sorted(record.scopes),
            excluded_uses=sorted(record.excluded_uses),
            currency=record.currency,
            training_fee=format_amount(record.training_fee, record.currency),
            minimum_payout=format_amount(record.minimum_payout, record.currency),
            service_rate=record.service_rate,
            output_rate=record.output_rate,
            confidence_threshold=record.confidence_threshold,
            stream_rights=[
                StreamRight(stream=Scope(s), right=r) for s, r in sorted(record.stream_rights.items())
            ],
            training_basis=record.training_basis,
            training_weighted=record.training_weighted,
            publisher_collects=record.publisher_collects,
            effective_from=record.effective_from,
        )


@strawberry.type(description="A licence; its terms are in its versions.")
class Licence:
    id: strawberry.ID
    name: str

    @classmethod
    def from_record(cls, record: LicenceRecord) -> Licence:
        return cls(id=strawberry.ID(record.id), name=record.name)

    @strawberry.field(description="Every version, oldest first.")
    async def versions(self, info: Info) -> list[LicenceVersion]:
        records = await loaders.versions_of_licence(info).load(self.id) or []
        return [LicenceVersion.from_record(r) for r in records]


@strawberry.type(description="A period during which a grant was suspended; `until` is null while it lasts.")
class Suspension:
    since: datetime
    until: datetime | None


@strawberry.type(description="One licensee, one licence version, one model version, for a validity period.")
class Grant:
    id: strawberry.ID
    licensee_id: strawberry.ID
    licence_version_id: strawberry.ID
    model_name: str
    model_version: str
    scopes: list[Scope]
    valid_from: datetime
    valid_to: datetime = strawberry.field(description="Exclusive: the grant is not valid at this moment.")
    status: GrantStatus
    status_changed_at: datetime
    status_reason: str | None
    revoked_at: datetime | None
    suspensions: list[Suspension]

    @classmethod
    def from_record(cls, record: GrantRecord) -> Grant:
        facts = record.facts(frozenset(), frozenset())
        return cls(
            id=strawberry.ID(record.id),
            licensee_id=strawberry.ID(record.licensee_id),
            licence_version_id=strawberry.ID(record.licence_version_id),
            model_name=record.model_name,
            model_version=record.model_version,
            scopes=sorted(record.scopes),
            valid_from=record.valid_from,
            valid_to=record.valid_to,
            status=record.status,
            status_changed_at=record.status_changed_at,
            status_reason=record.status_reason,
            revoked_at=record.revoked_at,
            suspensions=[Suspension(since=s, until=u) for s, u in facts.suspensions],
        )

    @strawberry.field(extensions=part_of_parent(), description="The licensee it was granted to.")
    async def licensee(self, info: Info) -> Licensee | None:
        record = await loaders.licensee(info).load(self.licensee_id)
        return Licensee.from_record(record) if record else None

    @strawberry.field
    async def licence_version(self, info: Info) -> LicenceVersion | None:
        record = await loaders.licence_version(info).load(self.licence_version_id)
        return LicenceVersion.from_record(record) if record else None


@strawberry.type(name="RightsReason", description="One reason a work is not licensable.")
class RightsReason:
    code: ReasonCode
    message: str
    holder_id: strawberry.ID | None = strawberry.field(description="The share holder concerned, if any.")
    grant_id: strawberry.ID | None = strawberry.field(description="The grant concerned, if any.")

    @classmethod
    def from_reason(cls, reason: Reason) -> RightsReason:
        return cls(
            code=reason.code,
            message=reason.message,
            holder_id=strawberry.ID(reason.holder_id) if reason.holder_id else None,
            grant_id=strawberry.ID(reason.grant_id) if reason.grant_id else None,
        )


@strawberry.type(description="Whether a work is licensable for a scope at a moment, and every reason if not.")
class RightsVerdict:
    work_id: strawberry.ID
    scope: Scope
    at: datetime
    use: Use | None
    licensable: bool
    grant_id: strawberry.ID | None = strawberry.field(description="The grant that makes it licensable.")
    reasons: list[RightsReason]

    @classmethod
    def of(cls, work_id: str, scope: Scope, at: datetime, use: Use | None, verdict: Verdict) -> RightsVerdict:
        return cls(
            work_id=strawberry.ID(work_id),
            scope=scope,
            at=at,
            use=use,
            licensable=verdict.licensable,
            grant_id=strawberry.ID(verdict.grant_id) if verdict.grant_id else None,
            reasons=[RightsReason.from_reason(r) for r in verdict.reasons],
        )

    @strawberry.field(extensions=part_of_parent(), description="The work checked (the caller named it).")
    async def work(self, info: Info) -> Work | None:
        record = await loaders.work(info).load(self.work_id)
        return Work.from_record(record) if record else None


@strawberry.input(description="Opt in for one work (workId) or the whole catalogue (catalogue: true).")
class GiveConsentInput:
    id: strawberry.ID = strawberry.field(description="Client-chosen; a retry with the same id is harmless.")
    scopes: list[Scope]
    creator_id: strawberry.ID | None = strawberry.field(
        default=None, description="Defaults to a CREATOR key's own creator; required for ADMIN."
    )
    work_id: strawberry.ID | None = None
    catalogue: bool = False
    valid_from: datetime | None = strawberry.field(default=None, description="Default: now.")
    evidence: str | None = strawberry.field(
        default=None, description="Required when an ADMIN acts for the creator: what it relied on."
    )


@strawberry.input(description="Decline one work: never licensable, and any use found is flagged.")
class DeclineWorkInput:
    id: strawberry.ID
    work_id: strawberry.ID
    creator_id: strawberry.ID | None = None
    scopes: list[Scope] | None = strawberry.field(default=None, description="Default: every scope.")
    evidence: str | None = None


@strawberry.input
class CreateLicenseeInput:
    id: strawberry.ID
    name: str


@strawberry.input
class CreateLicenceInput:
    id: strawberry.ID
    name: str


@strawberry.input(description="New terms for a licence. Amounts and rates are exact decimal strings.")
class AddLicenceVersionInput:
    id: strawberry.ID
    licence_id: strawberry.ID
    version: str
    scopes: list[Scope]
    excluded_uses: list[Use]
    currency: str
    training_fee: str = strawberry.field(description='In the currency, e.g. "12000.00".')
    service_rate: str = strawberry.field(description='A share of revenue in 0..1, e.g. "0.15".')
    output_rate: str
    effective_from: datetime
    confidence_threshold: str = "0"
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


@strawberry.input
class CreateGrantInput:
    id: strawberry.ID
    licensee_id: strawberry.ID
    licence_version_id: strawberry.ID
    model_name: str
    model_version: str
    valid_from: datetime
    valid_to: datetime
    scopes: list[Scope] | None = strawberry.field(default=None, description="Default: the licence's scopes.")


@strawberry.input(description="Narrow the licensable catalogue.")
class LicensableWorksFilter:
    title: str | None = strawberry.field(default=None, description="Case-insensitive part of a title.")
    iswc: str | None = None
    creator_id: strawberry.ID | None = None
