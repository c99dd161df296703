"""Reading attribution reports: pages, batches of influences for dataloaders, and the report that counts."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from neo4j.time import DateTime

from graph.database import Database
from graph.stores._pages import Keyed, KeyWindow, keyed_page, keyset_query
from graph.stores._records import native, record_from_row, required_native
from graph.stores.catalogue.records import RecordingRecord
from registry.attribution import InfluenceReference, RightType, Segment
from registry.attribution_counting import CountingRule, ReportHead, counting_report

# The report with where it points: its output, the output's licensee, the report that replaced it.
REPORT = """r {.id, .digest, .vendor_id, .vendor_report_id, .method, .method_version, .computed_at,
     .received_at, .via, .current, .influence_count, .unattributed_composition, .unattributed_master,
     output_id: o.id, licensee_id: l.id, superseded_by: newer.id}"""
REPORTS_BY_ID = (
    """
UNWIND $ids AS id
MATCH (r:AttributionReport {id: id})-[:ABOUT]->(o:Output)
OPTIONAL MATCH (l:Licensee)-[:OPERATES]->(:Model)-[:GENERATED]->(o)
OPTIONAL MATCH (r)-[:SUPERSEDED_BY]->(newer:AttributionReport)
RETURN """
    + REPORT
    + " AS report"
)
# Latest computation first, on the computed_at index (V0006); a vendor's computation time is kept as sent.
LIST_REPORTS = keyset_query(
    """
MATCH (r:AttributionReport)-[:ABOUT]->(o:Output)
WHERE ($output_id IS NULL OR o.id = $output_id)
  AND ($vendor_id IS NULL OR r.vendor_id = $vendor_id)
  AND ($include_superseded OR r.current)
OPTIONAL MATCH (l:Licensee)-[:OPERATES]->(:Model)-[:GENERATED]->(o)
WITH r, o, l WHERE $licensee_id IS NULL OR l.id = $licensee_id
OPTIONAL MATCH (r)-[:SUPERSEDED_BY]->(newer:AttributionReport)
""",
    order="r.computed_at DESC, r.id DESC",
    row=REPORT,
    kinds=(DateTime, str),
)
INFLUENCES = """
UNWIND $ids AS id
MATCH (:AttributionReport {id: id})-[i:INFLUENCE]->(t)
RETURN id, i {.*} AS edge, t.id AS target_id, CASE WHEN t:Work THEN 'Work' ELSE 'Recording' END AS label
ORDER BY id, i.position
"""
UNMATCHED = """
UNWIND $ids AS id
MATCH (:AttributionReport {id: id})-[:UNMATCHED]->(u:UnmatchedInfluence)
RETURN id, u {.*} AS node
ORDER BY id, u.position
"""
FLAGS = """
UNWIND $ids AS id
MATCH (f:ComplianceFlag)-[:ON]->(:AttributionReport {id: id})
RETURN id, f {.id, .code, .message, .work_id, .detected_at} AS flag
ORDER BY id, f.work_id
"""
# The current reports on the output, whether the licensee designated their vendor, and the attribution
# rule of the licence version under which the licensee holds its grant for this model version
# (a grant covers one model version; the latest one in force when the output was generated).
# After `MATCH (o:Output ...)`: `counting`, the counting rule of o's licence and the current reports it
# chooses among (choose_counting reads it). The trace embeds it too.
COUNTING_OF_O = """
OPTIONAL MATCH (l:Licensee)-[:OPERATES]->(m:Model)-[:GENERATED]->(o)
CALL (o, l, m) {
  OPTIONAL MATCH (l)-[:HOLDS]->(g:Grant)-[:OF]->(v:LicenceVersion)
  WHERE g.model_name = m.name AND g.model_version = m.version
    AND g.valid_from <= coalesce(o.generated_at, o.created_at, datetime())
  RETURN v ORDER BY g.valid_from DESC LIMIT 1
}
WITH o, {rule: v.attribution_rule, rule_vendor: v.attribution_vendor_id, reports: COLLECT {
  MATCH (r:AttributionReport {current: true})-[:ABOUT]->(o)
  OPTIONAL MATCH (l)-[e:ENGAGED]->(:Vendor {id: r.vendor_id})
  RETURN r {.id, .vendor_id, .computed_at, .received_at, .current,
            designated: coalesce(e.designated, false)}
}} AS counting
"""
COUNTING_CANDIDATES = "MATCH (o:Output {id: $output_id})" + COUNTING_OF_O + "RETURN counting"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportRecord:
    id: str
    digest: str
    vendor_id: str
    vendor_report_id: str
    output_id: str
    licensee_id: str | None
    method: str
    method_version: str
    computed_at: datetime
    received_at: datetime
    via: str
    current: bool
    superseded_by: str | None
    influence_count: int = 0
    unattributed_composition: Decimal = Decimal(0)
    unattributed_master: Decimal = Decimal(0)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ReportRecord:
        return record_from_row(cls, row)


@dataclass(frozen=True, slots=True)
class Claim:
    """What the vendor said about one influence (matched or not), as stored."""

    position: int
    right_type: RightType
    score: Decimal
    confidence: Decimal | None
    reference: InfluenceReference
    segments: tuple[Segment, ...]

    @classmethod
    def from_props(cls, props: dict[str, Any]) -> Claim:
        confidence = props.get("confidence")
        return cls(
            position=int(props["position"]),
            right_type=RightType(props["right_type"]),
            score=Decimal(props["score"]),
            confidence=Decimal(confidence) if confidence is not None else None,
            reference=InfluenceReference.model_validate_json(props["reference"]),
            segments=tuple(Segment.model_validate(s) for s in json.loads(props.get("segments") or "[]")),
        )


@dataclass(frozen=True, slots=True)
class InfluenceRecord:
    """A matched influence: the edge to a Work (COMPOSITION) or a Recording (MASTER)."""

    claim: Claim
    target_label: str
    target_id: str
    matched_by: str


@dataclass(frozen=True, slots=True)
class UnmatchedRecord:
    claim: Claim
    reason_code: str
    reason: str


@dataclass(frozen=True, slots=True)
class FlagRecord:
    id: str
    code: str
    message: str
    work_id: str
    detected_at: datetime


@dataclass(frozen=True, slots=True)
class CountedReport:
    """The report that counts for an output, with its resolved and unmatched influences."""

    report: ReportRecord
    rule: CountingRule
    influences: tuple[InfluenceRecord, ...]
    unmatched: tuple[UnmatchedRecord, ...]


async def reports_by_id(db: Database, ids: list[str]) -> dict[str, ReportRecord]:
    rows = await db.run_read(REPORTS_BY_ID, {"ids": ids})
    return {r["report"]["id"]: ReportRecord.from_row(r["report"]) for r in rows}


async def list_reports(
    db: Database,
    *,
    output_id: str | None,
    vendor_id: str | None,
    licensee_id: str | None,
    include_superseded: bool,
    window: KeyWindow,
) -> tuple[int | None, list[Keyed[ReportRecord]]]:
    """(total, page) newest computation first; filters combine (a licensee filter: its outputs only)."""
    params = {
        "output_id": output_id,
        "vendor_id": vendor_id,
        "licensee_id": licensee_id,
        "include_superseded": include_superseded,
    }
    query, page = window.bind(LIST_REPORTS)
    rows = await db.run_read(query, params | page)
    return keyed_page(rows, ReportRecord.from_row)


async def influences_by_report(db: Database, ids: list[str]) -> dict[str, list[InfluenceRecord]]:
    found: dict[str, list[InfluenceRecord]] = defaultdict(list)
    for row in await db.run_read(INFLUENCES, {"ids": ids}):
        edge = row["edge"]
        record = InfluenceRecord(Claim.from_props(edge), row["label"], row["target_id"], edge["matched_by"])
        found[row["id"]].append(record)
    return dict(found)


async def unmatched_by_report(db: Database, ids: list[str]) -> dict[str, list[UnmatchedRecord]]:
    found: dict[str, list[UnmatchedRecord]] = defaultdict(list)
    for row in await db.run_read(UNMATCHED, {"ids": ids}):
        node = row["node"]
        found[row["id"]].append(UnmatchedRecord(Claim.from_props(node), node["reason_code"], node["reason"]))
    return dict(found)


async def flags_by_report(db: Database, ids: list[str]) -> dict[str, list[FlagRecord]]:
    found: dict[str, list[FlagRecord]] = defaultdict(list)
    for row in await db.run_read(FLAGS, {"ids": ids}):
        f = row["flag"]
        found[row["id"]].append(
            FlagRecord(f["id"], f["code"], f["message"], f["work_id"], required_native(f["detected_at"]))
        )
    return dict(found)


def choose_counting(counting: dict[str, Any]) -> tuple[CountingRule, ReportHead | None]:
    """From COUNTING_OF_O's `counting`: the licence's rule and the report it chooses (None: none counts)."""
    rule = CountingRule.from_terms(counting["rule"], counting["rule_vendor"])
    return rule, counting_report([_head(r) for r in counting["reports"]], rule)


async def _counting_choice(db: Database, output_id: str) -> tuple[CountingRule, ReportHead | None]:
    rows = await db.run_read(COUNTING_CANDIDATES, {"output_id": output_id})
    return choose_counting(rows[0]["counting"]) if rows else (CountingRule(), None)


async def counting_report_for(db: Database, output_id: str) -> CountedReport | None:
    """The report that counts for `output_id` under its licence's rule, with its influences; None when no
    report counts (royalties apply the analogy fallback then)."""
    rule, chosen = await _counting_choice(db, output_id)
    if chosen is None:
        return None
    ids = [chosen.id]
    report = (await reports_by_id(db, ids))[chosen.id]
    influences = (await influences_by_report(db, ids)).get(chosen.id, [])
    unmatched = (await unmatched_by_report(db, ids)).get(chosen.id, [])
    return CountedReport(report, rule, tuple(influences), tuple(unmatched))


def _head(row: dict[str, Any]) -> ReportHead:
    return ReportHead(
        id=row["id"],
        vendor_id=row["vendor_id"],
        computed_at=required_native(row["computed_at"]),
        received_at=native(row["received_at"]) or required_native(row["computed_at"]),
        current=bool(row["current"]),
        designated=bool(row["designated"]),
    )


RECORDINGS_BY_ID = "UNWIND $ids AS id MATCH (r:Recording {id: id}) RETURN r {.*} AS node"


async def recordings_by_id(db: Database, ids: list[str]) -> dict[str, RecordingRecord]:
    """Influenced recordings in one query (the catalogue stores read recordings by ISRC or by work)."""
    rows = await db.run_read(RECORDINGS_BY_ID, {"ids": ids})
    return {r["node"]["id"]: RecordingRecord.from_node(r["node"]) for r in rows}


OUTPUT_LICENSEE = """
MATCH (o:Output {id: $id})
OPTIONAL MATCH (l:Licensee)-[:OPERATES]->(:Model)-[:GENERATED]->(o)
RETURN l.id AS licensee_id
"""


async def output_licensee(db: Database, output_id: str) -> tuple[bool, str | None]:
    """(the output exists, the licensee whose model generated it)."""
    rows = await db.run_read(OUTPUT_LICENSEE, {"id": output_id})
    return (True, rows[0]["licensee_id"]) if rows else (False, None)
