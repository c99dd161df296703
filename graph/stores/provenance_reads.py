"""Provenance reads: batch reads for dataloaders, the trace of an output, provenance of works and creators,
a model's training summary, and compliance flags.

Only COMPLETE training runs are ever read: a run still uploading (or one that failed and is being
discarded) is invisible. A model's training lineage is every run that PRODUCED it or any model it was
FINE_TUNED_FROM, transitively. Influences are read from each vendor's current report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, LiteralString

from graph.database import Database, Tx
from graph.stores.provenance_records import FlagRecord, ModelRecord, OutputRecord, RunRecord
from graph.stores.rights import work_facts
from registry.provenance import (
    RUN_LEVEL_CODES,
    ComplianceStatus,
    FlagCode,
    SubjectKind,
    TrainingVerdict,
    flag_id,
    licensable_at_training,
)
from registry.rights import WorkFacts

NESTED_LIMIT = 100

MODELS_BY_ID = "UNWIND $ids AS id MATCH (m:Model {id: id}) RETURN m {.*} AS model"
MODELS_OF_LICENSEE = """
MATCH (m:Model) WHERE $licensee_id IS NULL OR m.licensee_id = $licensee_id
WITH m ORDER BY m.name, m.version, m.id
WITH collect(m {.*}) AS rows
RETURN size(rows) AS total, rows[$offset..$offset + $limit] AS page
"""
LINEAGE = """
UNWIND $ids AS id
MATCH p = (:Model {id: id})-[:FINE_TUNED_FROM*0..]->(a:Model)
WITH id, a, min(length(p)) AS depth ORDER BY id, depth, a.id
RETURN id, collect(a {.*}) AS models
"""
RUNS_BY_ID = (
    "UNWIND $ids AS id MATCH (r:TrainingRun {id: id}) WHERE r.status = 'COMPLETE' RETURN r {.*} AS run"
)
LINEAGE_RUNS = """
UNWIND $ids AS id
MATCH (:Model {id: id})-[:FINE_TUNED_FROM*0..]->(:Model)<-[:PRODUCED]-(r:TrainingRun)
WHERE r.status = 'COMPLETE'
WITH DISTINCT id, r ORDER BY r.started_at, r.id
RETURN id, collect(r {.*}) AS runs
"""
_OUTPUT = "o {.*, model_id: m.id, licensee_id: m.licensee_id}"
OUTPUTS_BY_ID = (
    "UNWIND $ids AS id MATCH (m:Model)-[:GENERATED]->(o:Output {id: id}) RETURN " + _OUTPUT + " AS output"
)
OUTPUT_BY_HASH = (
    "MATCH (m:Model)-[:GENERATED]->(o:Output {content_hash: $hash}) RETURN " + _OUTPUT + " AS output"
)
OUTPUTS_OF_MODELS = """
UNWIND $ids AS id
MATCH (m:Model {id: id})-[:GENERATED]->(o:Output)
WITH id, m, o ORDER BY o.created_at DESC, o.id
WITH id, collect(o {.*, model_id: m.id, licensee_id: m.licensee_id})[..$limit] AS outputs
RETURN id, outputs
"""
FLAGS_ON = """
UNWIND $ids AS id
MATCH (f:ComplianceFlag {subject_kind: $kind, subject_id: id})
WITH id, f ORDER BY f.code, f.work_id, f.id
WITH id, collect(f {.*})[..$limit] AS flags, count(f) AS total
RETURN id, flags, total
"""
# A run's flags become visible with the run: never while it uploads (nor if its upload died).
_FLAG_FILTER = """
MATCH (f:ComplianceFlag)
WHERE ($kind IS NULL OR f.subject_kind = $kind) AND ($code IS NULL OR f.code = $code)
  AND ($subject_id IS NULL OR f.subject_id = $subject_id)
  AND NOT EXISTS { MATCH (f)-[:ON]->(r:TrainingRun) WHERE r.status <> 'COMPLETE' }
"""
COUNT_FLAGS = _FLAG_FILTER + "RETURN count(f) AS total"
PAGE_FLAGS = (
    _FLAG_FILTER + "RETURN f {.*} AS flag ORDER BY f.detected_at DESC, f.id SKIP $offset LIMIT $limit"
)
VENDOR_REPORTED = """
RETURN EXISTS {
  (:Vendor {id: $vendor_id})-[:SUBMITTED]->(:AttributionReport)-[:ABOUT]->(:Output {id: $output_id})
} AS reported
"""
# Did a run of the lineage use one of the creator's works (directly or through a recording)? From the
# creator's side, since a creator holds few works and a run may use 100,000.
CREATOR_TRAINED = """
MATCH (c:Creator {id: $creator_id})
RETURN EXISTS {
  MATCH (c)-[:HOLDS_SHARE]->(:Work)<-[:USED]-(r:TrainingRun) WHERE r.id IN $run_ids
} OR EXISTS {
  MATCH (c)-[:HOLDS_SHARE]->(:Work)<-[:EMBODIES]-(:Recording)<-[:USED]-(r:TrainingRun) WHERE r.id IN $run_ids
} AS trained
"""

# --- the trace: four queries whatever the number of influences ---------------------------------

TRACE_HEAD = """
MATCH (m:Model)-[:GENERATED]->(o:Output {id: $id})
RETURN o {.*, model_id: m.id, licensee_id: m.licensee_id} AS output,
  COLLECT {
    MATCH p = (m)-[:FINE_TUNED_FROM*0..]->(a:Model)
    WITH a, min(length(p)) AS depth ORDER BY depth, a.id
    RETURN a {.*}
  } AS lineage,
  COLLECT {
    MATCH (m)-[:FINE_TUNED_FROM*0..]->(:Model)<-[:PRODUCED]-(r:TrainingRun)
    WHERE r.status = 'COMPLETE'
    WITH DISTINCT r ORDER BY r.started_at, r.id
    RETURN r {.*}
  } AS runs
"""
TRACE_INFLUENCES = """
MATCH (a:AttributionReport)-[:ABOUT]->(:Output {id: $id})
WHERE a.current AND ($vendor_id IS NULL OR a.vendor_id = $vendor_id)
MATCH (a)-[i:INFLUENCE]->(t)
RETURN a.id AS report_id, a.vendor_id AS vendor_id, a.method AS method, a.computed_at AS computed_at,
       i.score AS score, i.confidence AS confidence, i.right_type AS right_type, t.id AS target_id,
       t:Recording AS recording,
       CASE WHEN t:Recording THEN COLLECT { MATCH (t)-[:EMBODIES]->(w:Work) RETURN w.id ORDER BY w.id }
            ELSE [t.id] END AS work_ids
ORDER BY a.vendor_id, report_id, i.position, target_id
"""
# The flags a trace shows: on the output, on the runs themselves (found by their deterministic ids), on the
# runs about the influencing works, and on the reports. Each part is an index lookup, never a scan.
TRACE_FLAGS = """
CALL () {
  MATCH (f:ComplianceFlag {subject_kind: 'OUTPUT', subject_id: $output_id}) RETURN f
  UNION
  UNWIND $run_flag_ids AS fid MATCH (f:ComplianceFlag {id: fid}) RETURN f
  UNION
  UNWIND $work_ids AS wid MATCH (f:ComplianceFlag {work_id: wid})
  WHERE f.subject_kind = 'TRAINING_RUN' AND f.subject_id IN $run_ids RETURN f
  UNION
  UNWIND $report_ids AS rid MATCH (f:ComplianceFlag {subject_kind: 'ATTRIBUTION', subject_id: rid}) RETURN f
}
RETURN f {.*} AS flag ORDER BY f.subject_kind, f.subject_id, f.code, f.work_id
"""


@dataclass(frozen=True, slots=True)
class InfluenceRow:
    report_id: str
    vendor_id: str
    method: str | None
    score: str
    confidence: str | None
    right_type: str | None
    target_id: str
    recording: bool
    work_ids: tuple[str, ...]
    at_training: TrainingVerdict


@dataclass(frozen=True, slots=True)
class TraceRecord:
    output: OutputRecord
    lineage: tuple[ModelRecord, ...]  # the output's model first, then its bases, nearest first
    runs: tuple[RunRecord, ...]
    influences: tuple[InfluenceRow, ...]
    flags: tuple[FlagRecord, ...]

    @property
    def work_ids(self) -> set[str]:
        return {w for i in self.influences for w in i.work_ids}


async def trace(db: Database, output_id: str, *, vendor_id: str | None = None) -> TraceRecord | None:
    """Everything behind one output in one read transaction of four queries; None if there is no such output.

    `vendor_id` confines the influences to that vendor's reports (what a VENDOR key may see).
    """

    async def work(tx: Tx) -> TraceRecord | None:
        head = await tx.single(TRACE_HEAD, {"id": output_id})
        if head is None:
            return None
        runs = tuple(RunRecord.from_row(r) for r in head["runs"])
        rows = await tx.run(TRACE_INFLUENCES, {"id": output_id, "vendor_id": vendor_id})
        work_ids = sorted({w for r in rows for w in r["work_ids"]})
        facts = await work_facts(tx, work_ids)
        starts = [r.started_at for r in runs]
        influences = tuple(_influence(r, facts, starts) for r in rows)
        flag_rows = await tx.run(TRACE_FLAGS, _flag_params(output_id, runs, work_ids, rows))
        return TraceRecord(
            output=OutputRecord.from_row(head["output"]),
            lineage=tuple(ModelRecord.from_row(m) for m in head["lineage"]),
            runs=runs,
            influences=influences,
            flags=tuple(FlagRecord.from_row(f["flag"]) for f in flag_rows),
        )

    return await db.read(work)


def _influence(row: dict[str, Any], facts: dict[str, WorkFacts], starts: list[Any]) -> InfluenceRow:
    work_ids = tuple(row["work_ids"])
    return InfluenceRow(
        report_id=row["report_id"],
        vendor_id=row["vendor_id"],
        method=row.get("method"),
        score=str(row["score"]),
        confidence=row.get("confidence"),
        right_type=row.get("right_type"),
        target_id=row["target_id"],
        recording=bool(row["recording"]),
        work_ids=work_ids,
        at_training=licensable_at_training(work_ids, facts, starts),
    )


def _flag_params(
    output_id: str, runs: tuple[RunRecord, ...], work_ids: list[str], rows: list[dict[str, Any]]
) -> dict[str, Any]:
    run_flag_ids = [flag_id(r.id, code, None) for r in runs for code in sorted(RUN_LEVEL_CODES)]
    return {
        "output_id": output_id,
        "run_flag_ids": run_flag_ids,
        "run_ids": [r.id for r in runs],
        "work_ids": work_ids,
        "report_ids": sorted({r["report_id"] for r in rows}),
    }


# --- batch reads for dataloaders ----------------------------------------------------------------


async def models_by_id(db: Database, ids: list[str]) -> dict[str, ModelRecord]:
    rows = await db.run_read(MODELS_BY_ID, {"ids": ids})
    return {r["model"]["id"]: ModelRecord.from_row(r["model"]) for r in rows}


async def lineage_of(db: Database, ids: list[str]) -> dict[str, list[ModelRecord]]:
    rows = await db.run_read(LINEAGE, {"ids": ids})
    return {r["id"]: [ModelRecord.from_row(m) for m in r["models"]] for r in rows}


async def runs_by_id(db: Database, ids: list[str]) -> dict[str, RunRecord]:
    rows = await db.run_read(RUNS_BY_ID, {"ids": ids})
    return {r["run"]["id"]: RunRecord.from_row(r["run"]) for r in rows}


async def lineage_runs(db: Database, model_ids: list[str]) -> dict[str, list[RunRecord]]:
    rows = await db.run_read(LINEAGE_RUNS, {"ids": model_ids})
    return {r["id"]: [RunRecord.from_row(run) for run in r["runs"]] for r in rows}


async def outputs_by_id(db: Database, ids: list[str]) -> dict[str, OutputRecord]:
    rows = await db.run_read(OUTPUTS_BY_ID, {"ids": ids})
    return {r["output"]["id"]: OutputRecord.from_row(r["output"]) for r in rows}


async def output_by_hash(db: Database, content_hash: str) -> OutputRecord | None:
    rows = await db.run_read(OUTPUT_BY_HASH, {"hash": content_hash})
    return OutputRecord.from_row(rows[0]["output"]) if rows else None


async def outputs_of_models(db: Database, ids: list[str]) -> dict[str, list[OutputRecord]]:
    rows = await db.run_read(OUTPUTS_OF_MODELS, {"ids": ids, "limit": NESTED_LIMIT})
    return {r["id"]: [OutputRecord.from_row(o) for o in r["outputs"]] for r in rows}


async def models_of_licensee(
    db: Database, licensee_id: str | None, offset: int, limit: int
) -> tuple[int, list[ModelRecord]]:
    params = {"licensee_id": licensee_id, "offset": offset, "limit": limit}
    rows = await db.run_read(MODELS_OF_LICENSEE, params)
    return rows[0]["total"], [ModelRecord.from_row(m) for m in rows[0]["page"]]


async def flags_on(
    db: Database, kind: SubjectKind, ids: list[str]
) -> dict[str, tuple[int, list[FlagRecord]]]:
    """Per subject: how many flags, and the first NESTED_LIMIT of them (by code, then work)."""
    rows = await db.run_read(FLAGS_ON, {"ids": ids, "kind": kind.value, "limit": NESTED_LIMIT})
    return {r["id"]: (r["total"], [FlagRecord.from_row(f) for f in r["flags"]]) for r in rows}


async def list_flags(
    db: Database,
    *,
    kind: SubjectKind | None,
    code: FlagCode | None,
    subject_id: str | None,
    offset: int,
    limit: int,
) -> tuple[int, list[FlagRecord]]:
    params: dict[str, Any] = {
        "kind": kind.value if kind else None,
        "code": code.value if code else None,
        "subject_id": subject_id,
    }

    async def work(tx: Tx) -> tuple[int, list[FlagRecord]]:
        total = await tx.single(COUNT_FLAGS, params)
        rows = await tx.run(PAGE_FLAGS, params | {"offset": offset, "limit": limit})
        return (total or {}).get("total", 0), [FlagRecord.from_row(r["flag"]) for r in rows]

    return await db.read(work)


async def creator_trained(db: Database, creator_id: str, run_ids: list[str]) -> bool:
    if not run_ids:
        return False
    rows = await db.run_read(CREATOR_TRAINED, {"creator_id": creator_id, "run_ids": run_ids})
    return bool(rows and rows[0]["trained"])


async def vendor_reported(db: Database, vendor_id: str, output_id: str) -> bool:
    rows = await db.run_read(VENDOR_REPORTED, {"vendor_id": vendor_id, "output_id": output_id})
    return bool(rows[0]["reported"])


# --- works and creators: models trained on them, outputs they influenced --------------------------

_BY_WORK: LiteralString = "MATCH (w:Work {id: $work_id})\n"
_BY_CREATOR: LiteralString = "MATCH (:Creator {id: $creator_id})-[:HOLDS_SHARE]->(w:Work) WITH DISTINCT w\n"
# A model trained on a work: a run of its lineage USED the work, directly or through a recording of it.
_TRAINED_TAIL: LiteralString = """
CALL (w) {
  MATCH (r:TrainingRun)-[u:USED]->(w) WHERE r.status = 'COMPLETE' RETURN r
  UNION
  MATCH (r:TrainingRun)-[u:USED]->(:Recording)-[:EMBODIES]->(w) WHERE r.status = 'COMPLETE' RETURN r
}
MATCH (r)-[:PRODUCED]->(base:Model)<-[:FINE_TUNED_FROM*0..]-(m:Model)
WHERE $licensee_id IS NULL OR m.licensee_id = $licensee_id
WITH m, collect(DISTINCT r.id) AS runs, collect(DISTINCT w.id) AS works,
     max(CASE WHEN m = base THEN 1 ELSE 0 END) = 1 AS direct
WITH m, runs, works, direct ORDER BY m.name, m.version, m.id
WITH collect({model: m {.*}, runs: runs, works: works, direct: direct}) AS rows
RETURN size(rows) AS total, rows[$offset..$offset + $limit] AS page
"""
TRAINED_ON_WORK = _BY_WORK + _TRAINED_TAIL
TRAINED_ON_CREATOR = _BY_CREATOR + _TRAINED_TAIL
_INFLUENCED_TAIL: LiteralString = """
CALL (w) {
  MATCH (a:AttributionReport)-[i:INFLUENCE]->(w) WHERE a.current RETURN a, i, null AS via
  UNION
  MATCH (a:AttributionReport)-[i:INFLUENCE]->(rec:Recording)-[:EMBODIES]->(w) WHERE a.current
  RETURN a, i, rec.id AS via
}
MATCH (a)-[:ABOUT]->(o:Output)<-[:GENERATED]-(m:Model)
WHERE ($licensee_id IS NULL OR m.licensee_id = $licensee_id)
  AND ($vendor_id IS NULL OR a.vendor_id = $vendor_id)
WITH o, m, a, i, w, via ORDER BY o.created_at DESC, o.id, w.id, a.vendor_id, via
WITH collect({output: o {.*, model_id: m.id, licensee_id: m.licensee_id}, work_id: w.id, recording_id: via,
              score: i.score, confidence: i.confidence, report_id: a.id, vendor_id: a.vendor_id}) AS rows
RETURN size(rows) AS total, rows[$offset..$offset + $limit] AS page
"""
INFLUENCED_BY_WORK = _BY_WORK + _INFLUENCED_TAIL
INFLUENCED_BY_CREATOR = _BY_CREATOR + _INFLUENCED_TAIL


@dataclass(frozen=True, slots=True)
class TrainedModelRow:
    model: ModelRecord
    run_ids: tuple[str, ...]
    work_ids: tuple[str, ...]
    direct: bool  # False when the model only inherits the training through a base it was fine-tuned from


@dataclass(frozen=True, slots=True)
class InfluencedRow:
    output: OutputRecord
    work_id: str
    recording_id: str | None
    score: str
    confidence: str | None
    report_id: str
    vendor_id: str


@dataclass(frozen=True, slots=True)
class ProvenanceFilter:
    """Who is asking, as filters: a licensee sees its own models and outputs, a vendor its own reports."""

    licensee_id: str | None = None
    vendor_id: str | None = None


async def trained_models(
    db: Database,
    *,
    work_id: str | None,
    creator_id: str | None,
    where: ProvenanceFilter,
    offset: int,
    limit: int,
) -> tuple[int, list[TrainedModelRow]]:
    query = TRAINED_ON_WORK if work_id is not None else TRAINED_ON_CREATOR
    params = {"work_id": work_id, "creator_id": creator_id, "licensee_id": where.licensee_id}
    rows = await db.run_read(query, params | {"offset": offset, "limit": limit})
    page = [
        TrainedModelRow(
            ModelRecord.from_row(r["model"]), tuple(r["runs"]), tuple(sorted(r["works"])), r["direct"]
        )
        for r in rows[0]["page"]
    ]
    return rows[0]["total"], page


async def influenced_outputs(
    db: Database,
    *,
    work_id: str | None,
    creator_id: str | None,
    where: ProvenanceFilter,
    offset: int,
    limit: int,
) -> tuple[int, list[InfluencedRow]]:
    query = INFLUENCED_BY_WORK if work_id is not None else INFLUENCED_BY_CREATOR
    params = {"work_id": work_id, "creator_id": creator_id}
    params |= {"licensee_id": where.licensee_id, "vendor_id": where.vendor_id}
    rows = await db.run_read(query, params | {"offset": offset, "limit": limit})
    page = [
        InfluencedRow(
            output=OutputRecord.from_row(r["output"]),
            work_id=r["work_id"],
            recording_id=r["recording_id"],
            score=str(r["score"]),
            confidence=r.get("confidence"),
            report_id=r["report_id"],
            vendor_id=r["vendor_id"],
        )
        for r in rows[0]["page"]
    ]
    return rows[0]["total"], page


# --- a model's training summary (EU AI Act Article 53 style) ----------------------------------------

# Per distinct item of the lineage: licensed when every run that used it had a good grant and judged the
# item licensable (`USED.licensable`, the verdict of registry.rights at the run's start).
SUMMARY = """
MATCH (m:Model {id: $id})
OPTIONAL MATCH (m)-[:FINE_TUNED_FROM*0..]->(:Model)<-[:PRODUCED]-(r:TrainingRun)
WHERE r.status = 'COMPLETE'
WITH m, collect(DISTINCT r) AS runs
CALL (runs) {
  UNWIND runs AS r
  MATCH (r)-[u:USED]->(t)
  WITH t, min(CASE WHEN r.grant_ok AND coalesce(u.licensable, true) THEN 1 ELSE 0 END) = 1 AS licensed
  RETURN count(CASE WHEN t:Work THEN 1 END) AS works,
         count(CASE WHEN t:Work AND licensed THEN 1 END) AS works_licensed,
         count(CASE WHEN t:Recording THEN 1 END) AS recordings,
         count(CASE WHEN t:Recording AND licensed THEN 1 END) AS recordings_licensed
}
RETURN [r IN runs | r {.*}] AS runs, works, works_licensed, recordings, recordings_licensed,
       reduce(n = 0, r IN runs | n + coalesce(r.unmatched_count, 0)) AS unidentified,
       COLLECT {
         UNWIND runs AS r
         MATCH (f:ComplianceFlag {subject_kind: 'TRAINING_RUN', subject_id: r.id})
         WITH f.code AS code, count(*) AS n ORDER BY code
         RETURN {code: code, count: n}
       } AS flag_counts
"""


@dataclass(frozen=True, slots=True)
class TrainingSummary:
    model_id: str
    runs: tuple[RunRecord, ...]
    works: int
    works_licensed: int
    recordings: int
    recordings_licensed: int
    unidentified: int
    flag_counts: dict[str, int]

    @property
    def status(self) -> ComplianceStatus:
        if not self.runs:
            return ComplianceStatus.UNDECLARED
        if all(r.compliant for r in self.runs):
            return ComplianceStatus.COMPLIANT
        return ComplianceStatus.NON_COMPLIANT


async def training_summary(db: Database, model_id: str) -> TrainingSummary | None:
    rows = await db.run_read(SUMMARY, {"id": model_id})
    if not rows:
        return None
    row = rows[0]
    counts: dict[str, int] = defaultdict(int)
    for c in row["flag_counts"]:
        counts[c["code"]] += c["count"]
    return TrainingSummary(
        model_id=model_id,
        runs=tuple(sorted((RunRecord.from_row(r) for r in row["runs"]), key=lambda r: (r.started_at, r.id))),
        works=row["works"],
        works_licensed=row["works_licensed"],
        recordings=row["recordings"],
        recordings_licensed=row["recordings_licensed"],
        unidentified=row["unidentified"],
        flag_counts=dict(counts),
    )
