"""The licensable catalogue *now*, maintained: one label per scope on the works licensable at present.

Judging the whole catalogue on every read (rights.LICENSABLE_FILTER) costs a pass over every work: 10 s a
page at 100,000 works, a timeout at 1,000,000. So the verdict at present is kept on the works themselves,
by the same Cypher rule, in the same transaction as every write that can change it:

- `:LicensableTraining`, `:LicensableServiceUse`, `:LicensableOutputUse` mark the works licensable for that
  scope now; the page is an ordered scan of the label's title index, the unfiltered total Neo4j's count
  store (O(1)).
- `w.licensable_due` is the next moment a consent of one of the work's holders starts or ends (a consent
  may start later than it is given). Before a read at present, the works whose moment has come are judged
  again, so a read never sees a stale verdict; V0013 indexes it.

Writes that call `refresh_works` (or `refresh_holder_works`): consents given, declined and revoked
(graph/stores/licensing/consents.py), works registered and re-registered with their shares, claims
(CWR import included: graph/stores/catalogue/writes.py), disputes resolved
(graph/stores/catalogue/disputes.py). A write that
withdraws or restores a work, or changes shares or consents some other way, must call it too;
tests/integration/test_rights_agreement.py checks the labels against registry.rights after random writes.
A read at a given moment (`at`) keeps judging with rights.LICENSABLE_FILTER: the labels know only the present.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from graph.audit import unaudited
from graph.database import Database, Tx
from graph.stores.catalogue.reads import WorkFilter
from graph.stores.catalogue.records import WorkRecord
from graph.stores.licensing.rights import LICENSABLE_FILTER, grant_refuses
from graph.stores.licensing.rights import licensable_works as licensable_works_at
from registry.catalogue import search_text
from registry.rights import Scope, Use

# The fixed list the labels come from (labels cannot be parameters).
SCOPE_LABELS: dict[Scope, str] = {
    Scope.TRAINING: "LicensableTraining",
    Scope.SERVICE_USE: "LicensableServiceUse",
    Scope.OUTPUT_USE: "LicensableOutputUse",
}
DUE_BATCH = 2_000

NOW = "RETURN datetime() AS now"
# The works of $ids judged for $scope at $at by the one Cypher rule; the label follows the verdict. A label
# already there is not set again, so a replayed write changes nothing (and leaves no audit event).
_REFRESH = (
    """
UNWIND $ids AS wid
MATCH (w:Work {id: wid})
OPTIONAL CALL (w) {
  WITH w WHERE coalesce(w.status, 'ACTIVE') <> 'WITHDRAWN'
"""
    + LICENSABLE_FILTER
    + """
  RETURN true AS licensable
}
WITH w, licensable IS NOT NULL AS licensable
FOREACH (_ IN CASE WHEN licensable AND NOT w:%(label)s THEN [1] ELSE [] END | SET w:%(label)s)
FOREACH (_ IN CASE WHEN w:%(label)s AND NOT licensable THEN [1] ELSE [] END | REMOVE w:%(label)s)
"""
)
REFRESH = {scope: _REFRESH % {"label": label} for scope, label in SCOPE_LABELS.items()}
# The next moment after $at at which a consent covering the work, of any of its holders, starts or ends.
REFRESH_DUE = """
UNWIND $ids AS wid
MATCH (w:Work {id: wid})
WITH w, COLLECT {
  MATCH (c:Creator)-[:HOLDS_SHARE]->(w)
  MATCH (c)-[:GAVE]->(k)
  WHERE k.catalogue = true OR EXISTS { (k)-[:COVERS]->(w) }
  UNWIND [k.valid_from, k.revoked_at] AS t
  WITH t WHERE t > $at
  RETURN min(t) AS t
}[0] AS due
WHERE NOT coalesce(w.licensable_due = due, w.licensable_due IS NULL AND due IS NULL)
SET w.licensable_due = due
"""
# Of the creators of $ids, those that have given a consent of any kind, in force or not.
CONSENTING = """
UNWIND $ids AS id
MATCH (c:Creator {id: id}) WHERE EXISTS { (c)-[:GAVE]->() }
RETURN collect(id) AS ids
"""
HOLDER_WORKS = """
MATCH (:Creator {id: $creator_id})-[:HOLDS_SHARE]->(w:Work)
RETURN collect(DISTINCT w.id) AS ids
"""
DUE_WORKS = """
MATCH (w:Work) WHERE w.licensable_due <= datetime()
WITH w LIMIT $limit
RETURN collect(w.id) AS ids
"""

# The page at present: the label's title index in order, narrowed by the filters; a creator's works are
# found from the creator, an ISWC by its index, a title by the text index.
_NARROW = """
  AND ($iswc IS NULL OR w.iswc = $iswc)
  AND ($title IS NULL OR w.title_search CONTAINS $title)
"""
_MATCHES = {
    "all": "MATCH (w:%(label)s) WHERE w.title IS NOT NULL",
    "creator": "MATCH (:Creator {id: $creator_id})-[:HOLDS_SHARE]->(w:%(label)s)\n"
    "WITH DISTINCT w WHERE w.title IS NOT NULL" + _NARROW,
    "iswc": "MATCH (w:Work {iswc: $iswc}) WHERE w:%(label)s AND w.title IS NOT NULL" + _NARROW,
    "title": "MATCH (w:Work) WHERE w.title_search CONTAINS $title AND w:%(label)s AND w.title IS NOT NULL",
}
_PAGE = "\nRETURN w {.*} AS node ORDER BY w.title, w.id SKIP $offset LIMIT $limit"
_COUNT = "\nRETURN count(w) AS total"
PAGE = {
    (scope, lead): (match + _PAGE) % {"label": label}
    for scope, label in SCOPE_LABELS.items()
    for lead, match in _MATCHES.items()
}
# Unfiltered, the count is Neo4j's count store for the label.
COUNT = {
    (scope, lead): ("MATCH (w:%(label)s)" if lead == "all" else match) % {"label": label} + _COUNT
    for scope, label in SCOPE_LABELS.items()
    for lead, match in _MATCHES.items()
}


async def refresh_works(tx: Tx, work_ids: Iterable[str], scopes: Iterable[Scope] = tuple(Scope)) -> None:
    """Judge the works of `work_ids` at present for `scopes` and keep their labels and next moment."""
    ids = sorted(set(work_ids))
    if not ids:
        return
    row = await tx.single(NOW)
    assert row is not None
    at = row["now"]
    for scope in sorted(set(scopes)):
        await tx.run(REFRESH[scope], {"ids": ids, "scope": scope.value, "at": at})
    await tx.run(REFRESH_DUE, {"ids": ids, "at": at})


async def consenting(tx: Tx, creator_ids: Iterable[str]) -> set[str]:
    """The creators of `creator_ids` that have given any consent. A work none of whose holders has is
    licensable for no scope and has no next moment: a work created so needs no judging."""
    ids = sorted(set(creator_ids))
    if not ids:
        return set()
    row = await tx.single(CONSENTING, {"ids": ids})
    return set(row["ids"]) if row else set()


async def refresh_holder_works(tx: Tx, creator_id: str, scopes: Iterable[Scope] = tuple(Scope)) -> None:
    """refresh_works for every work `creator_id` holds a share in (a catalogue consent covers them all)."""
    row = await tx.single(HOLDER_WORKS, {"creator_id": creator_id})
    await refresh_works(tx, row["ids"] if row else [], scopes)


async def refresh_due(db: Database) -> int:
    """Judge again the works whose next moment has come, in batches; the number judged."""

    async def batch(tx: Tx) -> int:
        row = await tx.single(DUE_WORKS, {"limit": DUE_BATCH})
        ids: list[str] = row["ids"] if row else []
        await refresh_works(tx, ids)
        return len(ids)

    judged = 0
    while True:
        # Cheap when nothing is due (an index seek), so readers check before each page.
        row = (await db.run_read(DUE_WORKS, {"limit": 1}))[0]
        if not row["ids"]:
            return judged
        with unaudited():  # derived state catching up with time, not a change anyone made
            judged += await db.write(batch)


def _lead(where: WorkFilter) -> str:
    if where.creator_id is not None:
        return "creator"
    if where.iswc is not None:
        return "iswc"
    return "title" if where.title else "all"


async def licensable_works(
    db: Database,
    scope: Scope,
    at: datetime | None,
    where: WorkFilter,
    offset: int,
    limit: int,
    *,
    grant_id: str | None = None,
    use: Use | None = None,
    count: bool = True,
) -> tuple[int | None, list[WorkRecord]]:
    """rights.licensable_works, from the maintained labels when `at` is None (the present).

    (total, page of up to `limit` + 1 works) by title then id; the extra work says whether a next page
    exists; `count=False` skips the total. At a given moment the rule judges every work instead.
    """
    if at is not None:
        return await licensable_works_at(
            db, scope, at, where, offset, limit, grant_id=grant_id, use=use, count=count
        )
    await refresh_due(db)
    lead = _lead(where)
    params: dict[str, object] = {
        "title": search_text(where.title) or None,
        "iswc": where.iswc,
        "creator_id": where.creator_id,
    }

    async def read(tx: Tx) -> tuple[int | None, list[WorkRecord]]:
        if grant_id is not None and await grant_refuses(tx, grant_id, scope, datetime.now(UTC), use):
            return 0, []
        rows = await tx.run(PAGE[(scope, lead)], params | {"offset": offset, "limit": limit + 1})
        total = (await tx.single(COUNT[(scope, lead)], params) or {}).get("total") if count else None
        return total, [WorkRecord.from_node(row["node"]) for row in rows]

    return await db.read(read)
