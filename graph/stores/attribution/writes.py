"""Storing attribution reports: one write transaction per report, whichever way it came in.

```
(:Vendor)-[:SUBMITTED]->(:AttributionReport)-[:ABOUT]->(:Output)
(:AttributionReport)-[:SUPERSEDED_BY]->(:AttributionReport)     older -> newer, same vendor and output
(:AttributionReport)-[:INFLUENCE {...}]->(:Work | :Recording)
(:AttributionReport)-[:UNMATCHED]->(:UnmatchedInfluence)
```

`store_report` locates the output, checks that the output's licensee engaged the vendor, de-duplicates
by digest, applies registry.attribution.supersedes against the vendor's current report on the output,
resolves the references and flags influences on works that were not licensable, all in one transaction:
a reader never sees a report without its influences, or two current reports of one vendor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from graph.database import Database, Tx
from graph.stores._records import native
from graph.stores.attribution import resolution
from graph.stores.attribution.flags import flag_influences
from registry.attribution import AttributionReport, RightType, decimal_text, digest_of, supersedes
from registry.errors import Conflict, InvalidInput, NotFound

Via = Literal["GRAPHQL", "WEBHOOK", "PULL"]

# Only outputs of licensees that engaged the vendor, by id or by hash (one audio may be several licensees'
# outputs): any other answers as a missing one.
LOCATE_OUTPUT = """
OPTIONAL MATCH (:Vendor {id: $vendor_id})<-[:ENGAGED]-(:Licensee)-[:OPERATES]->(:Model)
               -[:GENERATED]->(a:Output {id: $output_id})
RETURN a.id AS by_id, COLLECT {
  MATCH (:Vendor {id: $vendor_id})<-[:ENGAGED]-(:Licensee)-[:OPERATES]->(:Model)
        -[:GENERATED]->(b:Output {content_hash: $content_hash})
  RETURN DISTINCT b.id ORDER BY b.id
} AS by_hash
"""
# Writing to the engagement serialises reports of one vendor on one licensee's outputs, so two
# deliveries racing cannot both become current, nor both pass the digest check. SET on a missing
# (null) engagement does nothing, and the caller refuses that case anyway.
LOCK_CONTEXT = """
MATCH (o:Output {id: $output_id})
OPTIONAL MATCH (l:Licensee)-[:OPERATES]->(:Model)-[:GENERATED]->(o)
OPTIONAL MATCH (l)-[e:ENGAGED]->(:Vendor {id: $vendor_id})
SET e.last_report_at = datetime()
RETURN l.id AS licensee_id, e IS NOT NULL AS engaged,
       coalesce(o.generated_at, o.created_at) AS generated_at
"""
EXISTING = """
OPTIONAL MATCH (same:AttributionReport {digest: $digest})
OPTIONAL MATCH (named:AttributionReport {vendor_id: $vendor_id, vendor_report_id: $vendor_report_id})
OPTIONAL MATCH (cur:AttributionReport {vendor_id: $vendor_id, current: true})
               -[:ABOUT]->(:Output {id: $output_id})
RETURN same {.id, .current} AS same, named.id AS named, cur {.id, .canonical} AS current
LIMIT 1
"""
CREATE_REPORT = """
MATCH (o:Output {id: $output_id}), (v:Vendor {id: $vendor_id})
CREATE (v)-[:SUBMITTED]->(r:AttributionReport)-[:ABOUT]->(o)
SET r = $props, r.received_at = datetime()
WITH r
OPTIONAL MATCH (older:AttributionReport {id: $superseded_id})
FOREACH (_ IN CASE WHEN older IS NULL THEN [] ELSE [1] END |
  SET older.current = false
  CREATE (older)-[:SUPERSEDED_BY]->(r))
WITH r
OPTIONAL MATCH (newer:AttributionReport {id: $superseded_by_id})
FOREACH (_ IN CASE WHEN newer IS NULL THEN [] ELSE [1] END | CREATE (r)-[:SUPERSEDED_BY]->(newer))
"""


@dataclass(frozen=True, slots=True)
class StoredReport:
    """What storing did: the report's id, whether it was already there, and whether it is current."""

    id: str
    output_id: str
    duplicate: bool
    current: bool
    superseded_id: str | None = None  # the vendor's report this one replaced as current
    flag_ids: tuple[str, ...] = ()


def report_id_for(digest: str) -> str:
    # From the digest, so a retried transaction (or a racing resend) names the same node.
    return f"ar_{digest[:32]}"


async def store_report(db: Database, report: AttributionReport, via: Via) -> StoredReport:
    """Store one canonical report; raises NotFound, InvalidInput or Conflict (nothing is written then)."""
    return await db.write(lambda tx: _store(tx, report, via))


async def store_reports(db: Database, reports: Sequence[AttributionReport], via: Via) -> list[StoredReport]:
    """Store a parsed batch (the vendor's adapter parsed all of it first, so a bad report in a batch
    stored none of it), each report its own transaction: a failure part-way leaves the earlier ones
    stored, and resending the batch is harmless because stored reports are de-duplicated by digest."""
    return [await store_report(db, report, via) for report in reports]


async def _store(tx: Tx, report: AttributionReport, via: Via) -> StoredReport:
    output_id = await _locate_output(tx, report)
    context = await tx.single(LOCK_CONTEXT, {"output_id": output_id, "vendor_id": report.vendor_id})
    assert context is not None
    if not context["engaged"]:
        raise unknown_output(output_id)
    # Canonical JSON once: the digest covers it and the report keeps it (building it is an eighth of a
    # 1,000-influence report's write).
    canonical = report.canonical_json()
    digest = digest_of(canonical)
    params = {"digest": digest, "vendor_id": report.vendor_id, "output_id": output_id}
    existing = await tx.single(EXISTING, params | {"vendor_report_id": report.vendor_report_id})
    assert existing is not None
    if existing["same"] is not None:
        same = existing["same"]
        return StoredReport(same["id"], output_id, duplicate=True, current=bool(same["current"]))
    if existing["named"] is not None:
        raise Conflict(
            f"Vendor report {report.vendor_report_id!r} was already stored with different content "
            f"(report {existing['named']}); a corrected report needs a new vendor report id.",
            details={"report_id": existing["named"], "vendor_report_id": report.vendor_report_id},
        )
    report_id = report_id_for(digest)
    current, superseded, superseded_by = _supersession(report, existing["current"])
    await tx.run(
        CREATE_REPORT,
        {
            "output_id": output_id,
            "vendor_id": report.vendor_id,
            "props": _props(report_id, digest, canonical, report, via, current),
            "superseded_id": superseded,
            "superseded_by_id": superseded_by,
        },
    )
    flags = await _influences(tx, report_id, report, native(context["generated_at"]) or report.computed_at)
    tx.touch(report_id, output_id, superseded, *flags)
    return StoredReport(report_id, output_id, False, current, superseded, tuple(flags))


def unknown_output(named: str) -> NotFound:
    """A missing output and one whose licensee has not engaged the vendor answer alike: a vendor learns
    nothing of outputs it may not report on (docs/access.md, "Refusals")."""
    return NotFound(
        f"No output {named!r} that you may report on: its licensee must declare it and engage your vendor "
        "before your reports on it are accepted."
    )


async def _locate_output(tx: Tx, report: AttributionReport) -> str:
    params = {
        "output_id": report.output_id,
        "content_hash": report.output_content_hash,
        "vendor_id": report.vendor_id,
    }
    row = await tx.single(LOCATE_OUTPUT, params)
    assert row is not None
    by_id: str | None = row["by_id"]
    by_hash: list[str] = row["by_hash"]
    if report.output_id is not None and by_id is None:
        raise unknown_output(report.output_id)
    if report.output_content_hash is not None:
        if not by_hash:
            raise unknown_output(report.output_content_hash)
        if by_id is not None:
            if by_id not in by_hash:
                raise InvalidInput(
                    f"output_id {report.output_id!r} and output_content_hash name two different outputs; "
                    "send the right pair, or one of them."
                )
            return by_id
        if len(by_hash) > 1:
            raise InvalidInput(
                f"Content hash {report.output_content_hash} is the audio of {len(by_hash)} outputs of "
                f"licensees that engaged you ({', '.join(by_hash)}); name the output by output_id."
            )
        return by_hash[0]
    assert by_id is not None
    return by_id


def _supersession(
    report: AttributionReport, current: dict[str, Any] | None
) -> tuple[bool, str | None, str | None]:
    """(is the new report current, the report it supersedes, the report that supersedes it)."""
    if current is None:
        return True, None, None
    stored = AttributionReport.model_validate_json(current["canonical"])
    if supersedes(report, stored):  # raises Conflict for two reports computed at the same instant
        return True, current["id"], None
    return False, None, current["id"]  # a late, older report: kept as history, never current


def _props(
    report_id: str, digest: str, canonical: bytes, report: AttributionReport, via: Via, current: bool
) -> dict[str, Any]:
    return {
        "id": report_id,
        "digest": digest,
        "vendor_id": report.vendor_id,
        "vendor_report_id": report.vendor_report_id,
        "method": report.method,
        "method_version": report.method_version,
        "computed_at": report.computed_at,
        "via": via,
        "current": current,
        "influence_count": len(report.influences),
        "unattributed_composition": decimal_text(report.unattributed(RightType.COMPOSITION)),
        "unattributed_master": decimal_text(report.unattributed(RightType.MASTER)),
        # The canonical JSON the digest covers: the report can be re-verified and re-read exactly.
        "canonical": canonical.decode("utf-8"),
    }


async def _influences(tx: Tx, report_id: str, report: AttributionReport, at: datetime) -> list[str]:
    decisions = await resolution.resolve_references(tx, report)
    await resolution.write_influences(tx, report_id, report, decisions)
    works, recordings = resolution.matched_targets(report, decisions)
    return await flag_influences(tx, report_id, works, recordings, at)
