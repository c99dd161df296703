from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from graph.database import Database
from tests.integration.licensing_graph import (
    FIRST_LICENCE,
    GIVE,
    add_creator,
    add_work,
    admin,
    consent_for,
    grant,
    setup_licence,
)
from tests.support import ADMIN_SECRET, GraphQLClient

pytestmark = pytest.mark.integration

CHECK = """
query($w: ID, $iswc: String, $g: ID, $l: ID, $s: Scope!, $at: DateTime, $u: Use) {
  rightsCheck(workId: $w, iswc: $iswc, grantId: $g, licenseeId: $l, scope: $s, at: $at, use: $u) {
    licensable grantId reasons { code holderId grantId message } work { title }
  }
}
"""
REVOKE = "mutation($id: ID!, $e: String) { revokeConsent(id: $id, evidence: $e) { id revokedAt validFrom } }"
HISTORY = """
query($c: ID, $w: ID, $r: Boolean! = true) {
  consents(creatorId: $c, workId: $w, includeRevoked: $r) {
    totalCount edges { node { id decision catalogue revokedAt creator { id } work { id } } }
  }
}
"""
GRANTS = "query($l: ID) { grants(licenseeId: $l) { totalCount edges { node { id licensee { id } } } } }"


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def verdict(gql: GraphQLClient, key: str = ADMIN_SECRET, **variables: Any) -> dict[str, Any]:
    variables.setdefault("s", "TRAINING")
    result: dict[str, Any] = (await gql(CHECK, variables, key=key)).data["rightsCheck"]
    return result


async def test_revocation_is_not_retroactive_and_history_is_kept(gql: GraphQLClient, db: Database) -> None:
    await add_work(db, "w1", {"alice": 5000, "bob": 5000})
    await consent_for(gql, "k-alice", "alice", work_id="w1")
    await consent_for(gql, "k-bob", "bob")  # catalogue-wide
    before = datetime(2024, 6, 1, tzinfo=UTC)
    assert (await verdict(gql, w="w1", at=iso(before)))["licensable"] is True

    alice = await gql.key_for("CREATOR", "alice")
    revoked = (await gql(REVOKE, {"id": "k-alice"}, key=alice)).data["revokeConsent"]
    again = (await gql(REVOKE, {"id": "k-alice"}, key=alice)).data["revokeConsent"]
    assert revoked["revokedAt"] == again["revokedAt"]  # the first revocation's time stands

    assert (await verdict(gql, w="w1", at=iso(before)))["licensable"] is True
    after = await verdict(gql, w="w1", at=iso(datetime.now(UTC) + timedelta(seconds=1)))
    assert after["licensable"] is False
    assert [(r["code"], r["holderId"]) for r in after["reasons"]] == [("CONSENT_REVOKED", "alice")]

    history = (await gql(HISTORY, {"w": "w1"}, key=ADMIN_SECRET)).data["consents"]
    assert history["totalCount"] == 2
    nodes = {e["node"]["id"]: e["node"] for e in history["edges"]}
    assert nodes["k-alice"]["revokedAt"] and nodes["k-alice"]["work"] == {"id": "w1"}
    assert nodes["k-bob"]["catalogue"] is True and nodes["k-bob"]["creator"] == {"id": "bob"}
    active = (await gql(HISTORY, {"w": "w1", "r": False}, key=ADMIN_SECRET)).data["consents"]
    assert active["totalCount"] == 1
    count = await db.run_read("MATCH (k:Consent) RETURN count(k) AS n")
    assert count[0]["n"] == 2  # revocation keeps the node


async def test_creator_consents_for_itself_only(gql: GraphQLClient, db: Database) -> None:
    await add_work(db, "w1", {"alice": 5000, "bob": 5000})
    alice = await gql.key_for("CREATOR", "alice")
    own = {"id": "c1", "workId": "w1", "scopes": ["TRAINING"]}
    given = await gql(GIVE, {"i": own}, key=alice)
    assert given.data["giveConsent"]["id"] == "c1"
    other = await gql(GIVE, {"i": {**own, "id": "c2", "creatorId": "bob"}}, key=alice)
    assert other.codes == ["NOT_FOUND"] and other.body["data"] is None

    await consent_for(gql, "k-bob", "bob", work_id="w1")
    foreign = await gql(REVOKE, {"id": "k-bob"}, key=alice)
    missing = await gql(REVOKE, {"id": "nope"}, key=alice)
    assert foreign.codes == missing.codes == ["NOT_FOUND"]
    assert foreign.messages[0].replace("k-bob", "X") == missing.messages[0].replace("nope", "X")

    mine = (await gql(HISTORY, {}, key=alice)).data["consents"]
    assert [e["node"]["id"] for e in mine["edges"]] == ["c1"]
    assert (await gql(HISTORY, {"c": "bob"}, key=alice)).codes == ["NOT_FOUND"]


async def test_admin_needs_evidence_and_inputs_are_checked(gql: GraphQLClient, db: Database) -> None:
    await add_work(db, "w1", {"alice": 10000})
    await add_creator(db, "carol")
    base = {"id": "c1", "creatorId": "alice", "workId": "w1", "scopes": ["TRAINING"]}
    no_evidence = await gql(GIVE, {"i": base}, key=ADMIN_SECRET)
    assert no_evidence.codes == ["BAD_USER_INPUT"] and "evidence" in no_evidence.messages[0]
    cases: list[tuple[dict[str, Any], str]] = [
        ({**base, "scopes": []}, "at least one scope"),
        ({**base, "catalogue": True}, "either workId"),
        ({**base, "creatorId": "carol"}, "holds no share"),
    ]
    for payload, fragment in cases:
        result = await gql(GIVE, {"i": {**payload, "evidence": "letter"}}, key=ADMIN_SECRET)
        assert result.codes == ["BAD_USER_INPUT"] and fragment in result.messages[0], result.messages
    alice = await gql.key_for("CREATOR", "alice")
    backdated = await gql(
        GIVE, {"i": {**base, "creatorId": None, "validFrom": "2020-01-01T00:00:00Z"}}, key=alice
    )
    assert backdated.codes == ["BAD_USER_INPUT"] and "in the past" in backdated.messages[0]
    assert (await gql(GIVE, {"i": {**base, "creatorId": None}})).codes == ["UNAUTHENTICATED"]


async def test_retries_never_duplicate(gql: GraphQLClient, db: Database) -> None:
    await add_work(db, "w1", {"alice": 10000})
    await setup_licence(gql)
    await setup_licence(gql)
    for _ in range(2):
        await consent_for(gql, "k1", "alice", work_id="w1")
        await grant(gql, "g1")
    counts = await db.run_read(
        "MATCH (n) WHERE n:Consent OR n:Grant OR n:Licence OR n:LicenceVersion OR n:Licensee "
        "RETURN labels(n)[0] AS label, count(n) AS n, "
        "sum(COUNT { (n)--() }) AS edges ORDER BY label"
    )
    assert [(r["label"], r["n"]) for r in counts] == [
        ("Consent", 1),
        ("Grant", 1),
        ("Licence", 1),
        ("LicenceVersion", 1),
        ("Licensee", 1),
    ]
    assert {r["label"]: r["edges"] for r in counts}["Consent"] == 2  # GAVE and COVERS, once each
    reused = await gql(
        GIVE,
        {"i": {"id": "k1", "creatorId": "alice", "catalogue": True, "scopes": ["TRAINING"], "evidence": "x"}},
        key=ADMIN_SECRET,
    )
    assert reused.codes == ["CONFLICT"] and "different" in reused.messages[0]
    other_terms = await gql(
        "mutation($i: AddLicenceVersionInput!) { addLicenceVersion(input: $i) { id } }",
        {"i": {**FIRST_LICENCE, "serviceRate": "0.2"}},
        key=ADMIN_SECRET,
    )
    assert other_terms.codes == ["CONFLICT"]


async def test_grant_reasons_and_licensee_sees_own_grants(gql: GraphQLClient, db: Database) -> None:
    await add_work(db, "w1", {"alice": 10000}, iswc="T0345246801")
    await consent_for(gql, "k1", "alice")
    await setup_licence(gql, "lic-1")
    await setup_licence(gql, "lic-2")
    await grant(gql, "g-old", valid_to="2024-06-01T00:00:00Z")
    await grant(gql, "g1")
    await grant(gql, "g-other", licensee_id="lic-2")
    now = iso(datetime.now(UTC) + timedelta(seconds=1))

    expired = await verdict(gql, w="w1", g="g-old", at=now)
    assert [r["code"] for r in expired["reasons"]] == ["GRANT_EXPIRED"] and expired["reasons"][0][
        "grantId"
    ] == "g-old"
    ok = await verdict(gql, iswc="T-034.524.680-1", l="lic-1", at=now)
    assert ok["licensable"] is True and ok["grantId"] == "g1"
    excluded = await verdict(gql, w="w1", g="g1", s="OUTPUT_USE", u="ADVERTISING", at=now)
    assert [r["code"] for r in excluded["reasons"]] == ["USE_EXCLUDED"]

    suspend = (
        'mutation($id: ID!) { suspendGrant(id: $id, reason: "audit") { status suspensions { since until } } }'
    )
    suspended = (await admin(gql, suspend, {"id": "g1"}))["suspendGrant"]
    assert suspended["status"] == "SUSPENDED" and suspended["suspensions"][0]["until"] is None
    later = iso(datetime.now(UTC) + timedelta(seconds=1))
    assert [r["code"] for r in (await verdict(gql, w="w1", g="g1", at=later))["reasons"]] == [
        "GRANT_SUSPENDED"
    ]
    assert (await verdict(gql, w="w1", g="g1", at="2025-01-01T00:00:00Z"))[
        "licensable"
    ] is True  # not retroactive
    await admin(gql, "mutation($id: ID!) { reinstateGrant(id: $id) { status } }", {"id": "g1"})
    await admin(gql, "mutation($id: ID!) { revokeGrant(id: $id) { status } }", {"id": "g1"})
    latest = iso(datetime.now(UTC) + timedelta(seconds=1))
    assert [r["code"] for r in (await verdict(gql, w="w1", g="g1", at=latest))["reasons"]] == [
        "GRANT_REVOKED"
    ]
    final = await gql('mutation { suspendGrant(id: "g1") { status } }', key=ADMIN_SECRET)
    assert final.codes == ["CONFLICT"]

    lic = await gql.key_for("LICENSEE", "lic-1")
    own = (await gql(GRANTS, {}, key=lic)).data["grants"]
    assert sorted(e["node"]["id"] for e in own["edges"]) == ["g-old", "g1"]
    assert (await gql(GRANTS, {"l": "lic-2"}, key=lic)).codes == ["NOT_FOUND"]
    foreign = await gql('{ grant(id: "g-other") { id } }', key=lic)
    missing = await gql('{ grant(id: "nope") { id } }', key=lic)
    assert foreign.codes == missing.codes == ["NOT_FOUND"] and foreign.body["data"] is None
    under_foreign = await gql(CHECK, {"w": "w1", "g": "g-other", "s": "TRAINING"}, key=lic)
    assert under_foreign.codes == ["NOT_FOUND"]
    assert (await gql(GRANTS, {})).codes == ["UNAUTHENTICATED"]
    creator = await gql.key_for("CREATOR", "alice")
    assert (await gql(GRANTS, {}, key=creator)).codes == ["FORBIDDEN"]


async def test_declined_work_and_withdrawn_work(gql: GraphQLClient, db: Database) -> None:
    await add_work(db, "w1", {"alice": 5000, "bob": 5000})
    await add_work(db, "w2", {"alice": 10000}, status="WITHDRAWN")
    await consent_for(gql, "k-a", "alice")
    await consent_for(gql, "k-b", "bob")
    bob = await gql.key_for("CREATOR", "bob")
    decline = "mutation($i: DeclineWorkInput!) { declineWork(input: $i) { decision scopes } }"
    declined = (await gql(decline, {"i": {"id": "d1", "workId": "w1"}}, key=bob)).data["declineWork"]
    assert declined == {"decision": "DECLINE", "scopes": ["OUTPUT_USE", "SERVICE_USE", "TRAINING"]}
    result = await verdict(gql, w="w1")
    assert [(r["code"], r["holderId"]) for r in result["reasons"]] == [("WORK_DECLINED", "bob")]
    assert [r["code"] for r in (await verdict(gql, w="w2"))["reasons"]] == ["WORK_WITHDRAWN"]
    # a creator checks its own works, and no one else's
    assert (await verdict(gql, key=bob, w="w1"))["licensable"] is False
    assert (await gql(CHECK, {"w": "w2", "s": "TRAINING"}, key=bob)).codes == ["NOT_FOUND"]


async def test_catalogue_consent_covers_a_work_added_later(gql: GraphQLClient, db: Database) -> None:
    await add_creator(db, "alice")
    await consent_for(gql, "k-cat", "alice")
    await add_work(db, "later", {"alice": 10000})
    assert (await verdict(gql, w="later"))["licensable"] is True
    listed = await gql(
        "query($s: Scope!) { licensableWorks(scope: $s) { totalCount edges { node { id } } } }",
        {"s": "TRAINING"},
        key=ADMIN_SECRET,
    )
    assert listed.data["licensableWorks"] == {"totalCount": 1, "edges": [{"node": {"id": "later"}}]}


async def test_licensable_catalogue_filters_and_pages(gql: GraphQLClient, db: Database) -> None:
    for i in range(5):
        await add_work(db, f"w{i}", {"alice": 10000}, title=f"Blue {i}")
    await add_work(db, "red", {"alice": 5000, "bob": 5000}, title="Red", iswc="T0345246801")
    await add_work(db, "none", {"carol": 10000}, title="Blue none")
    await consent_for(gql, "k-a", "alice")
    await consent_for(gql, "k-b", "bob")
    await setup_licence(gql)
    await grant(gql, "g1")
    query = """
    query($f: LicensableWorksFilter, $a: String, $g: ID, $u: Use) {
      licensableWorks(scope: OUTPUT_USE, filter: $f, first: 2, after: $a, grantId: $g, use: $u) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id title } }
      }
    }
    """
    lic = await gql.key_for("LICENSEE", "lic-1")
    page = (await gql(query, {"f": {"title": "blue"}, "g": "g1"}, key=lic)).data["licensableWorks"]
    assert page["totalCount"] == 5 and page["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["id"] for e in page["edges"]] == ["w0", "w1"]
    rest = (await gql(query, {"f": {"title": "blue"}, "a": page["pageInfo"]["endCursor"]}, key=lic)).data
    assert [e["node"]["id"] for e in rest["licensableWorks"]["edges"]] == ["w2", "w3"]
    by_iswc = (await gql(query, {"f": {"iswc": "T-034.524.680-1"}}, key=lic)).data["licensableWorks"]
    assert [e["node"]["id"] for e in by_iswc["edges"]] == ["red"]
    by_creator = (await gql(query, {"f": {"creatorId": "bob"}}, key=lic)).data["licensableWorks"]
    assert by_creator["totalCount"] == 1
    excluded = (await gql(query, {"g": "g1", "u": "FILM"}, key=lic)).data["licensableWorks"]
    assert excluded["totalCount"] == 0
    bad = await gql(query, {"f": {"iswc": "T-034.524.680-2"}}, key=lic)
    assert bad.codes == ["BAD_USER_INPUT"]
    assert (await gql(query, {})).codes == ["UNAUTHENTICATED"]


async def test_licences_and_terms_are_exact(gql: GraphQLClient, db: Database) -> None:
    await setup_licence(gql)
    terms = await gql(
        "{ licences { totalCount edges { node { id versions { version trainingFee serviceRate outputRate "
        "excludedUses scopes streamRights { stream right } } } } } }",
        key=await gql.key_for("AUDITOR"),
    )
    version = terms.data["licences"]["edges"][0]["node"]["versions"][0]
    assert version["trainingFee"] == "12000.00" and version["serviceRate"] == "0.15"
    assert version["outputRate"] == "0.1" and version["excludedUses"] == ["ADVERTISING", "FILM", "TV"]
    bad_rate = await gql(
        "mutation($i: AddLicenceVersionInput!) { addLicenceVersion(input: $i) { id } }",
        {"i": {**FIRST_LICENCE, "id": "v2", "version": "2", "outputRate": "0.1e1"}},
        key=ADMIN_SECRET,
    )
    assert bad_rate.codes == ["BAD_USER_INPUT"] and "decimal string" in bad_rate.messages[0]
    await add_creator(db, "x")
    bad_period = await gql(
        "mutation($i: CreateGrantInput!) { createGrant(input: $i) { id } }",
        {
            "i": {
                "id": "g",
                "licenseeId": "lic-1",
                "licenceVersionId": "cal",
                "modelName": "m",
                "modelVersion": "1",
                "validFrom": "2025-01-01T00:00:00Z",
                "validTo": "2024-01-01T00:00:00Z",
            }
        },
        key=ADMIN_SECRET,
    )
    assert (
        bad_period.codes == ["BAD_USER_INPUT"] and "validTo must be after validFrom" in bad_period.messages[0]
    )
