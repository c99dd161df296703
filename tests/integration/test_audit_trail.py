from __future__ import annotations

import itertools
from typing import Any

import pytest

from graph.database import Database
from graph.stores.audit import events as audit_events
from registry.audit import event_hash
from tests.support import ADMIN_SECRET, GraphQLClient

pytestmark = pytest.mark.integration
EVENTS = """
query($s: ID) { auditEvents(subjectId: $s, first: 50) {
  totalCount edges { node { seq actor role via action subjectIds requestId inputDigest prevHash hash } } } }
"""
VERIFY = "{ verifyAuditTrail { eventsChecked intact firstBreakSeq problem } }"


async def make_events(gql: GraphQLClient, count: int) -> None:
    for _ in range(count):
        await gql.key_for("AUDITOR")


async def test_each_mutation_appends_a_chained_event(gql: GraphQLClient) -> None:
    await make_events(gql, 3)
    edges = (await gql(EVENTS, key=ADMIN_SECRET)).data["auditEvents"]["edges"]
    events = [e["node"] for e in reversed(edges)]
    assert [e["seq"] for e in events] == [1, 2, 3]
    assert {(e["actor"], e["role"], e["via"], e["action"]) for e in events} == {
        ("bootstrap-admin", "ADMIN", "GRAPHQL", "Mutation.createApiKey")
    }
    assert all(a["hash"] == b["prevHash"] for a, b in itertools.pairwise(events))
    assert all(len(e["inputDigest"]) == 64 and e["requestId"] != "-" for e in events)
    verified = (await gql(VERIFY, key=ADMIN_SECRET)).data["verifyAuditTrail"]
    assert verified == {"eventsChecked": 3, "intact": True, "firstBreakSeq": None, "problem": None}


async def test_failed_mutation_leaves_no_event(gql: GraphQLClient, db: Database) -> None:
    result = await gql(
        'mutation { createApiKey(input: {role: LICENSEE, name: "x", scopeId: "nobody"}) { secret } }',
        key=ADMIN_SECRET,
    )
    assert result.codes == ["NOT_FOUND"]
    assert (await db.run_read("MATCH (e:AuditEvent) RETURN count(e) AS n"))[0]["n"] == 0


@pytest.mark.parametrize(
    ("tamper", "seq", "problem"),
    [
        ("MATCH (e:AuditEvent {seq: 2}) SET e.actor = 'someone-else'", 2, "EDITED"),
        ("MATCH (e:AuditEvent {seq: 2}) DETACH DELETE e", 2, "REMOVED"),
        ("MATCH (e:AuditEvent {seq: 4}) DETACH DELETE e", 4, "REMOVED"),
    ],
)
async def test_verify_names_the_first_tampered_event(
    gql: GraphQLClient, db: Database, tamper: str, seq: int, problem: str
) -> None:
    await make_events(gql, 4)
    await db.run_write(tamper)
    _checked, broken = await audit_events.verify(db)
    assert broken is not None and (broken.seq, broken.problem) == (seq, problem)
    result = (await gql(VERIFY, key=ADMIN_SECRET)).data["verifyAuditTrail"]
    assert result["intact"] is False and result["firstBreakSeq"] == seq


async def test_trail_is_for_admins_and_auditors(gql: GraphQLClient, db: Database) -> None:
    await db.run_write("MERGE (:Creator {id: 'c-1', name: 'A'})")
    creator = await gql.key_for("CREATOR", "c-1")
    assert (await gql(EVENTS, key=creator)).codes == ["FORBIDDEN"]
    auditor = await gql.key_for("AUDITOR")
    assert (await gql(EVENTS, key=auditor)).data["auditEvents"]["totalCount"] == 2


async def test_verify_detects_a_forged_event_with_its_own_valid_hash(
    gql: GraphQLClient, db: Database
) -> None:
    await make_events(gql, 2)
    forged: dict[str, Any] = {
        "seq": 3,
        "at": "2026-01-01T00:00:00+00:00",
        "actor": "forger",
        "role": "ADMIN",
        "via": "GRAPHQL",
    }
    forged |= {"action": "Mutation.forged", "subject_ids": [], "request_id": "x", "input_digest": ""}
    forged |= {"prev_hash": "f" * 64}
    forged["hash"] = event_hash(forged["prev_hash"], forged)
    await db.run_write("CREATE (e:AuditEvent) SET e = $e", {"e": forged})
    _, broken = await audit_events.verify(db)
    assert broken is not None and (broken.seq, broken.problem) == (3, "INSERTED")


PAGE = """
query($after: String) { auditEvents(first: 2, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { seq } } } }
"""


async def test_pages_follow_the_sequence_while_the_trail_grows(gql: GraphQLClient) -> None:
    await make_events(gql, 3)
    first = (await gql(PAGE, key=ADMIN_SECRET)).data["auditEvents"]
    assert [e["node"]["seq"] for e in first["edges"]] == [3, 2]
    assert first["pageInfo"]["hasNextPage"] and first["totalCount"] == 3
    await make_events(gql, 2)  # appended between two pages: the next page is unmoved by them
    after = {"after": first["pageInfo"]["endCursor"]}
    second = (await gql(PAGE, after, key=ADMIN_SECRET)).data["auditEvents"]
    assert [e["node"]["seq"] for e in second["edges"]] == [1]
    assert not second["pageInfo"]["hasNextPage"] and second["totalCount"] == 5
