"""The Cypher catalogue filter and the fact-gathering query agree with registry.rights on a random graph."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from graph.database import Database, QueryCounter
from graph.stores import rights
from graph.stores.catalogue import WorkFilter
from registry.rights import ConsentFacts, Decision, HolderFacts, Scope, WorkFacts, WorkState, check

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


def random_graph(rng: random.Random, n_works: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
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
                "valid_from": day(start),
                "revoked_at": day(start + rng.randint(0, 10)) if rng.random() < 0.4 else None,
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
