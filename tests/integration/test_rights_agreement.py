"""The Cypher catalogue filter and the fact-gathering query agree with registry.rights on a random graph."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, LiteralString

import pytest
from neo4j import AsyncGraphDatabase

from graph.database import Database, Neo4jSettings, QueryCounter
from graph.migrations import migrate
from graph.stores.catalogue import disputes
from graph.stores.catalogue import writes as catalogue_writes
from graph.stores.catalogue.reads import WorkFilter
from graph.stores.licensing import consents, licensable, rights
from registry.catalogue import (
    CreatorKind,
    CreatorRef,
    CreatorRegistration,
    ShareRegistration,
    WorkRegistration,
)
from registry.licensing import ConsentInput
from registry.rights import ConsentFacts, Decision, HolderFacts, Scope, WorkFacts, WorkState, check
from registry.shares import ShareRole
from tests.e2e.world import iswc as _iswc

pytestmark = pytest.mark.integration
T0 = datetime(2025, 1, 1, tzinfo=UTC)
CREATORS = [f"c{i}" for i in range(8)]

WRITE = """
UNWIND $creators AS cid MERGE (:Creator {id: cid})
WITH count(*) AS _
UNWIND $works AS w
CREATE (work:Work {id: w.id, title: w.id, title_search: w.id, status: w.status})
WITH work, w
UNWIND w.holders AS h
MATCH (c:Creator {id: h.id})
CREATE (c)-[:HOLDS_SHARE {role: h.role, performing_bp: h.bp, mechanical_bp: 0, synchronisation_bp: 0}]->(work)
"""
CONSENTS = """
UNWIND $consents AS k
MATCH (c:Creator {id: k.creator})
CREATE (c)-[:GAVE]->(n:Consent {id: k.id, decision: k.decision, scopes: k.scopes, catalogue: k.catalogue,
                               valid_from: k.valid_from, revoked_at: k.revoked_at})
WITH n, k WHERE k.work IS NOT NULL
MATCH (w:Work {id: k.work})
CREATE (n)-[:COVERS]->(w)
"""


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def random_graph(
    rng: random.Random, n_works: int, base: datetime = T0
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    works = []
    for i in range(n_works):
        holders = [
            {"id": cid, "role": role, "bp": rng.choice([0, 2500, 5000])}
            for cid in rng.sample(CREATORS, rng.randint(0, 3))
            for role in rng.sample(["COMPOSER", "LYRICIST"], rng.randint(1, 2))
        ]
        status = "WITHDRAWN" if rng.random() < 0.1 else "ACTIVE"
        works.append({"id": f"w{i:03d}", "status": status, "holders": holders})
    consents = []
    for i in range(n_works * 2):
        catalogue = rng.random() < 0.3
        start = rng.randint(-10, 10)
        consents.append(
            {
                "id": f"k{i}",
                "creator": rng.choice(CREATORS),
                "decision": "DECLINE" if rng.random() < 0.1 else "OPT_IN",
                "scopes": sorted(rng.sample([s.value for s in Scope], rng.randint(1, 3))),
                "catalogue": catalogue,
                "work": None if catalogue else rng.choice(works)["id"],
                "valid_from": base + timedelta(days=start),
                "revoked_at": base + timedelta(days=start + rng.randint(0, 10))
                if rng.random() < 0.4
                else None,
            }
        )
    return works, consents


def expected_facts(works: list[dict[str, Any]], consents: list[dict[str, Any]]) -> dict[str, WorkFacts]:
    """The facts built in Python from what was written, independent of the gathering query."""
    facts = {}
    for w in works:
        bp: dict[str, int] = {}
        for h in w["holders"]:
            bp[h["id"]] = bp.get(h["id"], 0) + h["bp"]
        holders = tuple(
            HolderFacts(
                cid,
                total,
                tuple(
                    ConsentFacts(
                        k["id"],
                        Decision(k["decision"]),
                        frozenset(Scope(s) for s in k["scopes"]),
                        k["valid_from"],
                        k["revoked_at"],
                        k["catalogue"],
                    )
                    for k in consents
                    if k["creator"] == cid and (k["catalogue"] or k["work"] == w["id"])
                ),
            )
            for cid, total in sorted(bp.items())
        )
        facts[w["id"]] = WorkFacts(w["id"], WorkState(w["status"]), holders)
    return facts


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_cypher_catalogue_agrees_with_the_rule(db: Database, seed: int) -> None:
    rng = random.Random(seed)
    works, consents = random_graph(rng, 60)
    await db.run_write(WRITE, {"creators": CREATORS, "works": works})
    await db.run_write(CONSENTS, {"consents": consents})
    expected = expected_facts(works, consents)
    ids = sorted(expected)

    gathered = await db.read(lambda tx: rights.work_facts(tx, ids))
    assert {k: _normal(v) for k, v in gathered.items()} == {k: _normal(v) for k, v in expected.items()}

    checked = 0
    for scope in Scope:
        for t in [-11, -5, 0, 3, 7, 12, 25]:
            at = day(t)
            licensable = sorted(wid for wid, f in expected.items() if check(f, scope, at).licensable)
            total, page = await rights.licensable_works(db, scope, at, WorkFilter(), 0, 1000)
            assert [w.id for w in page] == licensable, (scope, t)
            assert total == len(licensable)
            # The per-item verdicts of uploads: facts come back for exactly the works the rule refuses.
            refused = await db.read(partial(rights.unlicensable_facts, work_ids=ids, scope=scope, at=at))
            assert sorted(refused) == sorted(set(ids) - set(licensable)), (scope, t)
            assert {k: _normal(v) for k, v in refused.items()} == {k: _normal(expected[k]) for k in refused}
            # The batch form judges each holder once per batch: any part of the catalogue, the same verdicts.
            part = sorted(rng.sample(ids, 15))
            refused = await db.read(partial(rights.unlicensable_facts, work_ids=part, scope=scope, at=at))
            assert sorted(refused) == sorted(set(part) - set(licensable)), (scope, t)
            checked += len(licensable)
    assert checked > 0  # the random graph must make some works licensable, or the test proves nothing


async def test_facts_for_a_page_take_one_query(db: Database) -> None:
    works, consents = random_graph(random.Random(7), 40)
    await db.run_write(WRITE, {"creators": CREATORS, "works": works})
    await db.run_write(CONSENTS, {"consents": consents})
    async with QueryCounter.counting() as count:
        verdicts = await rights.check_works(db, [w["id"] for w in works], Scope.TRAINING, day(0))
    assert len(verdicts) == 40 and count[0] == 1


def _normal(facts: WorkFacts) -> WorkFacts:
    holders = tuple(
        HolderFacts(h.id, h.share_bp, tuple(sorted(h.consents, key=lambda k: k.id))) for h in facts.holders
    )
    return WorkFacts(facts.id, facts.state, holders)


# --- the maintained catalogue of the present (graph/stores/licensing/licensable.py) ----------------------

LABELLED = "MATCH (w:Work) RETURN w.id AS id, labels(w) AS labels, w.licensable_due AS due"
STAFF = "admin:test"


def _registration(rng: random.Random, n: int, work_id: str | None = None) -> WorkRegistration:
    """Work n (by its ISWC), or a claim on it under `work_id`, with a random complete split."""
    holders = rng.sample(CREATORS, rng.randint(1, 3))
    cuts = [10_000] if len(holders) == 1 else [5_000, 5_000] if len(holders) == 2 else [5_000, 2_500, 2_500]
    shares = [
        ShareRegistration(
            holder=CreatorRef(id=cid),
            role=ShareRole.COMPOSER,
            performing_bp=bp,
            mechanical_bp=bp,
            synchronisation_bp=bp,
        )
        for cid, bp in zip(holders, cuts, strict=True)
    ]
    if rng.random() < 0.2:  # a holder owning nothing: its consent is not needed
        spare = next(c for c in CREATORS if c not in holders)
        shares.append(
            ShareRegistration(
                holder=CreatorRef(id=spare),
                role=ShareRole.LYRICIST,
                performing_bp=0,
                mechanical_bp=0,
                synchronisation_bp=0,
            )
        )
    return WorkRegistration(id=work_id or f"m{n:03d}", iswc=_iswc(n), title=f"Song {n}", shares=tuple(shares))


async def _creator(db: Database, creator_id: str) -> None:
    registration = CreatorRegistration(id=creator_id, name=creator_id, kind=CreatorKind.PERSON)
    await catalogue_writes.upsert_creator(db, registration)


async def _random_write(db: Database, rng: random.Random, step: int, n_works: int) -> None:
    """One write of the kinds that change licensability: consents given, declined, revoked; works
    registered again with another split; claims on works; disputes resolved."""
    kind = rng.choices(["give", "revoke", "register", "claim", "resolve"], [6, 2, 2, 1, 1])[0]
    n = rng.randrange(n_works)
    if kind == "give":
        creator = rng.choice(CREATORS)
        held = await db.run_read(HELD, {"creator_id": creator})
        decline = rng.random() < 0.15 and bool(held)
        catalogue = not decline and (rng.random() < 0.4 or not held)
        start = rng.choice([None, None, -5, 5])  # days from now; 5 days ahead does not pass in the test
        await consents.give_consent(
            db,
            ConsentInput(
                id=f"k{step}",
                creator_id=creator,
                decision=Decision.DECLINE if decline else Decision.OPT_IN,
                scopes=frozenset(rng.sample(list(Scope), rng.randint(1, 3))),
                work_id=None if catalogue else rng.choice(held)["id"],
                catalogue=catalogue,
                valid_from=None if start is None else datetime.now(UTC) + timedelta(days=start),
            ),
            STAFF,
        )
    elif kind == "revoke":
        given = await db.run_read(
            "MATCH (k:Consent) WHERE k.revoked_at IS NULL RETURN k.id AS id ORDER BY id"
        )
        if given:
            await consents.revoke_consent(db, rng.choice(given)["id"], STAFF, None)
    elif kind == "register":
        await catalogue_writes.upsert_work(db, _registration(rng, n))
    elif kind == "claim":
        claim = _registration(rng, n, f"claim-{step}")
        await db.write(lambda tx: catalogue_writes.write_works_tx(tx, [claim], claim=lambda _w, _id: True))
    else:
        claimed = await db.run_read(
            "MATCH (:Claim)-[:CLAIMS]->(w:Work) RETURN DISTINCT w.id AS id ORDER BY id"
        )
        if claimed:
            work_id = rng.choice(claimed)["id"]
            await disputes.resolve_dispute(db, work_id, [work_id], "the society's decision", STAFF)


HELD = "MATCH (:Creator {id: $creator_id})-[:HOLDS_SHARE]->(w:Work) RETURN DISTINCT w.id AS id ORDER BY id"
UNREVOKED = "MATCH (k:Consent) WHERE k.revoked_at IS NULL RETURN k.id AS id ORDER BY id"
CLAIMED = "MATCH (:Claim)-[:CLAIMS]->(w:Work) RETURN DISTINCT w.id AS id ORDER BY id"


async def assert_maintained_agrees(db: Database) -> int:
    """The labels and the present's pages agree with registry.rights judged now; the licensable count."""
    now = (await db.run_read("RETURN datetime() AS now"))[0]["now"].to_native()
    ids = [r["id"] for r in await db.run_read("MATCH (w:Work) RETURN w.id AS id ORDER BY id")]
    facts = await db.read(lambda tx: rights.work_facts(tx, ids))
    labelled = {r["id"]: set(r["labels"]) for r in await db.run_read(LABELLED)}
    found = 0
    for scope, label in licensable.SCOPE_LABELS.items():
        expected = sorted(wid for wid, f in facts.items() if check(f, scope, now).licensable)
        assert sorted(wid for wid, labels in labelled.items() if label in labels) == expected, scope
        total, page = await licensable.licensable_works(db, scope, None, WorkFilter(), 0, 1000)
        assert (total, sorted(w.id for w in page)) == (len(expected), expected), scope
        for where in [WorkFilter(creator_id="c1"), WorkFilter(iswc=_iswc(3)), WorkFilter(title="song 1")]:
            _, narrowed = await licensable.licensable_works(db, scope, None, where, 0, 1000)
            _, judged = await rights.licensable_works(db, scope, now, where, 0, 1000)
            assert [w.id for w in narrowed] == [w.id for w in judged], (scope, where)
        found += len(expected)
    return found


@pytest.mark.parametrize("seed", [1, 2, 4])
async def test_maintained_catalogue_agrees_with_the_rule_after_random_writes(db: Database, seed: int) -> None:
    rng = random.Random(seed)
    for cid in CREATORS:
        await catalogue_writes.upsert_creator(
            db, CreatorRegistration(id=cid, name=cid, kind=CreatorKind.PERSON)
        )
    n_works = 12
    for n in range(n_works):
        await catalogue_writes.upsert_work(db, _registration(rng, n))
    found = 0
    for step in range(60):
        await _random_write(db, rng, step, n_works)
        if step % 6 == 5:
            found += await assert_maintained_agrees(db)
    assert found > 0  # some works must have become licensable, or the test proves nothing


async def test_a_consent_starting_later_makes_its_work_licensable_when_it_starts(db: Database) -> None:
    await catalogue_writes.upsert_creator(
        db, CreatorRegistration(id="c0", name="c0", kind=CreatorKind.PERSON)
    )
    share = ShareRegistration(
        holder=CreatorRef(id="c0"),
        role=ShareRole.COMPOSER,
        performing_bp=10_000,
        mechanical_bp=10_000,
        synchronisation_bp=10_000,
    )
    await catalogue_writes.upsert_work(db, WorkRegistration(id="m001", title="Song 1", shares=(share,)))
    # Far enough ahead that the first read comes before it even on a loaded machine.
    starts = datetime.now(UTC) + timedelta(seconds=10)
    consent = ConsentInput(
        id="k-later", creator_id="c0", scopes=frozenset({Scope.TRAINING}), catalogue=True, valid_from=starts
    )
    await consents.give_consent(db, consent, STAFF)
    assert await licensable.licensable_works(db, Scope.TRAINING, None, WorkFilter(), 0, 10) == (0, [])
    await asyncio.sleep(max(0.0, (starts - datetime.now(UTC)).total_seconds()) + 0.05)
    total, page = await licensable.licensable_works(db, Scope.TRAINING, None, WorkFilter(), 0, 10)
    assert (total, [w.id for w in page]) == (1, ["m001"])
    [row] = await db.run_read(LABELLED)
    assert (row["id"], set(row["labels"]), row["due"]) == ("m001", {"Work", "LicensableTraining"}, None)


def _sole(creator_id: str, n: int) -> WorkRegistration:
    share = ShareRegistration(
        holder=CreatorRef(id=creator_id),
        role=ShareRole.COMPOSER,
        performing_bp=10_000,
        mechanical_bp=10_000,
        synchronisation_bp=10_000,
    )
    return WorkRegistration(id=f"m{n:03d}", iswc=_iswc(n), title=f"Song {n}", shares=(share,))


async def test_a_new_work_is_judged_when_written_unless_no_holder_ever_consented(db: Database) -> None:
    """A new work none of whose holders has given any consent is licensable for no scope, with no next
    moment: its write skips the judging (a first CWR import's works); a holder's consent brings it back."""
    for creator_id in ("c0", "c1"):
        await _creator(db, creator_id)
    consent = ConsentInput(id="k0", creator_id="c0", scopes=frozenset({Scope.TRAINING}), catalogue=True)
    await consents.give_consent(db, consent, STAFF)

    async def register(*works: WorkRegistration) -> int:
        async with QueryCounter.counting() as count:
            await db.write(lambda tx: catalogue_writes.write_works_tx(tx, works))
        return count[0]

    judged = await register(_sole("c0", 1), _sole("c1", 2))
    unjudged = await register(_sole("c1", 3))
    assert unjudged == judged - (len(Scope) + 2)  # no NOW, no REFRESH per scope, no REFRESH_DUE
    labelled = {r["id"]: set(r["labels"]) for r in await db.run_read(LABELLED)}
    assert labelled == {"m001": {"Work", "LicensableTraining"}, "m002": {"Work"}, "m003": {"Work"}}
    later = ConsentInput(id="k1", creator_id="c1", scopes=frozenset({Scope.TRAINING}), catalogue=True)
    await consents.give_consent(db, later, STAFF)
    assert await assert_maintained_agrees(db) == 3


async def test_the_migration_backfills_the_maintained_catalogue(db: Database) -> None:
    """V0013 judges a graph written before it by the rule, at the present, and stores the next moments."""
    now = datetime.now(UTC)
    works, given = random_graph(random.Random(5), 60, base=now)
    await db.run_write(WRITE, {"creators": CREATORS, "works": works})
    await db.run_write(CONSENTS, {"consents": given})
    await db.run_write("MATCH (m:Migration {version: 13}) DELETE m")
    assert await migrate(db) == ["V0013__licensable_catalogue.cypher"]
    assert await assert_maintained_agrees(db) > 0
    expected_due = {}
    for wid, f in expected_facts(works, given).items():
        moments = [
            t for h in f.holders for k in h.consents for t in (k.valid_from, k.revoked_at) if t and t > now
        ]
        if moments:
            expected_due[wid] = min(moments)
    due = {r["id"]: r["due"].to_native() for r in await db.run_read(LABELLED) if r["due"] is not None}
    assert due == expected_due


# --- the rule's plan when the index statistics are stale ---------------------------------------------------

MANY_HOLDERS = """
UNWIND range(0, $works - 1) AS i
CREATE (w:Work {id: 'pw' + i, title: 'pw' + i, title_search: 'pw' + i, status: 'ACTIVE'})
WITH w, i
UNWIND range(0, 2) AS j
MERGE (c:Creator {id: 'ph' + ((i * 3 + j) % $holders)})
CREATE (c)-[:HOLDS_SHARE {role: 'COMPOSER', performing_bp: 3000, mechanical_bp: 0,
                         synchronisation_bp: 0}]->(w)
"""
# Every creator, holder or not, opts in for the whole catalogue: many consents of one decision.
MANY_CONSENTS = """
UNWIND range(0, $creators - 1) AS i
MERGE (c:Creator {id: 'ph' + i})
CREATE (c)-[:GAVE]->(:Consent {id: 'pk' + i, decision: 'OPT_IN', catalogue: true,
  scopes: ['TRAINING', 'SERVICE_USE', 'OUTPUT_USE'], valid_from: datetime('2024-01-01T00:00:00Z')})
"""


async def db_hits(settings: Neo4jSettings, query: LiteralString, params: dict[str, Any]) -> int:
    driver = AsyncGraphDatabase.driver(settings.uri, auth=(settings.user, settings.password))
    try:
        async with driver.session(database=settings.database) as session:
            summary = await (await session.run("PROFILE " + query, params)).consume()
    finally:
        await driver.close()
    assert summary.profile is not None

    def hits(plan: dict[str, Any]) -> int:
        return int(plan.get("dbHits", 0)) + sum(hits(child) for child in plan.get("children", []))

    return hits(summary.profile)


async def test_the_rule_expands_from_each_holder_whatever_the_statistics(
    db: Database, neo4j_settings: Neo4jSettings
) -> None:
    """The consents' index statistics are sampled while there are none, then 2,000 consents are written
    and the rule planned afresh, as after a bulk import. The rule must still read each holder's own
    consents (a handful of db hits per holder), not seek every opt-in through the decision index for
    each holder: with `(c)-[:GAVE]->(k:Consent {decision: ...})` that cost ~2,000 hits a holder."""
    await db.run_autocommit("CALL db.resampleIndex('consent_decision')")
    await db.run_autocommit("CALL db.awaitIndexes(60)")
    await db.run_write(MANY_HOLDERS, {"works": 200, "holders": 600})
    await db.run_write(MANY_CONSENTS, {"creators": 2_000})
    await db.run_autocommit("CALL db.clearQueryCaches()")
    now = datetime.now(UTC)
    ids = [f"pw{i}" for i in range(200)]
    refresh = licensable.REFRESH[Scope.TRAINING]
    hits = await db_hits(neo4j_settings, refresh, {"ids": ids, "scope": "TRAINING", "at": now})
    batch = await db_hits(
        neo4j_settings, rights.UNLICENSABLE_FACTS, {"ids": ids, "scope": "TRAINING", "at": now}
    )
    # 200 works x 3 holders; the old plan read ~2,000 consents for each of the 600 holder checks (> 1.2 M).
    assert hits < 200 * 3 * 60, hits
    assert batch < 200 * 3 * 60, batch
    total, _ = await licensable.licensable_works(db, Scope.TRAINING, now, WorkFilter(), 0, 10)
    assert total == 200
