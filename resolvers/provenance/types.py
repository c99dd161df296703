"""GraphQL types of provenance: Model, TrainingRun, Output, ComplianceFlag, the trace and the summaries.

Nested fields load through dataloaders (resolvers/provenance/loaders.py and the catalogue's), so a list of
any length costs the same number of queries. Who may reach an object is decided by the root fields; every
nested field that returns records carries its own rule too (docs/access.md, "Nested fields"), since a
VENDOR or CREATOR reaches a licensee's model through a trace.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry

from graph.stores.catalogue.records import WorkRecord
from graph.stores.provenance.reads import InfluencedRow, InfluenceRow, TrainedModelRow, TrainingSummary
from graph.stores.provenance.records import (
    AudioDisputeRecord,
    FlagRecord,
    ModelRecord,
    OutputRecord,
    RunRecord,
)
from registry.access import Role
from registry.provenance import ComplianceStatus, FlagCode, ManifestFormat, SubjectKind
from registry.rights import Reason
from resolvers.access import allow, part_of_parent, party_filtered, require_principal
from resolvers.attribution import loaders as attribution_loaders
from resolvers.catalogue.types import Recording, Work
from resolvers.catalogue.visibility import sees_every_work, work_visible
from resolvers.context import Info
from resolvers.dataloaders import awaited, now_or_later
from resolvers.enum_values import enum_values
from resolvers.licensing import loaders as licensing_loaders
from resolvers.licensing.types import Grant, RightsReason
from resolvers.mapping import from_record
from resolvers.provenance import loaders

strawberry.enum(FlagCode, description="Why a training run, an output or an influence is flagged.")
enum_values(
    FlagCode,
    {
        "NO_GRANT": "The run named no grant.",
        "GRANT_NOT_VALID": "The grant was not in force at the run's start.",
        "GRANT_FOR_OTHER_MODEL": "The grant covers another model version.",
        "WORK_NOT_LICENSABLE": "A work used or influencing was not licensable then.",
        "WORK_DECLINED": "A work used or influencing was declined by a holder.",
        "WORK_WITHDRAWN": "A work used or influencing was withdrawn.",
        "RECORDING_WITHOUT_WORK": "A recording used embodies no registered work.",
        "UNKNOWN_CONTENT": "A manifest item matches nothing in the registry.",
        "NON_COMPLIANT_LINEAGE": "An output of a model whose training lineage is not compliant.",
    },
)
strawberry.enum(SubjectKind, name="ComplianceSubjectKind", description="What a compliance flag is on.")
enum_values(
    SubjectKind,
    {
        "TRAINING_RUN": "A training run.",
        "OUTPUT": "A generated output.",
        "ATTRIBUTION": "An attribution report's influence.",
    },
)
strawberry.enum(
    ComplianceStatus,
    description="COMPLIANT: every run of the training lineage is; UNDECLARED: no training run is declared.",
)
enum_values(
    ComplianceStatus,
    {
        "COMPLIANT": "Every run of the training lineage is compliant.",
        "NON_COMPLIANT": "At least one run of the lineage is not.",
        "UNDECLARED": "No training run is declared for the lineage.",
    },
)
strawberry.enum(ManifestFormat, description="An uploaded manifest: JSON lines, or CSV with a header row.")
enum_values(
    ManifestFormat,
    {
        "JSON_LINES": "One JSON object per line.",
        "CSV": "CSV with a header row (work_id, iswc, isrc, weight).",
    },
)

# Who may see the commercial side of a run (its grant, its flags): not a vendor, which only attributes.
NOT_VENDOR = allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE, Role.CREATOR)
# Who may list a model's outputs: its licensee (and the society), as `output(id)` allows.
OWNERS = allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE)


async def _work(info: Info, work_id: str | None) -> Work | None:
    if work_id is None or not await work_visible(info, work_id):
        return None
    return _work_of(await licensing_loaders.work(info).load(work_id))


def _work_of(record: WorkRecord | None) -> Work | None:
    return Work.from_record(record) if record else None


@strawberry.type(
    description="A compliance flag: recorded, never hidden. Flags are evidence; nothing is dropped."
)
class ComplianceFlag:
    id: strawberry.ID = strawberry.field(description="The flag's id.")
    code: FlagCode = strawberry.field(description="What was found.")
    message: str = strawberry.field(description="The same in words, naming the records.")
    subject_kind: SubjectKind = strawberry.field(description="What it is on.")
    subject_id: strawberry.ID = strawberry.field(
        description="The training run, output or attribution report it is on."
    )
    reasons: list[RightsReason] = strawberry.field(
        description="The rights rule's reasons behind the flag, each a code and a message."
    )
    work_id: strawberry.ID | None = strawberry.field(description="The work concerned, if any.")
    recording_id: strawberry.ID | None = strawberry.field(description="The recording concerned, if any.")
    reference: str | None = strawberry.field(description="An unresolved manifest reference, or a run id.")
    detected_at: datetime = strawberry.field(description="When it was raised.")

    @classmethod
    def from_record(cls, record: FlagRecord) -> ComplianceFlag:
        return from_record(
            cls, record, reasons=[RightsReason.from_reason(Reason.of_code(code)) for code in record.reasons]
        )

    @strawberry.field(
        extensions=party_filtered(),
        description="The work the flag concerns (a CREATOR key: its own works only).",
    )
    async def work(self, info: Info) -> Work | None:
        return await _work(info, self.work_id)


@strawberry.type(description="Flags on one subject: how many, and the first 100 (all: complianceFlags).")
class FlagList:
    total_count: int = strawberry.field(description="How many flags the subject has.")
    items: list[ComplianceFlag] = strawberry.field(description="The first 100, newest first.")


def _flag_list(found: tuple[int, list[FlagRecord]] | None) -> FlagList:
    total, records = found or (0, [])
    return FlagList(total_count=total, items=[ComplianceFlag.from_record(r) for r in records])


def compliance_status_of(runs: list[RunRecord]) -> ComplianceStatus:
    if not runs:
        return ComplianceStatus.UNDECLARED
    return ComplianceStatus.COMPLIANT if all(r.compliant for r in runs) else ComplianceStatus.NON_COMPLIANT


@strawberry.type(description="A model version a licensee operates.")
class Model:
    id: strawberry.ID = strawberry.field(
        description="The model version's id (default <licenseeId>:<name>:<version>)."
    )
    licensee_id: strawberry.ID = strawberry.field(description="The licensee operating it.")
    name: str = strawberry.field(description="The model's name.")
    version: str = strawberry.field(description="The version.")
    base_model_id: strawberry.ID | None = strawberry.field(description="The model it was fine-tuned from.")
    created_at: datetime = strawberry.field(description="When it was declared.")

    @classmethod
    def from_record(cls, record: ModelRecord) -> Model:
        return from_record(cls, record)

    @strawberry.field(
        extensions=part_of_parent(),
        description="This model, then the models it was fine-tuned from, nearest first.",
    )
    async def lineage(self, info: Info) -> list[Model]:
        return [Model.from_record(m) for m in await loaders.lineage(info).load(self.id) or []]

    @strawberry.field(
        extensions=NOT_VENDOR,
        description="Every complete training run of the lineage, oldest first.",
    )
    async def training_runs(self, info: Info) -> list[TrainingRun]:
        return [TrainingRun.from_record(r) for r in await loaders.lineage_runs(info).load(self.id) or []]

    @strawberry.field(description="COMPLIANT when every run of the training lineage is.")
    async def compliance_status(self, info: Info) -> ComplianceStatus:
        return compliance_status_of(await loaders.lineage_runs(info).load(self.id) or [])

    @strawberry.field(
        extensions=OWNERS,
        description="Its outputs, newest first (up to 100; a LICENSEE key: its own).",
    )
    async def outputs(self, info: Info) -> list[Output]:
        principal = require_principal(info)
        found = await loaders.outputs_of_model(info).load(self.id) or []
        return [Output.from_record(o) for o in found if principal.sees(Role.LICENSEE, o.licensee_id)]


@strawberry.type(description="A declared, complete training run. Runs still uploading are never shown.")
class TrainingRun:
    id: strawberry.ID = strawberry.field(description="The run's id.")
    licensee_id: strawberry.ID = strawberry.field(description="The licensee that ran it.")
    model_id: strawberry.ID = strawberry.field(description="The model version it produced.")
    grant_id: strawberry.ID | None = strawberry.field(
        description="The grant it ran under; null when none was named (flagged NO_GRANT)."
    )
    started_at: datetime = strawberry.field(
        description="When it started; licensability is judged at this moment."
    )
    finished_at: datetime = strawberry.field(description="When it finished.")
    manifest_digest: str = strawberry.field(description="SHA-256 over the manifest's canonical lines.")
    item_count: int = strawberry.field(description="How many manifest items it used.")
    unmatched_count: int = strawberry.field(description="Manifest items naming nothing in the registry.")
    compliant: bool = strawberry.field(
        description=(
            "True when it ran under a grant valid then and every work it used was "
            "licensable for training then."
        )
    )
    grant_valid: bool = strawberry.field(description="It ran under a grant valid then, for this model.")
    record: strawberry.Private[RunRecord]

    @classmethod
    def from_record(cls, record: RunRecord) -> TrainingRun:
        return from_record(cls, record, grant_valid=record.grant_ok, record=record)

    @strawberry.field(extensions=part_of_parent(), description="The model it trained.")
    async def model(self, info: Info) -> Model | None:
        found = await loaders.model(info).load(self.model_id)
        return Model.from_record(found) if found else None

    @strawberry.field(extensions=NOT_VENDOR, description="The grant it ran under.")
    async def grant(self, info: Info) -> Grant | None:
        if self.grant_id is None:
            return None
        found = await loaders.grant(info).load(self.grant_id)
        return Grant.from_record(found) if found else None

    @strawberry.field(extensions=NOT_VENDOR, description="Its compliance flags (the first 100, by code).")
    async def flags(self, info: Info) -> FlagList:
        return _flag_list(await loaders.flags(info, SubjectKind.TRAINING_RUN).load(self.id))


@strawberry.type(description="A generated track, keyed by the SHA-256 of its audio.")
class Output:
    id: strawberry.ID = strawberry.field(
        description="The output's id, in its licensee's namespace (default: `<licensee>:<content hash>`)."
    )
    content_hash: str = strawberry.field(description="SHA-256 of its audio, 64 hex digits.")
    model_id: strawberry.ID = strawberry.field(description="The model version that generated it.")
    licensee_id: strawberry.ID = strawberry.field(description="The licensee operating that model.")
    generated_at: datetime = strawberry.field(description="When it was generated.")
    title: str | None = strawberry.field(description="Its title, if given.")
    duration_seconds: str | None = strawberry.field(description="Exact decimal seconds.")
    compliant: bool = strawberry.field(
        description="False when a run of its model's lineage is not compliant."
    )

    @classmethod
    def from_record(cls, record: OutputRecord) -> Output:
        return from_record(cls, record, generated_at=record.created_at)

    @strawberry.field(extensions=part_of_parent(), description="The model that generated it.")
    async def model(self, info: Info) -> Model | None:
        found = await loaders.model(info).load(self.model_id)
        return Model.from_record(found) if found else None

    @strawberry.field(extensions=NOT_VENDOR, description="Its compliance flags.")
    async def flags(self, info: Info) -> FlagList:
        return _flag_list(await loaders.flags(info, SubjectKind.OUTPUT).load(self.id))


@strawberry.type(
    description="An audio that more than one licensee declared as its own generated output. Each "
    "declaration is that licensee's own output (no licensee learns of the others); the society decides "
    "which model generated it. Seen by ADMIN and AUDITOR keys only."
)
class AudioDispute:
    content_hash: str = strawberry.field(description="SHA-256 of the audio, 64 hex digits.")
    disputed_at: datetime = strawberry.field(description="When a second licensee declared it.")
    outputs: list[Output] = strawberry.field(
        extensions=part_of_parent(), description="Every licensee's output of this audio, by id."
    )

    @classmethod
    def from_record(cls, record: AudioDisputeRecord) -> AudioDispute:
        return from_record(cls, record, outputs=[Output.from_record(o) for o in record.outputs])


@strawberry.type(description="One influence on the output, from a vendor's current attribution report.")
class TraceInfluence:
    # Declared `str` (an ID in the schema) so the written-out conversion below needs no strawberry.ID(...).
    report_id: str = strawberry.field(
        graphql_type=strawberry.ID, description="The attribution report it comes from."
    )
    vendor_id: str = strawberry.field(graphql_type=strawberry.ID, description="The vendor that reported it.")
    method: str | None = strawberry.field(description="The vendor's attribution method.")
    score: str = strawberry.field(description="Exact decimal string, as the vendor reported it.")
    confidence: str | None = strawberry.field(
        description=("The vendor's confidence, 0 to 1 as an exact decimal string; null when not given.")
    )
    right_type: str | None = strawberry.field(description="COMPOSITION (a work) or MASTER (a recording).")
    licensable_at_training: bool | None = strawberry.field(
        description="Was the work (every work a recording embodies) licensable for TRAINING at the start of "
        "every run of the model's lineage? Null when the lineage declares no training."
    )
    reasons: list[RightsReason] = strawberry.field(
        description="Why not, when it was not: each a code and a message, as rightsCheck gives them."
    )
    target_id: strawberry.Private[str]
    recording_target: strawberry.Private[bool]
    work_ids: strawberry.Private[tuple[str, ...]]

    @classmethod
    def from_row(cls, row: InfluenceRow) -> TraceInfluence:
        # Written out, not `from_record`: the trace builds one per influence, on its hot path, and the mapper
        # took twice as long over 100 influences (process time, interleaved; BENCHMARKS.md).
        return cls(
            report_id=row.report_id,
            vendor_id=row.vendor_id,
            method=row.method,
            score=row.score,
            confidence=row.confidence,
            right_type=row.right_type,
            licensable_at_training=row.at_training.licensable,
            reasons=[RightsReason.from_reason(r) for r in row.at_training.reasons],
            target_id=row.target_id,
            recording_target=row.recording,
            work_ids=row.work_ids,
        )

    @strawberry.field(
        extensions=party_filtered(),
        description="The influencing work, with its creators and shares (COMPOSITION).",
    )
    def work(self, info: Info) -> Work | None:
        if self.recording_target:
            return None
        if sees_every_work(info):  # synchronous when the trace primed the work (see now_or_later)
            return now_or_later(licensing_loaders.work(info), self.target_id, _work_of)
        return awaited(_work(info, self.target_id))

    @strawberry.field(extensions=part_of_parent(), description="The influencing recording (MASTER).")
    async def recording(self, info: Info) -> Recording | None:
        if not self.recording_target:
            return None
        found = await attribution_loaders.recording(info).load(self.target_id)
        return Recording.from_record(found) if found else None

    @strawberry.field(
        extensions=party_filtered(),
        description="The works behind it: the work itself, or the works a recording embodies.",
    )
    async def works(self, info: Info) -> list[Work]:
        found = await asyncio.gather(*(_work(info, w) for w in self.work_ids))
        return [w for w in found if w is not None]


@strawberry.type(description="An output traced back to its model, training, grants, influences and flags.")
class Trace:
    output: Output = strawberry.field(description="The output traced.", extensions=part_of_parent())
    model: Model | None = strawberry.field(
        description="The model version that generated it.", extensions=part_of_parent()
    )
    lineage: list[Model] = strawberry.field(
        extensions=part_of_parent(), description="The output's model, then its bases, nearest first."
    )
    compliant: bool = strawberry.field(description="The output's own verdict (its lineage's runs).")
    model_compliance_status: ComplianceStatus = strawberry.field(
        description="Whether its training lineage is compliant."
    )
    influences: list[TraceInfluence] = strawberry.field(
        extensions=party_filtered(),
        description="From every vendor's current report (a VENDOR key: its own; a CREATOR key: its works).",
    )
    counting_report_id: strawberry.ID | None = strawberry.field(
        description="The report that counts for output-use royalties under the licence's rule, if any."
    )
    runs: strawberry.Private[list[RunRecord]]
    flag_records: strawberry.Private[list[FlagRecord]]

    @strawberry.field(extensions=NOT_VENDOR, description="The complete runs of the lineage, oldest first.")
    def training_runs(self) -> list[TrainingRun]:
        return [TrainingRun.from_record(r) for r in self.runs]

    @strawberry.field(
        extensions=NOT_VENDOR,
        description="Flags on the output, on its lineage's runs (run-level, and about the influencing works) "
        "and on the attribution reports.",
    )
    def flags(self) -> list[ComplianceFlag]:
        return [ComplianceFlag.from_record(f) for f in self.flag_records]


@strawberry.type(
    description="A model trained on the work (or creator's works), directly or through its base."
)
class TrainedModel:
    model: Model = strawberry.field(description="The model version.", extensions=part_of_parent())
    run_ids: list[strawberry.ID] = strawberry.field(
        description="The training runs (of it or its base models) that used the work(s)."
    )
    work_ids: list[strawberry.ID] = strawberry.field(description="Which of the works its lineage used.")
    direct: bool = strawberry.field(description="False when it inherits the training from a base model.")

    @classmethod
    def from_row(cls, row: TrainedModelRow) -> TrainedModel:
        model = Model.from_record(row.model)
        return from_record(cls, row, model=model, run_ids=list(row.run_ids), work_ids=list(row.work_ids))


@strawberry.type(description="An output a work influenced, with the vendor's score.")
class InfluencedOutput:
    output: Output = strawberry.field(description="The output.", extensions=party_filtered())
    work_id: strawberry.ID = strawberry.field(description="The work that influenced it.")
    recording_id: strawberry.ID | None = strawberry.field(
        description="Set when the influence was a recording."
    )
    score: str = strawberry.field(
        description="The vendor's influence score, 0 to 1 as an exact decimal string."
    )
    confidence: str | None = strawberry.field(
        description=("The vendor's confidence, 0 to 1 as an exact decimal string; null when not given.")
    )
    report_id: strawberry.ID = strawberry.field(description="The attribution report.")
    vendor_id: strawberry.ID = strawberry.field(description="The vendor.")

    @classmethod
    def from_row(cls, row: InfluencedRow) -> InfluencedOutput:
        return from_record(cls, row, output=Output.from_record(row.output))

    @strawberry.field(extensions=party_filtered(), description="The influencing work.")
    async def work(self, info: Info) -> Work | None:
        return await _work(info, self.work_id)


@strawberry.type(description="A category of training content and how much of it there was.")
class ContentSource:
    source: str = strawberry.field(
        description="COLLECTIVE_LICENCE (licensable, under a valid grant), UNLICENSED, or UNIDENTIFIED "
        "(manifest references the registry does not know)."
    )
    works: int = strawberry.field(description="Works in this category.")
    recordings: int = strawberry.field(description="Recordings in this category.")
    items: int = strawberry.field(
        description="Manifest items: works plus recordings, or unresolved references."
    )


def _source(name: str, works: int, recordings: int) -> ContentSource:
    return ContentSource(source=name, works=works, recordings=recordings, items=works + recordings)


@strawberry.type(description="How many compliance flags of one code a model's training lineage carries.")
class FlagCount:
    code: FlagCode = strawberry.field(description="The flag code.")
    count: int = strawberry.field(description="How many flags have it.")


@strawberry.type(
    description="A summary of the content a model was trained on, in the spirit of the EU AI Act's "
    "Article 53(1)(d) template: over its whole training lineage."
)
class ModelTrainingSummary:
    model: Model = strawberry.field(description="The model version.", extensions=part_of_parent())
    compliance_status: ComplianceStatus = strawberry.field(
        description="Whether its training lineage is compliant."
    )
    run_count: int = strawberry.field(description="How many complete training runs the lineage has.")
    training_from: datetime | None = strawberry.field(
        description="When the first run started; null without runs."
    )
    training_until: datetime | None = strawberry.field(
        description="When the last run finished; null without runs."
    )
    works_used: int = strawberry.field(description="Distinct works used.")
    works_licensed: int = strawberry.field(
        description="Of those, licensable for training under a valid grant when used."
    )
    works_unlicensed: int = strawberry.field(description="Of those, not.")
    recordings_used: int = strawberry.field(description="Distinct recordings used.")
    recordings_licensed: int = strawberry.field(
        description="Of those, whose works were licensable for training when used."
    )
    recordings_unlicensed: int = strawberry.field(description="Of those, not.")
    unidentified_items: int = strawberry.field(description="Manifest items the registry does not know.")
    sources: list[ContentSource] = strawberry.field(description="The content by category.")
    flag_counts: list[FlagCount] = strawberry.field(description="Flags on the lineage's runs, by code.")
    runs: strawberry.Private[tuple[RunRecord, ...]]

    @classmethod
    def of(cls, model: ModelRecord, summary: TrainingSummary) -> ModelTrainingSummary:
        works_off = summary.works - summary.works_licensed
        recordings_off = summary.recordings - summary.recordings_licensed
        return cls(
            model=Model.from_record(model),
            compliance_status=summary.status,
            run_count=len(summary.runs),
            training_from=min((r.started_at for r in summary.runs), default=None),
            training_until=max((r.finished_at for r in summary.runs), default=None),
            works_used=summary.works,
            works_licensed=summary.works_licensed,
            works_unlicensed=works_off,
            recordings_used=summary.recordings,
            recordings_licensed=summary.recordings_licensed,
            recordings_unlicensed=recordings_off,
            unidentified_items=summary.unidentified,
            sources=[
                _source("COLLECTIVE_LICENCE", summary.works_licensed, summary.recordings_licensed),
                _source("UNLICENSED", works_off, recordings_off),
                ContentSource(source="UNIDENTIFIED", works=0, recordings=0, items=summary.unidentified),
            ],
            flag_counts=[
                FlagCount(code=FlagCode(c), count=n) for c, n in sorted(summary.flag_counts.items())
            ],
            runs=summary.runs,
        )

    @strawberry.field(extensions=part_of_parent(), description="The runs of the lineage, oldest first.")
    def training_runs(self) -> list[TrainingRun]:
        return [TrainingRun.from_record(r) for r in self.runs]
