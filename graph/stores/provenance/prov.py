"""What a W3C PROV export needs beyond the trace and provenance reads: who holds the works, what the
recordings are, and the items a model's training runs used (capped: a run may use 100,000)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.database import Database

USED_LIMIT = 1000

WORKS = """
UNWIND $ids AS id
MATCH (w:Work {id: id})
RETURN w.id AS id, w.iswc AS iswc, w.title AS title, COLLECT {
  MATCH (c:Creator)-[s:HOLDS_SHARE]->(w)
  RETURN DISTINCT c {.id, .name, .ipi, .kind, role: s.role} AS creator ORDER BY creator.id
} AS creators
"""
RECORDINGS = """
UNWIND $ids AS id
MATCH (r:Recording {id: id})
RETURN r.id AS id, r.isrc AS isrc, r.title AS title,
  COLLECT { MATCH (r)-[:EMBODIES]->(w:Work) RETURN w.id } AS works
"""
RUNS_USED = """
UNWIND $run_ids AS run_id
MATCH (:TrainingRun {id: run_id})-[u:USED]->(t)
WITH run_id, t, u ORDER BY run_id, t.id LIMIT $limit
RETURN run_id, t.id AS target_id, t:Recording AS recording, u.weight AS weight, u.licensable AS licensable
"""


@dataclass(frozen=True, slots=True)
class CreatorRow:
    id: str
    name: str | None
    ipi: str | None
    organisation: bool
    role: str | None


@dataclass(frozen=True, slots=True)
class WorkRow:
    id: str
    iswc: str | None
    title: str | None
    creators: tuple[CreatorRow, ...]


@dataclass(frozen=True, slots=True)
class RecordingRow:
    id: str
    isrc: str | None
    title: str | None
    work_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UsedRow:
    run_id: str
    target_id: str
    recording: bool
    weight: str | None
    licensable: bool | None


def _creator(row: dict[str, Any]) -> CreatorRow:
    kind = row.get("kind") or "PERSON"
    return CreatorRow(row["id"], row.get("name"), row.get("ipi"), kind != "PERSON", row.get("role"))


async def works(db: Database, ids: list[str]) -> dict[str, WorkRow]:
    rows = await db.run_read(WORKS, {"ids": sorted(set(ids))})
    return {
        r["id"]: WorkRow(r["id"], r["iswc"], r["title"], tuple(_creator(c) for c in r["creators"]))
        for r in rows
    }


async def recordings(db: Database, ids: list[str]) -> dict[str, RecordingRow]:
    rows = await db.run_read(RECORDINGS, {"ids": sorted(set(ids))})
    return {r["id"]: RecordingRow(r["id"], r["isrc"], r["title"], tuple(r["works"])) for r in rows}


async def runs_used(db: Database, run_ids: list[str], limit: int = USED_LIMIT) -> list[UsedRow]:
    rows = await db.run_read(RUNS_USED, {"run_ids": run_ids, "limit": limit})
    return [
        UsedRow(r["run_id"], r["target_id"], bool(r["recording"]), r["weight"], r["licensable"]) for r in rows
    ]
