"""Resolving a report's references to works and recordings, and writing its influence edges, in batches.

One query gathers every candidate of every reference (registry.attribution_matching decides), one
writes the INFLUENCE edges and the UnmatchedInfluence nodes: a report of 10,000 influences costs the
same two round trips as a report of one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from graph.database import Tx
from registry.attribution import AttributionReport, Influence, RightType, decimal_text
from registry.attribution_matching import Candidates, Match, Unmatched, resolve

# Per reference: works by ISWC; the ISRC's recording (for a MASTER) or the works it embodies (for a
# COMPOSITION); targets this vendor's earlier reports matched the same vendor id to; and works (or
# recordings) with exactly that title and a holder (or artist) of one of the names. A title candidate
# whose own ISWC contradicts the reference's is a different work and is not offered. A lookup a reference
# cannot use (no vendor work id; no names for a title match) unwinds nothing, so it scans nothing: the
# planner would otherwise expand every earlier influence of the vendor, or every work, per reference.
CANDIDATES = """
UNWIND $refs AS ref
CALL (ref) {
  OPTIONAL MATCH (w:Work {iswc: ref.iswc}) WHERE ref.right_type = 'COMPOSITION'
  RETURN collect(DISTINCT w.id) AS by_iswc
}
CALL (ref) {
  OPTIONAL MATCH (rec:Recording {isrc: ref.isrc})
  OPTIONAL MATCH (rec)-[:EMBODIES]->(w:Work)
  RETURN rec.id AS recording, collect(DISTINCT w.id) AS embodied
}
CALL (ref) {
  UNWIND CASE WHEN ref.vendor_work_id IS NULL THEN [] ELSE [ref.vendor_work_id] END AS vendor_work_id
  MATCH (:Vendor {id: $vendor_id})-[:SUBMITTED]->(:AttributionReport)-[i:INFLUENCE]->(t)
  WHERE i.vendor_work_id = vendor_work_id AND i.right_type = ref.right_type
  RETURN collect(DISTINCT t.id) AS by_vendor
}
CALL (ref) {
  UNWIND CASE WHEN ref.right_type = 'COMPOSITION' AND size(ref.names) > 0 THEN [ref.title] ELSE [] END
    AS title
  MATCH (w:Work)
  WHERE w.title_search CONTAINS title AND title IN split(w.title_search, '\n')
    AND (ref.iswc IS NULL OR w.iswc IS NULL OR w.iswc = ref.iswc)
    AND EXISTS {
      MATCH (c:Creator)-[:HOLDS_SHARE]->(w)
      WHERE toLower(c.name) IN ref.names OR toLower(coalesce(c.first_name + ' ', '') + c.name) IN ref.names
    }
  RETURN collect(DISTINCT w.id) AS works_by_title
}
CALL (ref) {
  UNWIND CASE WHEN ref.right_type = 'MASTER' AND size(ref.names) > 0 THEN [ref.title] ELSE [] END AS title
  MATCH (rec:Recording)
  WHERE toLower(rec.title) = title
    AND toLower(rec.artist) IN ref.names AND (ref.isrc IS NULL OR rec.isrc = ref.isrc)
  RETURN collect(DISTINCT rec.id) AS recordings_by_title
}
RETURN collect({index: ref.index, by_iswc: by_iswc, recording: recording, embodied: embodied,
                by_vendor: by_vendor, works_by_title: works_by_title,
                recordings_by_title: recordings_by_title}) AS rows
"""
WRITE_INFLUENCES = """
MATCH (r:AttributionReport {id: $report_id})
CALL (r) {
  UNWIND $works AS m
  MATCH (w:Work {id: m.target})
  CREATE (r)-[i:INFLUENCE]->(w)
  SET i = m.props
}
CALL (r) {
  UNWIND $recordings AS m
  MATCH (x:Recording {id: m.target})
  CREATE (r)-[i:INFLUENCE]->(x)
  SET i = m.props
}
CALL (r) {
  UNWIND $unmatched AS u
  CREATE (r)-[:UNMATCHED]->(n:UnmatchedInfluence)
  SET n = u
}
"""


def _ref_param(index: int, influence: Influence) -> dict[str, Any]:
    ref = influence.reference
    return {
        "index": index,
        "right_type": influence.right_type.value,
        "iswc": ref.iswc,
        "isrc": ref.isrc,
        "vendor_work_id": ref.vendor_work_id,
        "title": ref.title.lower() if ref.title else None,
        "names": [name.lower() for name in ref.creators],
    }


def _candidates(influence: Influence, row: dict[str, Any]) -> Candidates:
    composition = influence.right_type is RightType.COMPOSITION
    recording: str | None = row["recording"]
    by_isrc = tuple(row["embodied"]) if composition else ((recording,) if recording else ())
    if composition and len(by_isrc) > 1:
        by_isrc = ()  # a recording of several works does not say which one the vendor meant
    return Candidates(
        iswc=tuple(row["by_iswc"]),
        isrc=by_isrc,
        isrc_recording_found=recording is not None,
        vendor_id=tuple(row["by_vendor"]),
        title_creators=tuple(row["works_by_title"] if composition else row["recordings_by_title"]),
    )


async def resolve_references(tx: Tx, report: AttributionReport) -> list[Match | Unmatched]:
    """One decision per influence, in the report's order."""
    if not report.influences:
        return []
    refs = [_ref_param(i, influence) for i, influence in enumerate(report.influences)]
    rows = await tx.rows(CANDIDATES, {"refs": refs, "vendor_id": report.vendor_id})
    by_index = {row["index"]: row for row in rows}
    return [
        resolve(influence.reference, influence.right_type, _candidates(influence, by_index[i]))
        for i, influence in enumerate(report.influences)
    ]


def _common(position: int, influence: Influence) -> dict[str, Any]:
    """What both a matched edge and an unmatched node keep: the vendor's claim, exactly as validated."""
    return {
        "position": position,
        "right_type": influence.right_type.value,
        "score": decimal_text(influence.score),
        "confidence": decimal_text(influence.confidence) if influence.confidence is not None else None,
        "reference": json.dumps(influence.reference.model_dump(mode="json"), sort_keys=True),
        "segments": json.dumps([s.model_dump(mode="json") for s in influence.segments]),
        "vendor_work_id": influence.reference.vendor_work_id,
    }


async def write_influences(
    tx: Tx, report_id: str, report: AttributionReport, decisions: Sequence[Match | Unmatched]
) -> None:
    works: list[dict[str, Any]] = []
    recordings: list[dict[str, Any]] = []
    unmatched: list[dict[str, Any]] = []
    for position, (influence, decision) in enumerate(zip(report.influences, decisions, strict=True)):
        common = _common(position, influence)
        if isinstance(decision, Match):
            entry = {
                "target": decision.target_id,
                "props": common | {"matched_by": decision.matched_by.value},
            }
            (works if influence.right_type is RightType.COMPOSITION else recordings).append(entry)
        else:
            unmatched.append(common | {"reason_code": decision.reason.value, "reason": decision.message})
    params = {"report_id": report_id, "works": works, "recordings": recordings, "unmatched": unmatched}
    await tx.run(WRITE_INFLUENCES, params)


def matched_targets(
    report: AttributionReport, decisions: Sequence[Match | Unmatched]
) -> tuple[list[str], list[str]]:
    """(work ids, recording ids) the report's influences were matched to."""
    works: list[str] = []
    recordings: list[str] = []
    for influence, decision in zip(report.influences, decisions, strict=True):
        if isinstance(decision, Match):
            target = works if influence.right_type is RightType.COMPOSITION else recordings
            target.append(decision.target_id)
    return works, recordings
