"""The service's records as PROV (interchange.prov_export): one function per subject, shared by GraphQL
and `opustrace prov export`. The caller's scoping is applied before these run (see resolvers/prov/queries)."""

from __future__ import annotations

from collections.abc import Sequence

from graph.database import Database
from graph.stores._pages import KeyWindow
from graph.stores.provenance import prov as prov_reads
from graph.stores.provenance import reads
from graph.stores.provenance.reads import (
    InfluencedRow,
    InfluenceRow,
    ProvenanceFilter,
    TraceRecord,
    TrainedModelRow,
)
from graph.stores.provenance.records import ModelRecord, OutputRecord, RunRecord
from interchange.prov_export import ProvWriter, qualified_id


def _model(writer: ProvWriter, model: ModelRecord) -> str:
    return writer.entity("model", model.id, "ot:Model", name=model.name, version=model.version)


def _licensee(writer: ProvWriter, licensee_id: str) -> str:
    return writer.person_or_organisation("licensee", licensee_id, True)


def _lineage(writer: ProvWriter, lineage: Sequence[ModelRecord], runs: Sequence[RunRecord]) -> None:
    """Models (each derived from its base), and the runs that produced them under their grants."""
    ids = {m.id: _model(writer, m) for m in lineage}
    for model in lineage:
        if model.base_model_id and model.base_model_id in ids:
            writer.derived(ids[model.id], ids[model.base_model_id], type="ot:FineTuning")
        writer.attributed(ids[model.id], _licensee(writer, model.licensee_id))
    for run in runs:
        activity = writer.activity(
            "TrainingRun",
            run.id,
            run.started_at,
            run.finished_at,
            compliant=run.compliant,
            itemCount=run.item_count,
            manifestDigest=run.manifest_digest,
        )
        plan = writer.plan(run.grant_id) if run.grant_id else None
        writer.associated(activity, _licensee(writer, run.licensee_id), plan)
        if run.model_id in ids:
            writer.generated(ids[run.model_id], activity)


def _output(writer: ProvWriter, output: OutputRecord) -> str:
    entity = writer.entity(
        "output",
        output.id,
        "ot:Output",
        contentHash=output.content_hash,
        title=output.title,
        compliant=output.compliant,
    )
    generation = writer.activity("Generation", output.id, output.created_at, output.created_at)
    writer.generated(entity, generation)
    writer.used(generation, qualified_id("model", output.model_id))
    writer.associated(generation, _licensee(writer, output.licensee_id), None)
    return entity


async def _works(db: Database, writer: ProvWriter, work_ids: Sequence[str]) -> None:
    """Works with their creators as agents (attributed, with the role they hold)."""
    for work in (await prov_reads.works(db, list(work_ids))).values():
        entity = writer.entity("work", work.id, "ot:Work", iswc=work.iswc, title=work.title)
        for creator in work.creators:
            agent = writer.person_or_organisation(
                "creator", creator.id, creator.organisation, name=creator.name, ipi=creator.ipi
            )
            writer.attributed(entity, agent, role=creator.role)


async def _recordings(db: Database, writer: ProvWriter, recording_ids: Sequence[str]) -> list[str]:
    found = await prov_reads.recordings(db, list(recording_ids))
    for recording in found.values():
        entity = writer.entity("recording", recording.id, "ot:Recording", isrc=recording.isrc)
        for work_id in recording.work_ids:
            writer.derived(entity, qualified_id("work", work_id), type="ot:Embodiment")
    return [w for r in found.values() for w in r.work_ids]


def _influence(writer: ProvWriter, output: str, influence: InfluenceRow | InfluencedRow, target: str) -> None:
    report = influence.report_id
    writer.derived(
        output,
        target,
        qualified_id("influence", f"{report}/{target.rsplit('/', 1)[-1]}"),
        type="ot:Influence",
        score=influence.score,
        confidence=influence.confidence,
        vendor=influence.vendor_id,
        report=report,
    )


async def output_document(
    db: Database, record: TraceRecord, influences: Sequence[InfluenceRow]
) -> ProvWriter:
    writer = ProvWriter()
    output = _output(writer, record.output)
    _lineage(writer, record.lineage, record.runs)
    recordings = [i.target_id for i in influences if i.recording]
    embodied = await _recordings(db, writer, recordings)
    await _works(db, writer, [i.target_id for i in influences if not i.recording] + embodied)
    for influence in influences:
        kind = "recording" if influence.recording else "work"
        _influence(writer, output, influence, qualified_id(kind, influence.target_id))
    return writer


async def model_document(db: Database, model: ModelRecord, limit: int = prov_reads.USED_LIMIT) -> ProvWriter:
    """The model, its lineage and runs, and what the runs used (the first `limit` items; each run states
    its full `itemCount`)."""
    lineage = (await reads.lineage_of(db, [model.id])).get(model.id, [model])
    runs = (await reads.lineage_runs(db, [model.id])).get(model.id, [])
    writer = ProvWriter()
    _lineage(writer, lineage, runs)
    used = await prov_reads.runs_used(db, [r.id for r in runs], limit)
    embodied = await _recordings(db, writer, [u.target_id for u in used if u.recording])
    await _works(db, writer, [u.target_id for u in used if not u.recording] + embodied)
    for item in used:
        target = qualified_id("recording" if item.recording else "work", item.target_id)
        writer.used(
            qualified_id("TrainingRun", item.run_id), target, weight=item.weight, licensable=item.licensable
        )
    return writer


async def work_document(
    db: Database, work_id: str, where: ProvenanceFilter, *, training: bool, limit: int = prov_reads.USED_LIMIT
) -> ProvWriter:
    """The work and its creators, the models trained on it (with the runs that used it; `training`: False
    leaves them out) and the outputs it influenced (with each vendor's score), up to `limit` of each."""
    trained: list[TrainedModelRow] = []
    if training:
        _, trained = await reads.trained_models(
            db, work_id=work_id, creator_id=None, where=where, offset=0, limit=limit
        )
    first_page = KeyWindow(after=None, limit=limit, count=False)
    _, influenced = await reads.influenced_outputs(
        db, work_id=work_id, creator_id=None, where=where, window=first_page
    )
    runs = list((await reads.runs_by_id(db, sorted({r for t in trained for r in t.run_ids}))).values())
    writer = ProvWriter()
    await _works(db, writer, [work_id])
    work = qualified_id("work", work_id)
    _lineage(writer, [t.model for t in trained], runs)
    for run in runs:
        writer.used(qualified_id("TrainingRun", run.id), work)
    for keyed in influenced:
        output = _output(writer, keyed.row.output)
        _influence(writer, output, keyed.row, work)
    return writer
