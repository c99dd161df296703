"""Compliance flags on attribution reports: an influence on a work not licensable is kept and flagged.

`(:ComplianceFlag {subject_kind: 'ATTRIBUTION', subject_id: <report id>, work_id, code})-[:ON]->
(:AttributionReport)` and `-[:CONCERNS]->(:Work)`. The rule is registry.rights (through
registry.attribution_flags), judged for OUTPUT_USE when the output was generated; a MASTER influence is
judged on the works its recording embodies, since consent is given per work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from graph.database import Tx
from graph.stores.licensing.rights import unlicensable_facts
from registry.attribution_flags import FLAG_SCOPE, influence_flag
from registry.rights import check

EMBODIED = """
UNWIND $ids AS id
MATCH (:Recording {id: id})-[:EMBODIES]->(w:Work)
RETURN collect(DISTINCT w.id) AS works
"""
# MERGE on a deterministic id: the same report can only ever raise the same flag once.
WRITE_FLAGS = """
MATCH (r:AttributionReport {id: $report_id})
UNWIND $flags AS f
MATCH (w:Work {id: f.work_id})
MERGE (flag:ComplianceFlag {id: f.id})
ON CREATE SET flag += f, flag.subject_kind = 'ATTRIBUTION', flag.subject_id = r.id,
              flag.detected_at = datetime()
MERGE (flag)-[:ON]->(r)
MERGE (flag)-[:CONCERNS]->(w)
"""


def flag_id(report_id: str, work_id: str) -> str:
    return f"flag:{report_id}:{work_id}"


async def flag_influences(
    tx: Tx, report_id: str, work_ids: list[str], recording_ids: list[str], at: datetime
) -> list[str]:
    """Flag every influenced work not licensable for output use at `at`; returns the flag ids."""
    works = set(work_ids)
    if recording_ids:
        row = await tx.single(EMBODIED, {"ids": recording_ids})
        works.update(row["works"] if row else [])
    if not works:
        return []
    facts = await unlicensable_facts(tx, sorted(works), FLAG_SCOPE, at)
    flags: list[dict[str, Any]] = []
    for work_id, fact in sorted(facts.items()):
        flag = influence_flag(work_id, check(fact, FLAG_SCOPE, at))
        if flag is not None:
            flags.append(
                {
                    "id": flag_id(report_id, work_id),
                    "work_id": work_id,
                    "code": flag.code,
                    "message": flag.message,
                    "reasons": list(flag.reasons),
                }
            )
    if flags:
        await tx.run(WRITE_FLAGS, {"report_id": report_id, "flags": flags})
    return [f["id"] for f in flags]
