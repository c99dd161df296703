"""Catalogue reads: creators, works and recordings by key, filtered pages, and batch reads for dataloaders.

Batch reads take many ids and answer in one query, grouped by id, so a GraphQL list costs the same number
of round trips for 5 rows as for 100. Nested lists are capped (`NESTED_LIMIT`): the uncapped list of a
creator's works is the `works` page filtered by creator.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from graph.database import Database, Tx
from graph.stores.catalogue.records import (
    ChainRecord,
    CreatorRecord,
    Page,
    RecordingRecord,
    ShareRecord,
    WorkRecord,
)

NESTED_LIMIT = 100

CREATOR_BY_ID = "MATCH (c:Creator {id: $id}) RETURN c {.*} AS node"
CREATOR_BY_IPI = "MATCH (c:Creator {ipi: $ipi}) RETURN c {.*} AS node"
WORK_BY_ID = "MATCH (w:Work {id: $id}) RETURN w {.*} AS node"
WORK_BY_ISWC = "MATCH (w:Work {iswc: $iswc}) RETURN w {.*} AS node"
RECORDING_BY_ISRC = "MATCH (r:Recording {isrc: $isrc}) RETURN r {.*} AS node"

# Filters are optional parameters: `$x IS NULL OR ...` keeps one query text per shape.
_CREATOR_FILTER = """
MATCH (c:Creator)
WHERE ($name IS NULL OR c.name_search CONTAINS $name) AND ($ipi IS NULL OR c.ipi = $ipi)
"""
COUNT_CREATORS = _CREATOR_FILTER + "RETURN count(c) AS total"
PAGE_CREATORS = (
    _CREATOR_FILTER + "RETURN c {.*} AS node ORDER BY c.name, c.first_name, c.id SKIP $offset LIMIT $limit"
)
_WORK_FILTER = """
MATCH (w:Work)
WHERE ($title IS NULL OR w.title_search CONTAINS $title) AND ($iswc IS NULL OR w.iswc = $iswc)
"""
COUNT_WORKS = _WORK_FILTER + "RETURN count(w) AS total"
PAGE_WORKS = _WORK_FILTER + "RETURN w {.*} AS node ORDER BY w.title, w.id SKIP $offset LIMIT $limit"
# Unfiltered, the count comes from Neo4j's count store and the page from the work_title index in order,
# so neither grows with the catalogue (every work has a title).
COUNT_ALL_WORKS = "MATCH (w:Work) RETURN count(w) AS total"
PAGE_ALL_WORKS = """
MATCH (w:Work) WHERE w.title IS NOT NULL
RETURN w {.*} AS node ORDER BY w.title, w.id SKIP $offset LIMIT $limit
"""
_HELD_WORK_FILTER = """
MATCH (:Creator {id: $creator_id})-[:HOLDS_SHARE]->(w:Work)
WITH DISTINCT w
WHERE ($title IS NULL OR w.title_search CONTAINS $title) AND ($iswc IS NULL OR w.iswc = $iswc)
"""
COUNT_HELD_WORKS = _HELD_WORK_FILTER + "RETURN count(w) AS total"
PAGE_HELD_WORKS = _HELD_WORK_FILTER + "RETURN w {.*} AS node ORDER BY w.title, w.id SKIP $offset LIMIT $limit"

SHARES_FOR_WORKS = """
UNWIND $ids AS id
MATCH (c:Creator)-[s:HOLDS_SHARE]->(w:Work {id: id})
RETURN id, c {.*} AS creator, w {.*} AS work, s {.*} AS share
ORDER BY id, s.role, c.name, c.id
"""
CHAINS_FOR_WORKS = """
UNWIND $ids AS id
MATCH (:Work {id: id})-[:HAS_CHAIN]->(pc:PublisherChain)
RETURN id, pc.number AS number,
       COLLECT { MATCH (c:Creator)-[m:IN_CHAIN]->(pc) RETURN m {.*, creator: c {.*}} } AS members,
       COLLECT { MATCH (pc)-[:PUBLISHES_FOR]->(c:Creator) RETURN c {.*} ORDER BY c.name, c.id } AS writers
ORDER BY id, number
"""
SHARES_FOR_CREATORS = """
UNWIND $ids AS id
MATCH (c:Creator {id: id})-[s:HOLDS_SHARE]->(w:Work)
WITH id, c, s, w ORDER BY w.title, w.id, s.role
WITH id, collect({creator: c {.*}, work: w {.*}, share: s {.*}})[..$limit] AS rows
UNWIND rows AS row
RETURN id, row.creator AS creator, row.work AS work, row.share AS share
"""
RECORDINGS_FOR_WORKS = """
UNWIND $ids AS id
MATCH (r:Recording)-[:EMBODIES]->(:Work {id: id})
WITH id, r ORDER BY r.isrc
WITH id, collect(r {.*})[..$limit] AS nodes
UNWIND nodes AS node
RETURN id, node
"""
WORKS_FOR_RECORDINGS = """
UNWIND $ids AS id
MATCH (:Recording {id: id})-[:EMBODIES]->(w:Work)
WITH id, w ORDER BY w.title, w.id
WITH id, collect(w {.*})[..$limit] AS nodes
UNWIND nodes AS node
RETURN id, node
"""
HOLDS_ANY = """
MATCH (:Creator {id: $creator_id})-[:HOLDS_SHARE]->(w:Work) WHERE w.id IN $work_ids
RETURN collect(DISTINCT w.id) AS ids
"""


@dataclass(frozen=True, slots=True)
class WorkFilter:
    title: str | None = None  # case-insensitive substring of the title or an alternate title
    iswc: str | None = None  # canonical
    creator_id: str | None = None  # works this creator holds a share in


async def _one(db: Database, query: Any, params: dict[str, Any]) -> dict[str, Any] | None:
    rows = await db.run_read(query, params)
    return rows[0]["node"] if rows else None


async def creator_by_id(db: Database, creator_id: str) -> CreatorRecord | None:
    node = await _one(db, CREATOR_BY_ID, {"id": creator_id})
    return CreatorRecord.from_node(node) if node else None


async def creator_by_ipi(db: Database, ipi: str) -> CreatorRecord | None:
    node = await _one(db, CREATOR_BY_IPI, {"ipi": ipi})
    return CreatorRecord.from_node(node) if node else None


async def work_by_id(db: Database, work_id: str) -> WorkRecord | None:
    node = await _one(db, WORK_BY_ID, {"id": work_id})
    return WorkRecord.from_node(node) if node else None


async def work_by_iswc(db: Database, iswc: str) -> WorkRecord | None:
    node = await _one(db, WORK_BY_ISWC, {"iswc": iswc})
    return WorkRecord.from_node(node) if node else None


async def recording_by_isrc(db: Database, isrc: str) -> RecordingRecord | None:
    node = await _one(db, RECORDING_BY_ISRC, {"isrc": isrc})
    return RecordingRecord.from_node(node) if node else None


async def list_creators(
    db: Database, name: str | None, ipi: str | None, offset: int, limit: int
) -> Page[CreatorRecord]:
    params = {"name": name.lower() if name else None, "ipi": ipi, "offset": offset, "limit": limit}

    async def work(tx: Tx) -> Page[CreatorRecord]:
        total = await tx.single(COUNT_CREATORS, params)
        rows = await tx.run(PAGE_CREATORS, params)
        return Page(total["total"] if total else 0, [CreatorRecord.from_node(r["node"]) for r in rows])

    return await db.read(work)


async def list_works(db: Database, where: WorkFilter, offset: int, limit: int) -> Page[WorkRecord]:
    params = {
        "title": where.title.lower() if where.title else None,
        "iswc": where.iswc,
        "creator_id": where.creator_id,
        "offset": offset,
        "limit": limit,
    }
    held = where.creator_id is not None
    count, page = (COUNT_HELD_WORKS, PAGE_HELD_WORKS) if held else (COUNT_WORKS, PAGE_WORKS)
    if not (held or where.title or where.iswc):
        count, page = COUNT_ALL_WORKS, PAGE_ALL_WORKS

    async def work(tx: Tx) -> Page[WorkRecord]:
        total = await tx.single(count, params)
        rows = await tx.run(page, params)
        return Page(total["total"] if total else 0, [WorkRecord.from_node(r["node"]) for r in rows])

    return await db.read(work)


T = TypeVar("T")


def _grouped(rows: list[dict[str, Any]], build: Callable[[dict[str, Any]], T]) -> dict[str, list[T]]:
    by_id: dict[str, list[T]] = {}
    for row in rows:
        by_id.setdefault(row["id"], []).append(build(row))
    return by_id


# Batch reads answer a mapping from each key to its records; a key without any is left out.


async def shares_for_works(db: Database, work_ids: Sequence[str]) -> dict[str, list[ShareRecord]]:
    """Every share of each work (a work's split is never truncated)."""
    rows = await db.run_read(SHARES_FOR_WORKS, {"ids": list(set(work_ids))})
    return _grouped(rows, ShareRecord.from_row)


async def chains_for_works(db: Database, work_ids: Sequence[str]) -> dict[str, list[ChainRecord]]:
    """Each work's publisher chains (from CWR), in chain order."""
    rows = await db.run_read(CHAINS_FOR_WORKS, {"ids": list(set(work_ids))})
    return _grouped(rows, ChainRecord.from_row)


async def shares_for_creators(db: Database, creator_ids: Sequence[str]) -> dict[str, list[ShareRecord]]:
    params = {"ids": list(set(creator_ids)), "limit": NESTED_LIMIT}
    rows = await db.run_read(SHARES_FOR_CREATORS, params)
    return _grouped(rows, ShareRecord.from_row)


async def recordings_for_works(db: Database, work_ids: Sequence[str]) -> dict[str, list[RecordingRecord]]:
    rows = await db.run_read(RECORDINGS_FOR_WORKS, {"ids": list(set(work_ids)), "limit": NESTED_LIMIT})
    return _grouped(rows, lambda row: RecordingRecord.from_node(row["node"]))


async def works_for_recordings(db: Database, recording_ids: Sequence[str]) -> dict[str, list[WorkRecord]]:
    rows = await db.run_read(WORKS_FOR_RECORDINGS, {"ids": list(set(recording_ids)), "limit": NESTED_LIMIT})
    return _grouped(rows, lambda row: WorkRecord.from_node(row["node"]))


async def works_held_by(db: Database, creator_id: str, work_ids: Sequence[str]) -> set[str]:
    """Which of `work_ids` the creator holds a share in: the CREATOR role's visibility check."""
    rows = await db.run_read(HOLDS_ANY, {"creator_id": creator_id, "work_ids": list(set(work_ids))})
    return set(rows[0]["ids"]) if rows else set()
