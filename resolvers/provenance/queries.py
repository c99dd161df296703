"""Provenance reads and the traceability questions.

- ADMIN and AUDITOR read all provenance (no payment data lives here).
- A LICENSEE key reads its own models, runs and outputs; another's answer NOT_FOUND, exactly as missing ones.
- A VENDOR key traces the outputs it reported on, seeing its own reports' influences only.
- A CREATOR key traces outputs that touch its works (influenced by them, or trained on them), seeing the
  influences on its own works only, and reads the provenance of its works.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.stores.catalogue import reads as catalogue
from graph.stores.provenance import reads
from graph.stores.provenance.reads import InfluenceRow, ProvenanceFilter, TracePart, TraceRecord
from graph.stores.provenance.records import OutputRecord
from registry.access import Principal, Role
from registry.errors import InvalidInput, NotFound
from registry.provenance import FlagCode, SubjectKind
from resolvers.access import allow, party_filtered, require_principal, require_visible
from resolvers.catalogue import loaders as catalogue_loaders
from resolvers.context import Info
from resolvers.licensing import loaders as licensing_loaders
from resolvers.mapping import from_record
from resolvers.pagination import After, Connection, First, connection, key_window, keyset_connection, window
from resolvers.provenance import loaders as provenance_loaders
from resolvers.provenance.types import (
    AudioDispute,
    ComplianceFlag,
    InfluencedOutput,
    Model,
    ModelTrainingSummary,
    Output,
    Trace,
    TraceInfluence,
    TrainedModel,
    TrainingRun,
    compliance_status_of,
)
from resolvers.selection import selected_names

OWNERS = (Role.ADMIN, Role.AUDITOR, Role.LICENSEE)


def provenance_filter(principal: Principal) -> ProvenanceFilter:
    return ProvenanceFilter(
        licensee_id=principal.party(Role.LICENSEE), vendor_id=principal.party(Role.VENDOR)
    )


@strawberry.type(
    description="Models trained on a work (or a creator's works) and the outputs they influenced."
)
class Provenance:
    work_id: strawberry.Private[str | None]
    creator_id: strawberry.Private[str | None]
    where: strawberry.Private[ProvenanceFilter]

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE, Role.CREATOR),
        description="Models whose training lineage used the work(s), by name (a LICENSEE key: its own).",
    )
    async def models(self, info: Info, first: First = None, after: After = None) -> Connection[TrainedModel]:
        offset, limit = window(first, after)
        total, rows = await reads.trained_models(
            info.context.db,
            work_id=self.work_id,
            creator_id=self.creator_id,
            where=self.where,
            offset=offset,
            limit=limit,
        )
        return connection(rows, total, offset, TrainedModel.from_row)

    @strawberry.field(
        extensions=party_filtered(),
        description="Outputs the work(s) influenced, newest first, with each vendor's score (a LICENSEE key: "
        "its own outputs; a VENDOR key: those it reported on).",
    )
    async def outputs(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[InfluencedOutput]:
        page = key_window(info, first, after)
        total, rows = await reads.influenced_outputs(
            info.context.db, work_id=self.work_id, creator_id=self.creator_id, where=self.where, window=page
        )
        return keyset_connection(rows, total, page, InfluencedOutput.from_row)


async def _may_read(info: Info, output: OutputRecord) -> bool:
    try:
        await _readable_output(info, output, output.id)
    except NotFound:
        return False
    return True


async def _readable_output(info: Info, output: OutputRecord | None, asked: str) -> OutputRecord:
    vendor = require_principal(info).party(Role.VENDOR)
    if output is not None and vendor is not None:
        if await reads.vendor_reported(info.context.db, vendor, output.id):
            return output
    else:
        require_visible(info, Role.LICENSEE, output.licensee_id if output else None, f"output {asked!r}")
        if output is not None:
            return output
    raise NotFound(f"No output {asked!r} that you may read.")


async def _creator_touched(info: Info, creator_id: str, record: TraceRecord) -> set[str]:
    """The creator's works among the influences and the lineage's training; NOT_FOUND when there are none."""
    db = info.context.db
    held = await catalogue.works_held_by(db, creator_id, sorted(record.work_ids))
    trained = await reads.creator_trained(db, creator_id, [r.id for r in record.runs])
    if not held and not trained:
        raise NotFound(f"No output {record.output.id!r} that you may read.")
    return set(held)


def _trace(record: TraceRecord, visible_works: set[str] | None) -> Trace:
    influences = [
        TraceInfluence.from_row(i)
        for i in record.influences
        if visible_works is None or set(i.work_ids) & visible_works
    ]
    flags = [
        f for f in record.flags if visible_works is None or f.work_id is None or f.work_id in visible_works
    ]
    return from_record(
        Trace,
        record,
        output=Output.from_record(record.output),
        model=Model.from_record(record.lineage[0]) if record.lineage else None,
        lineage=[Model.from_record(m) for m in record.lineage],
        compliant=record.output.compliant,
        model_compliance_status=compliance_status_of(list(record.runs)),
        influences=influences,
        counting_report_id=record.counting_report_id or None,
        runs=list(record.runs),
        flag_records=flags,
    )


async def readable_trace_record(
    info: Info, output_id: str, parts: frozenset[TracePart] = frozenset(TracePart)
) -> tuple[TraceRecord, set[str] | None]:
    """The trace record and the works whose influences the caller may see (None: all), scoped as `trace`;
    NOT_FOUND as for a missing output."""
    principal = require_principal(info)
    vendor = principal.party(Role.VENDOR)
    record = await reads.trace(info.context.db, output_id, vendor_id=vendor, parts=parts)
    creator = principal.party(Role.CREATOR)
    if creator is None:
        await _readable_output(info, record.output if record else None, output_id)
    elif record is None:
        raise NotFound(f"No output {output_id!r} that you may read.")
    assert record is not None
    # A creator traces what touches its works, and sees the influences on its own works only.
    visible = await _creator_touched(info, creator, record) if creator is not None else None
    return record, visible


def visible_influences(record: TraceRecord, visible_works: set[str] | None) -> list[InfluenceRow]:
    return [i for i in record.influences if visible_works is None or set(i.work_ids) & visible_works]


async def readable_trace(info: Info, output_id: str, selected: set[str] | None = None) -> Trace:
    """The trace as the caller may see it: only the parts `selected` (field names; None: all) asks for.

    The influencing works and their shares, and the runs' grants, come with the trace and prime the
    dataloaders their nested fields read, so those fields (still behind their own access rules) query
    nothing again.
    """
    record, visible = await readable_trace_record(info, output_id, _parts(selected))
    for work_id, work in record.works.items():
        licensing_loaders.work(info).prime(work_id, work)
        catalogue_loaders.shares_of_work(info).prime(work_id, record.shares[work_id])
    for grant_id, grant in record.grants.items():
        provenance_loaders.grant(info).prime(grant_id, grant)
    return _trace(record, visible)


def _parts(selected: set[str] | None) -> frozenset[TracePart]:
    if selected is None:
        return frozenset(TracePart)
    wanted = {
        TracePart.WORKS: {"work", "works"},
        TracePart.FACTS: {"licensableAtTraining", "reasons"},
        TracePart.FLAGS: {"flags"},
        TracePart.COUNTING: {"countingReportId"},
        TracePart.GRANTS: {"grant"},
    }
    return frozenset(part for part, names in wanted.items() if names & selected)


@strawberry.type
class ProvenanceQuery:
    @strawberry.field(extensions=allow(*OWNERS), description="A model (a LICENSEE key: its own).")
    async def model(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The model version's id.")],
    ) -> Model:
        found = (await reads.models_by_id(info.context.db, [str(id)])).get(str(id))
        require_visible(info, Role.LICENSEE, found.licensee_id if found else None, f"model {str(id)!r}")
        assert found is not None
        return Model.from_record(found)

    @strawberry.field(
        extensions=allow(*OWNERS),
        description="Models by name, of one licensee or all (a LICENSEE key: its own).",
    )
    async def models(
        self,
        info: Info,
        licensee_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this licensee's models. A LICENSEE key sees only its own."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Model]:
        asked = str(licensee_id) if licensee_id else None
        licensee = require_principal(info).acting_for(Role.LICENSEE, asked, "licensee")
        offset, limit = window(first, after)
        total, records = await reads.models_of_licensee(info.context.db, licensee, offset, limit)
        return connection(records, total, offset, Model.from_record)

    @strawberry.field(extensions=allow(*OWNERS), description="A complete training run (a LICENSEE: its own).")
    async def training_run(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The training run's id.")],
    ) -> TrainingRun:
        found = (await reads.runs_by_id(info.context.db, [str(id)])).get(str(id))
        require_visible(
            info, Role.LICENSEE, found.licensee_id if found else None, f"training run {str(id)!r}"
        )
        assert found is not None
        return TrainingRun.from_record(found)

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE, Role.VENDOR),
        description="An output by id or content hash (a LICENSEE: its own; a VENDOR: those it reported on). "
        "A hash that names several outputs the caller may read (one audio declared by several licensees: "
        "see audioDisputes) answers BAD_USER_INPUT naming them; ask by id.",
    )
    async def output(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The output's id; give this or `contentHash`."),
        ] = None,
        content_hash: Annotated[
            str | None,
            strawberry.argument(
                description="The SHA-256 of the output's audio, 64 hex digits; give this or `id`."
            ),
        ] = None,
    ) -> Output:
        if (id is None) == (content_hash is None):
            raise InvalidInput("Give either id or contentHash.")
        db = info.context.db
        if id is not None:
            found = (await reads.outputs_by_id(db, [str(id)])).get(str(id))
            return Output.from_record(await _readable_output(info, found, str(id)))
        audio = (content_hash or "").strip().lower()
        readable = [o for o in await reads.outputs_by_hash(db, audio) if await _may_read(info, o)]
        if not readable:
            raise NotFound(f"No output {audio!r} that you may read.")
        if len(readable) > 1:
            raise InvalidInput(
                f"{len(readable)} outputs you may read have content hash {audio} (one for each licensee that "
                f"declared this audio: {', '.join(o.id for o in readable)}); ask for one by id, and see "
                "audioDisputes."
            )
        return Output.from_record(readable[0])

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR),
        description="Audio that more than one licensee declared as its own output, the most recently "
        "disputed first, with every licensee's output of it.",
    )
    async def audio_disputes(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[AudioDispute]:
        page = key_window(info, first, after)
        total, records = await reads.audio_disputes(info.context.db, page)
        return keyset_connection(records, total, page, AudioDispute.from_record)

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR),
        description="Compliance flags, newest first, by subject kind, code or subject.",
    )
    async def compliance_flags(
        self,
        info: Info,
        subject_kind: Annotated[
            SubjectKind | None, strawberry.argument(description="Only flags on this kind of subject.")
        ] = None,
        code: Annotated[
            FlagCode | None, strawberry.argument(description="Only flags with this code.")
        ] = None,
        subject_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only flags on this training run, output or attribution report (id)."
            ),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[ComplianceFlag]:
        page = key_window(info, first, after)
        total, records = await reads.list_flags(
            info.context.db,
            kind=subject_kind,
            code=code,
            subject_id=str(subject_id) if subject_id else None,
            window=page,
        )
        return keyset_connection(records, total, page, ComplianceFlag.from_record)

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE, Role.VENDOR, Role.CREATOR),
        description="Trace an output to its model and lineage, the training runs and grants behind it, the "
        "influences (work, creators, shares, score, vendor, licensable at training) and the compliance "
        "flags. Loads in a bounded number of queries whatever the number of influences.",
    )
    async def trace(
        self,
        info: Info,
        output_id: Annotated[strawberry.ID, strawberry.argument(description="The generated output's id.")],
    ) -> Trace:
        return await readable_trace(info, str(output_id), selected_names(info))

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE, Role.VENDOR, Role.CREATOR),
        description="Models trained on a work and outputs it influenced (a CREATOR: its own works; a "
        "LICENSEE: its own models and outputs; a VENDOR: outputs it reported on).",
    )
    async def work_provenance(
        self, info: Info, work_id: Annotated[strawberry.ID, strawberry.argument(description="The work's id.")]
    ) -> Provenance:
        principal = require_principal(info)
        creator = principal.party(Role.CREATOR)
        if creator is not None:
            held = await catalogue.works_held_by(info.context.db, creator, [str(work_id)])
            if not held:
                # As for a work that does not exist: a creator learns nothing of others' works.
                raise NotFound(f"No work {str(work_id)!r} of yours.")
        return Provenance(work_id=str(work_id), creator_id=None, where=provenance_filter(principal))

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.CREATOR),
        description="The same across all of a creator's works (a CREATOR key: itself).",
    )
    async def creator_provenance(
        self,
        info: Info,
        creator_id: Annotated[strawberry.ID, strawberry.argument(description="The creator's id.")],
    ) -> Provenance:
        require_principal(info).acting_for(Role.CREATOR, str(creator_id), "creator")
        return Provenance(work_id=None, creator_id=str(creator_id), where=ProvenanceFilter())

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE, Role.CREATOR),
        description="What a model was trained on, over its whole lineage, in the spirit of the EU AI Act's "
        "Article 53 summary template: works and recordings used, licensed or not, their sources, and the "
        "compliance status (a LICENSEE: its own models; a CREATOR: models trained on its works).",
    )
    async def model_training_summary(
        self,
        info: Info,
        model_id: Annotated[strawberry.ID, strawberry.argument(description="The model version's id.")],
    ) -> ModelTrainingSummary:
        db = info.context.db
        model = (await reads.models_by_id(db, [str(model_id)])).get(str(model_id))
        summary = await reads.training_summary(db, model.id) if model is not None else None
        creator = require_principal(info).party(Role.CREATOR)
        if creator is not None and model is not None and summary is not None:
            # A creator reads the summary of a model trained on its works, and of no other.
            if await reads.creator_trained(db, creator, [r.id for r in summary.runs]):
                return ModelTrainingSummary.of(model, summary)
            model = None
        require_visible(info, Role.LICENSEE, model.licensee_id if model else None, f"model {str(model_id)!r}")
        assert model is not None and summary is not None
        return ModelTrainingSummary.of(model, summary)
