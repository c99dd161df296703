"""Provenance reads: batch reads for dataloaders, the trace of an output, provenance of works and creators,
a model's training summary, and compliance flags.

Only COMPLETE training runs are ever read: a run still uploading (or one that failed and is being
discarded) is invisible. A model's training lineage is every run that PRODUCED it or any model it was
FINE_TUNED_FROM, transitively. Influences are read from each vendor's current report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, LiteralString

from neo4j.time import DateTime

from graph.database import Database
from graph.stores._pages import Keyed, KeyWindow, keyed_page, keyset_query, page_query
from graph.stores._records import from_epoch_us
from graph.stores.attribution.reads import COUNTING_OF_O, choose_counting
from graph.stores.catalogue.records import CreatorRecord, ShareRecord, WorkRecord
from graph.stores.licensing.licences import GRANT, GrantRecord
from graph.stores.licensing.rights import WORK_FACTS_OF_W, facts_from_row
from graph.stores.provenance.records import (
    AudioDisputeRecord,
    FlagRecord,
    ModelRecord,
    OutputRecord,
    RunRecord,
)
from registry.provenance import (
    RUN_LEVEL_CODES,
    ComplianceStatus,
    FlagCode,
    SubjectKind,
    TrainingVerdict,
    flag_id,
    licensable_at_training,
)
from registry.rights import ConsentFacts, WorkFacts

NESTED_LIMIT = 100

MODELS_BY_ID = "UNWIND $ids AS id MATCH (m:Model {id: id}) RETURN m {.*} AS model"
MODELS_OF_LICENSEE = page_query(
    "MATCH (m:Model) WHERE $licensee_id IS NULL OR m.licensee_id = $licensee_id",
    order="m.name, m.version, m.id",
    row="m {.*}",
)
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
# One audio may be several licensees' outputs (an audio dispute): every one, in id order.
OUTPUTS_BY_HASH = (
    "MATCH (m:Model)-[:GENERATED]->(o:Output {content_hash: $hash}) RETURN " + _OUTPUT + " AS output "
    "ORDER BY o.id"
)
# Most recently disputed first, on the disputed_at index (V0011): an audio is disputed once and stays so.
AUDIO_DISPUTES = keyset_query(
    "MATCH (a:Audio) WHERE a.disputed_at IS NOT NULL",
    order="a.disputed_at DESC, a.content_hash DESC",
    row="{content_hash: a.content_hash, disputed_at: a.disputed_at, outputs: COLLECT { "
    "MATCH (m:Model)-[:GENERATED]->(o:Output {content_hash: a.content_hash}) "
    "RETURN " + _OUTPUT + " ORDER BY o.id }}",
    kinds=(DateTime, str),
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
# Newest first; a flag is detected once. A run's flags join the list when the run completes, at their
# detection time: a caller already past it sees them on its next pass.
PAGE_FLAGS = keyset_query(
    _FLAG_FILTER, order="f.detected_at DESC, f.id DESC", row="f {.*}", kinds=(DateTime, str)
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

# --- the trace: one query shaped like the answer -------------------------------------------------

# Head, lineage, runs and influences always; then only the parts the GraphQL query selects ($parts; a part
# left out unwinds an empty list and costs nothing): the influencing works with their shares (the
# resolvers prime their dataloaders with them, so nested work fields read nothing again), the works'
# rights facts (licensability at training), the flags, and the counting report's candidates. The flags a
# trace shows: on the output, on the runs themselves (found by their deterministic ids: the run's id and
# each of $run_flag_suffixes), on the runs about the influencing works, and on the reports. Each part is
# an index lookup, never a scan. Times of works, creators and flags come as epoch microseconds
# (_EPOCH_US_KEYS), as the rights facts do: a trace holds hundreds of them, and the driver's DateTime
# hydration is Python: the query with 63 flags' times hydrated took 41.0 ms p50, with them as integers 36.3.
TRACE = (
    """
MATCH (m:Model)-[:GENERATED]->(o:Output {id: $id})
WITH m, o,
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
  } AS runs,
  COLLECT {
    MATCH (a:AttributionReport)-[:ABOUT]->(o)
    WHERE a.current AND ($vendor_id IS NULL OR a.vendor_id = $vendor_id)
    MATCH (a)-[i:INFLUENCE]->(t)
    WITH a, i, t ORDER BY a.vendor_id, a.id, i.position, t.id
    RETURN {report_id: a.id, vendor_id: a.vendor_id, method: a.method, score: i.score,
            confidence: i.confidence, right_type: i.right_type, target_id: t.id, recording: t:Recording,
            work_ids: CASE WHEN t:Recording
                           THEN COLLECT { MATCH (t)-[:EMBODIES]->(w:Work) RETURN w.id ORDER BY w.id }
                           ELSE [t.id] END}
  } AS influences
WITH m, o, lineage, runs, influences,
  COLLECT { UNWIND influences AS i UNWIND i.work_ids AS wid RETURN DISTINCT wid } AS work_ids
OPTIONAL CALL (o) {
  UNWIND CASE WHEN 'counting' IN $parts THEN [true] ELSE [] END AS wanted"""
    + COUNTING_OF_O
    + """RETURN counting
}
RETURN o {.*, model_id: m.id, licensee_id: m.licensee_id} AS output, lineage, runs, influences, counting,
  COLLECT {
    UNWIND CASE WHEN 'grants' IN $parts THEN runs ELSE [] END AS r
    MATCH (l:Licensee)-[:HOLDS]->(g:Grant {id: r.grant_id})-[:OF]->(v:LicenceVersion)
    RETURN DISTINCT """
    + GRANT
    + """
  } AS grants,
  COLLECT {
    UNWIND CASE WHEN 'works' IN $parts THEN work_ids ELSE [] END AS wid
    MATCH (w:Work {id: wid})
    RETURN {node: w {.*,
                     created_at: w.created_at.epochSeconds * 1000000 + w.created_at.microsecond,
                     updated_at: w.updated_at.epochSeconds * 1000000 + w.updated_at.microsecond,
                     dispute_resolved_at: w.dispute_resolved_at.epochSeconds * 1000000
                                          + w.dispute_resolved_at.microsecond},
            shares: COLLECT {
      MATCH (c:Creator)-[s:HOLDS_SHARE]->(w)
      WITH c, s ORDER BY s.role, c.name, c.id
      RETURN {creator: c {.*, created_at: c.created_at.epochSeconds * 1000000 + c.created_at.microsecond,
                              updated_at: c.updated_at.epochSeconds * 1000000 + c.updated_at.microsecond},
              share: s {.role, .performing_bp, .mechanical_bp, .synchronisation_bp, .claim}}
    }}
  } AS works,
  COLLECT {
    UNWIND CASE WHEN 'facts' IN $parts THEN work_ids ELSE [] END AS wid
    MATCH (w:Work {id: wid})"""
    + WORK_FACTS_OF_W
    + """RETURN facts
  } AS facts,
  COLLECT {
    UNWIND CASE WHEN 'flags' IN $parts THEN [true] ELSE [] END AS wanted
    CALL (o, runs, work_ids, influences) {
      MATCH (f:ComplianceFlag {subject_kind: 'OUTPUT', subject_id: o.id}) RETURN f
      UNION
      UNWIND runs AS r UNWIND $run_flag_suffixes AS suffix
      MATCH (f:ComplianceFlag {id: r.id + suffix}) RETURN f
      UNION
      UNWIND work_ids AS wid MATCH (f:ComplianceFlag {work_id: wid})
      WHERE f.subject_kind = 'TRAINING_RUN' AND f.subject_id IN [r IN runs | r.id] RETURN f
      UNION
      UNWIND influences AS i WITH DISTINCT i.report_id AS rid
      MATCH (f:ComplianceFlag {subject_kind: 'ATTRIBUTION', subject_id: rid}) RETURN f
    }
    WITH f ORDER BY f.subject_kind, f.subject_id, f.code, f.work_id
    RETURN f {.*, detected_at: f.detected_at.epochSeconds * 1000000 + f.detected_at.microsecond}
  } AS flags
"""
)
# What flag_id gives a run-level flag after the run's id (flag_id(run, code, None) == run + suffix).
RUN_FLAG_SUFFIXES = [flag_id("", code, None) for code in sorted(RUN_LEVEL_CODES)]


class TracePart(StrEnum):
    """The optional parts of a trace, read only when the query selects them."""

    WORKS = "works"  # the influencing works and their shares
    FACTS = "facts"  # their rights facts: licensability at training and its reasons
    FLAGS = "flags"
    COUNTING = "counting"  # the report that counts for royalties
    GRANTS = "grants"  # the grants the runs ran under


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
    at_training: TrainingVerdict  # licensable None (not judged) when the facts were not read


@dataclass(frozen=True, slots=True)
class TraceRecord:
    output: OutputRecord
    lineage: tuple[ModelRecord, ...]  # the output's model first, then its bases, nearest first
    runs: tuple[RunRecord, ...]
    influences: tuple[InfluenceRow, ...]
    flags: tuple[FlagRecord, ...]
    works: dict[str, WorkRecord]  # the influencing works (read with TracePart.WORKS)
    shares: dict[str, list[ShareRecord]]  # and their shares, as the catalogue's shares_for_works orders them
    counting_report_id: str | None = None  # read with TracePart.COUNTING
    grants: dict[str, GrantRecord] = field(default_factory=dict)  # by id, read with TracePart.GRANTS

    @property
    def work_ids(self) -> set[str]:
        return {w for i in self.influences for w in i.work_ids}


async def trace(
    db: Database,
    output_id: str,
    *,
    vendor_id: str | None = None,
    parts: frozenset[TracePart] = frozenset(TracePart),
) -> TraceRecord | None:
    """Everything behind one output in one query; None if there is no such output.

    `vendor_id` confines the influences to that vendor's reports (what a VENDOR key may see); `parts`
    names the optional parts to read.
    """
    params = {"id": output_id, "vendor_id": vendor_id, "parts": sorted(parts)}
    rows = await db.run_read_plain(TRACE, params | {"run_flag_suffixes": RUN_FLAG_SUFFIXES})
    if not rows:
        return None
    row = rows[0]
    runs = tuple(RunRecord.from_row(r) for r in row["runs"])
    known: dict[str, ConsentFacts] = {}  # a catalogue consent is in each of its holder's works: built once
    facts = {f["id"]: facts_from_row(f, known) for f in row["facts"]}
    starts = [r.started_at for r in runs]
    judge = TracePart.FACTS in parts
    works = {w["node"]["id"]: WorkRecord.from_node(_timed(w["node"])) for w in row["works"]}
    return TraceRecord(
        output=OutputRecord.from_row(row["output"]),
        lineage=tuple(ModelRecord.from_row(m) for m in row["lineage"]),
        runs=runs,
        influences=tuple(_influence(i, facts, starts, judge) for i in row["influences"]),
        flags=tuple(FlagRecord.from_row(_timed(f)) for f in row["flags"]),
        works=works,
        shares=_shares_by_work(row["works"], works),
        counting_report_id=_counted(row["counting"]),
        grants={g["id"]: GrantRecord.from_row(g) for g in row["grants"]},
    )


def _counted(counting: dict[str, Any] | None) -> str | None:
    chosen = choose_counting(counting)[1] if counting is not None else None
    return chosen.id if chosen else None


def _shares_by_work(rows: list[dict[str, Any]], works: dict[str, WorkRecord]) -> dict[str, list[ShareRecord]]:
    """Each work's shares; a creator holding in several of the works is built once."""
    creators: dict[str, CreatorRecord] = {}

    def creator(node: dict[str, Any]) -> CreatorRecord:
        built = creators.get(node["id"])
        if built is None:
            built = creators[node["id"]] = CreatorRecord.from_node(_timed(node))
        return built

    return {
        w["node"]["id"]: [
            ShareRecord.of(creator(s["creator"]), works[w["node"]["id"]], s["share"]) for s in w["shares"]
        ]
        for w in rows
    }


_EPOCH_US_KEYS = ("created_at", "updated_at", "dispute_resolved_at", "detected_at")


def _timed(node: dict[str, Any]) -> dict[str, Any]:
    """A node map whose times TRACE returned as epoch microseconds, with datetimes in their place."""
    return node | {k: from_epoch_us(node[k]) for k in _EPOCH_US_KEYS if node.get(k) is not None}


def _influence(
    row: dict[str, Any], facts: dict[str, WorkFacts], starts: list[Any], judge: bool
) -> InfluenceRow:
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
        at_training=licensable_at_training(work_ids, facts, starts) if judge else TrainingVerdict(None),
    )


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


async def outputs_by_hash(db: Database, content_hash: str) -> list[OutputRecord]:
    rows = await db.run_read(OUTPUTS_BY_HASH, {"hash": content_hash})
    return [OutputRecord.from_row(r["output"]) for r in rows]


async def audio_disputes(
    db: Database, window: KeyWindow
) -> tuple[int | None, list[Keyed[AudioDisputeRecord]]]:
    """Audio that more than one licensee declared, the most recently disputed first."""
    query, page = window.bind(AUDIO_DISPUTES)
    rows = await db.run_read(query, page)
    return keyed_page(rows, AudioDisputeRecord.from_row)


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
    window: KeyWindow,
) -> tuple[int | None, list[Keyed[FlagRecord]]]:
    params: dict[str, Any] = {
        "kind": kind.value if kind else None,
        "code": code.value if code else None,
        "subject_id": subject_id,
    }
    query, page = window.bind(PAGE_FLAGS)
    rows = await db.run_read(query, params | page)
    return keyed_page(rows, FlagRecord.from_row)


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
# Not a `page_query`: its rows are per-model aggregates, and counting them aggregates every row anyway.
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
"""
# Newest output first; an output's rows (per work, vendor and recording) keep their order. A report that
# becomes superseded leaves the list, one that supersedes it enters at its output's place.
_INFLUENCED_ORDER: LiteralString = "o.created_at DESC, o.id, w.id, a.vendor_id, coalesce(via, '')"
_INFLUENCED_ROW: LiteralString = """{output: o {.*, model_id: m.id, licensee_id: m.licensee_id},
  work_id: w.id, recording_id: via, score: i.score, confidence: i.confidence, report_id: a.id,
  vendor_id: a.vendor_id}"""
INFLUENCED_BY_WORK = keyset_query(
    _BY_WORK + _INFLUENCED_TAIL, _INFLUENCED_ORDER, _INFLUENCED_ROW, kinds=(DateTime, str, str, str, str)
)
INFLUENCED_BY_CREATOR = keyset_query(
    _BY_CREATOR + _INFLUENCED_TAIL, _INFLUENCED_ORDER, _INFLUENCED_ROW, kinds=(DateTime, str, str, str, str)
)


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
    window: KeyWindow,
) -> tuple[int | None, list[Keyed[InfluencedRow]]]:
    params = {"work_id": work_id, "creator_id": creator_id}
    params |= {"licensee_id": where.licensee_id, "vendor_id": where.vendor_id}
    query, page = window.bind(INFLUENCED_BY_WORK if work_id is not None else INFLUENCED_BY_CREATOR)
    rows = await db.run_read(query, params | page)
    return keyed_page(rows, _influenced_row)


def _influenced_row(r: dict[str, Any]) -> InfluencedRow:
    return InfluencedRow(
        output=OutputRecord.from_row(r["output"]),
        work_id=r["work_id"],
        recording_id=r["recording_id"],
        score=str(r["score"]),
        confidence=r.get("confidence"),
        report_id=r["report_id"],
        vendor_id=r["vendor_id"],
    )


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
