"""Rights checks over the graph: gather the facts for registry.rights, and the licensable catalogue.

`work_facts` gathers everything the rule needs for a whole page of works in one query. The catalogue
query filters in Cypher for speed; it restates the work-level part of registry.rights and must agree
with it (tests/integration/test_rights_agreement.py checks both on a randomised graph). The grant-level
part does not depend on the work, so it is judged once, in Python, before the query runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from graph.database import Database, Tx
from graph.stores._records import from_epoch_us, optional_epoch_us
from graph.stores.catalogue.reads import WorkFilter
from graph.stores.catalogue.records import CreatorRecord, WorkRecord
from graph.stores.licensing.licences import grant_facts
from registry.catalogue import search_text
from registry.errors import NotFound
from registry.rights import (
    ConsentFacts,
    Decision,
    GrantFacts,
    HolderFacts,
    Scope,
    Use,
    Verdict,
    WorkFacts,
    WorkState,
    check,
    grant_reasons,
)

# A holder's share in a work: the sum over its roles and the three rights (registry.rights.HolderFacts).
# Consent times travel as microseconds since the epoch: the driver's DateTime hydration is pure Python
# and was the largest single cost of reading facts for a page of works.
# The facts of the work bound to `w`, as `facts` (facts_from_row reads it); the trace embeds it too. Only
# values, lists and maps: read with Tx.run_plain.
WORK_FACTS_OF_W = """
CALL (w) {
  OPTIONAL MATCH (c:Creator)-[s:HOLDS_SHARE]->(w)
  WITH c, sum(coalesce(s.performing_bp, 0) + coalesce(s.mechanical_bp, 0)
              + coalesce(s.synchronisation_bp, 0)) AS bp
  WHERE c IS NOT NULL
  RETURN collect({id: c.id, bp: bp, consents: COLLECT {
    MATCH (c)-[:GAVE]->(k)
    WHERE k.catalogue = true OR EXISTS { (k)-[:COVERS]->(w) }
    RETURN k {.id, .decision, .scopes, .catalogue,
              valid_from_us: k.valid_from.epochSeconds * 1000000 + k.valid_from.microsecond,
              revoked_at_us: k.revoked_at.epochSeconds * 1000000 + k.revoked_at.microsecond}
  }}) AS holders
}
WITH w, {id: w.id, state: coalesce(w.status, 'ACTIVE'), disputed: coalesce(w.disputed, false),
         holders: holders} AS facts
"""
WORK_FACTS = (
    "UNWIND $ids AS wid MATCH (w:Work {id: wid})" + WORK_FACTS_OF_W + "RETURN collect({facts: facts}) AS rows"
)
WORKS_BY_ID = "UNWIND $ids AS id MATCH (w:Work {id: id}) RETURN w {.*} AS node"
CREATORS_BY_ID = "UNWIND $ids AS id MATCH (c:Creator {id: id}) RETURN c {.*} AS node"
HOLDS_SHARE = "RETURN EXISTS { (:Creator {id: $creator_id})-[:HOLDS_SHARE]->(:Work {id: $work_id}) } AS holds"
FIND_WORK = """
MATCH (w:Work) WHERE w.id = $id OR ($iswc IS NOT NULL AND w.iswc = $iswc)
RETURN w.id AS id LIMIT 1
"""
# The work-level rule of registry.rights.work_reasons, as a filter: not withdrawn, at least one holder
# with a positive share, each such holder with an opt-in covering the scope in force at $at, and no
# such holder's decline covering the scope in force at $at.
# After `MATCH (w:Work) WHERE ...`: keeps the works whose holders make them licensable for $scope at $at.
# A holder's consents are matched as `(c)-[:GAVE]->(k)`, without the :Consent label (GAVE leads only to
# consents): with the label, a plan made while the index statistics are stale, as after a bulk import,
# seeks every consent of a decision through its index for each holder instead of expanding from the
# holder (139 million db hits and 56 s to judge 2,000 works of 10,000, against 2 s without the label).
LICENSABLE_FILTER = """
WITH w, COLLECT {
  MATCH (c:Creator)-[s:HOLDS_SHARE]->(w)
  WITH c, sum(coalesce(s.performing_bp, 0) + coalesce(s.mechanical_bp, 0)
              + coalesce(s.synchronisation_bp, 0)) AS bp
  WHERE bp > 0
  RETURN c
} AS owners
WHERE size(owners) > 0
  AND all(c IN owners WHERE EXISTS {
    MATCH (c)-[:GAVE]->(k {decision: 'OPT_IN'})
    WHERE $scope IN k.scopes AND k.valid_from <= $at AND (k.revoked_at IS NULL OR $at < k.revoked_at)
      AND (k.catalogue = true OR EXISTS { (k)-[:COVERS]->(w) })
  })
  AND none(c IN owners WHERE EXISTS {
    MATCH (c)-[:GAVE]->(k {decision: 'DECLINE'})
    WHERE $scope IN k.scopes AND k.valid_from <= $at AND (k.revoked_at IS NULL OR $at < k.revoked_at)
      AND (k.catalogue = true OR EXISTS { (k)-[:COVERS]->(w) })
  })
"""
_LICENSABLE = (
    """
MATCH (w:Work)
WHERE w.title IS NOT NULL AND coalesce(w.status, 'ACTIVE') <> 'WITHDRAWN'
  AND ($iswc IS NULL OR w.iswc = $iswc)
  AND ($title IS NULL OR w.title_search CONTAINS $title)
  AND ($creator_id IS NULL OR EXISTS { (:Creator {id: $creator_id})-[:HOLDS_SHARE]->(w) })
"""
    + LICENSABLE_FILTER
)
# The page streams in title order from the work_title index and stops after $offset + $limit works (one
# more, to tell whether a next page exists); only a caller asking for the total pays for the count.
LICENSABLE_WORKS = _LICENSABLE + "RETURN w {.*} AS node ORDER BY w.title, w.id SKIP $offset LIMIT $limit"
COUNT_LICENSABLE_WORKS = _LICENSABLE + "RETURN count(w) AS total"
# The same work-level rule for a batch of works ($ids), judging each distinct holder once: the common
# case, a holder in many works of the batch, would otherwise re-read all its consents for every work
# (LICENSABLE_FILTER's per-work EXISTS; ~270 db hits a work on a 5,000-work manifest batch). A holder's
# catalogue-wide standing for $scope at $at (an opt-in, a decline) is read once per holder; per (work,
# holder) only the consents that COVER that work are read, and only when the standing does not settle
# it. A work is licensable when it is not withdrawn, has an owner (share > 0), every owner opted in (in
# the catalogue or for the work) and no owner declined (either way). Leaves `w` bound and `licensable`.
# test_rights_agreement checks it against registry.rights like LICENSABLE_FILTER.
_IN_FORCE = "$scope IN k.scopes AND k.valid_from <= $at AND (k.revoked_at IS NULL OR $at < k.revoked_at)"
LICENSABLE_IN_BATCH = (
    """
UNWIND $ids AS wid
MATCH (w:Work {id: wid})
OPTIONAL MATCH (c:Creator)-[s:HOLDS_SHARE]->(w)
WITH w, c, sum(coalesce(s.performing_bp, 0) + coalesce(s.mechanical_bp, 0)
               + coalesce(s.synchronisation_bp, 0)) AS bp
WITH CASE WHEN bp > 0 THEN c END AS owner, collect(w) AS works
WITH owner, works,
     EXISTS { MATCH (owner)-[:GAVE]->(k {decision: 'OPT_IN', catalogue: true}) WHERE """
    + _IN_FORCE
    + """ } AS opted,
     EXISTS { MATCH (owner)-[:GAVE]->(k {decision: 'DECLINE', catalogue: true}) WHERE """
    + _IN_FORCE
    + """ } AS declined
UNWIND works AS w
WITH w, collect(CASE
  WHEN owner IS NULL THEN null
  WHEN declined THEN false
  WHEN NOT opted AND NOT EXISTS {
    MATCH (w)<-[:COVERS]-(k {decision: 'OPT_IN'})<-[:GAVE]-(owner) WHERE """
    + _IN_FORCE
    + """
  } THEN false
  ELSE NOT EXISTS {
    MATCH (w)<-[:COVERS]-(k {decision: 'DECLINE'})<-[:GAVE]-(owner) WHERE """
    + _IN_FORCE
    + """
  } END) AS owners_ok
WITH w, coalesce(w.status, 'ACTIVE') <> 'WITHDRAWN' AND size(owners_ok) > 0
        AND all(ok IN owners_ok WHERE ok) AS licensable
"""
)
# The facts of the works of $ids that are NOT licensable for $scope at $at, for registry.rights to say
# why; a licensable work is settled by the batch form of the rule without its facts being read.
UNLICENSABLE_FACTS = (
    LICENSABLE_IN_BATCH
    + "WITH w WHERE NOT licensable"
    + WORK_FACTS_OF_W
    + "RETURN collect({facts: facts}) AS rows"
)


def facts_from_row(row: dict[str, Any], known: dict[str, ConsentFacts] | None = None) -> WorkFacts:
    """`known`: consents already built for other works of the answer (a catalogue consent is in each of
    its holder's works; building it once per work was most of the Python cost of a manifest batch)."""
    known = {} if known is None else known
    holders = tuple(
        HolderFacts(h["id"], h["bp"], tuple(_consent(k, known) for k in h["consents"]))
        for h in sorted(row["holders"], key=lambda h: h["id"])
    )
    return WorkFacts(row["id"], WorkState(row["state"]), holders, bool(row.get("disputed")))


def facts_from_rows(rows: list[dict[str, Any]]) -> dict[str, WorkFacts]:
    """The facts of several works by work id, each consent built once."""
    known: dict[str, ConsentFacts] = {}
    return {row["facts"]["id"]: facts_from_row(row["facts"], known) for row in rows}


def _consent(row: dict[str, Any], known: dict[str, ConsentFacts]) -> ConsentFacts:
    built = known.get(row["id"])
    if built is None:
        built = known[row["id"]] = ConsentFacts(
            id=row["id"],
            decision=Decision(row["decision"]),
            scopes=frozenset(Scope(s) for s in row["scopes"]),
            valid_from=from_epoch_us(row["valid_from_us"]),
            revoked_at=optional_epoch_us(row.get("revoked_at_us")),
            catalogue=bool(row.get("catalogue")),
        )
    return built


async def work_facts(tx: Tx, work_ids: list[str]) -> dict[str, WorkFacts]:
    """The rule's facts for every work of `work_ids` that exists, in one query."""
    return facts_from_rows(await tx.rows(WORK_FACTS, {"ids": work_ids}))


async def unlicensable_facts(tx: Tx, work_ids: list[str], scope: Scope, at: datetime) -> dict[str, WorkFacts]:
    """The rule's facts for the works of `work_ids` that are not licensable for `scope` at `at`: a work
    absent from the answer is licensable (judged in Cypher by the rule test_rights_agreement checks)."""
    rows = await tx.rows(UNLICENSABLE_FACTS, {"ids": work_ids, "scope": scope.value, "at": at})
    return facts_from_rows(rows)


async def works_by_id(db: Database, ids: list[str]) -> dict[str, WorkRecord]:
    """Works by id in one query (the licensing types' loader; the catalogue stores read single works)."""
    rows = await db.run_read(WORKS_BY_ID, {"ids": ids})
    return {r["node"]["id"]: WorkRecord.from_node(r["node"]) for r in rows}


async def creators_by_id(db: Database, ids: list[str]) -> dict[str, CreatorRecord]:
    rows = await db.run_read(CREATORS_BY_ID, {"ids": ids})
    return {r["node"]["id"]: CreatorRecord.from_node(r["node"]) for r in rows}


async def holds_share(db: Database, creator_id: str, work_id: str) -> bool:
    rows = await db.run_read(HOLDS_SHARE, {"creator_id": creator_id, "work_id": work_id})
    return bool(rows[0]["holds"])


async def find_work_id(db: Database, work_id: str | None, iswc: str | None) -> str:
    rows = await db.run_read(FIND_WORK, {"id": work_id, "iswc": iswc})
    if not rows:
        raise NotFound(f"No work has {'id ' + repr(work_id) if work_id else 'ISWC ' + repr(iswc)}.")
    found: str = rows[0]["id"]
    return found


async def check_works(
    db: Database,
    work_ids: list[str],
    scope: Scope,
    at: datetime,
    *,
    grant_id: str | None = None,
    licensee_id: str | None = None,
    use: Use | None = None,
) -> dict[str, Verdict]:
    """Verdicts for several works in two queries, under a grant, a licensee's grants, or neither.

    This is what provenance and royalties call ("was work w licensable for TRAINING at t under grant
    g?"). Works that do not exist are absent from the result. Raises NotFound for an unknown grant.
    """

    async def work(tx: Tx) -> dict[str, Verdict]:
        grants = await _grants(tx, grant_id, licensee_id)
        facts = await work_facts(tx, work_ids)
        return {wid: check(f, scope, at, grants, use) for wid, f in facts.items()}

    return await db.read(work)


async def check_work(
    db: Database,
    work_id: str,
    scope: Scope,
    at: datetime,
    *,
    grant_id: str | None = None,
    licensee_id: str | None = None,
    use: Use | None = None,
) -> Verdict:
    verdicts = await check_works(
        db, [work_id], scope, at, grant_id=grant_id, licensee_id=licensee_id, use=use
    )
    if work_id not in verdicts:
        raise NotFound(f"No work has id {work_id!r}.")
    return verdicts[work_id]


async def _grants(tx: Tx, grant_id: str | None, licensee_id: str | None) -> list[GrantFacts] | None:
    if grant_id is not None:
        grants = await grant_facts(tx, grant_id=grant_id)
        if not grants:
            raise NotFound(f"No grant has id {grant_id!r}.")
        return grants
    if licensee_id is not None:
        return await grant_facts(tx, licensee_id=licensee_id)
    return None


async def grant_refuses(tx: Tx, grant_id: str, scope: Scope, at: datetime, use: Use | None) -> bool:
    """Whether the grant refuses `scope` (and `use`) at `at`, whatever the work; NotFound if unknown."""
    grants = await _grants(tx, grant_id, None)
    assert grants is not None
    return bool(grant_reasons(grants[0], scope, at, use))


async def licensable_works(
    db: Database,
    scope: Scope,
    at: datetime,
    where: WorkFilter,
    offset: int,
    limit: int,
    *,
    grant_id: str | None = None,
    use: Use | None = None,
    count: bool = True,
) -> tuple[int | None, list[WorkRecord]]:
    """(total, page of up to `limit` + 1 works) licensable for `scope` at `at`, ordered by title then id.

    The extra work says whether a next page exists. `count=False` skips the total (None), which costs a
    pass over the whole catalogue. Under a grant that does not allow the scope or use at `at`, nothing is
    licensable.
    """

    async def work(tx: Tx) -> tuple[int | None, list[WorkRecord]]:
        if grant_id is not None and await grant_refuses(tx, grant_id, scope, at, use):
            return 0, []
        params = {
            "scope": scope.value,
            "at": at,
            "title": search_text(where.title) or None,
            "iswc": where.iswc,
            "creator_id": where.creator_id,
        }
        rows = await tx.run(LICENSABLE_WORKS, params | {"offset": offset, "limit": limit + 1})
        total = (await tx.single(COUNT_LICENSABLE_WORKS, params) or {}).get("total") if count else None
        return total, [WorkRecord.from_node(row["node"]) for row in rows]

    return await db.read(work)
