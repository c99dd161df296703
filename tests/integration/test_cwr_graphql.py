"""CWR data through GraphQL: claims and disputes on one ISWC, publisher chains on a work."""

from __future__ import annotations

import json
from typing import Any

import pytest

from graph.database import Database, QueryCounter
from tests.conftest import shared_data
from tests.support import ADMIN_SECRET, GraphQLClient

pytestmark = pytest.mark.integration

IMPORT = "mutation($file: Upload!) { importCwr(file: $file) { worksCreated worksUnchanged worksRejected } }"
DISPUTE = """
query($iswc: String) {
  work(iswc: $iswc) {
    id
    shares { claim performingBp creator { id name } }
    dispute {
      status rights evidence resolvedBy claims { id status submitterWorkId performingBp mechanicalBp }
    }
  }
}
"""
RESOLVE = """
mutation($w: ID!, $keep: [ID!]!, $e: String!) {
  resolveWorkDispute(workId: $w, keepClaims: $keep, evidence: $e) { id dispute { status evidence } }
}
"""
ISWC = {"iswc": "T3005600277"}
DISPUTED = """
query($status: DisputeStatus, $first: Int) {
  disputedWorks(status: $status, first: $first) {
    totalCount
    edges { node { id title shares { claim performingBp } dispute { status rights evidence claims { id } } } }
  }
}
"""


async def upload(gql: GraphQLClient, name: str) -> dict[str, Any]:
    response = await gql.http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": IMPORT, "variables": {"file": None}}),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": (name, shared_data("cwr", name).read_bytes(), "application/octet-stream")},
        headers={"Authorization": f"Bearer {ADMIN_SECRET}"},
    )
    body: dict[str, Any] = response.json()["data"]["importCwr"]
    return body


async def test_two_registrations_of_one_iswc_are_claims_in_dispute_until_an_admin_resolves(
    gql: GraphQLClient, db: Database
) -> None:
    # The PRS acknowledgement of this file accepted both works, the same ISWC notwithstanding.
    assert await upload(gql, "dmp_CW220001000_DMP.V21") == {
        "worksCreated": 2,
        "worksUnchanged": 0,
        "worksRejected": 0,
    }
    work = (await gql(DISPUTE, ISWC, key=ADMIN_SECRET)).data["work"]
    dispute = work["dispute"]
    assert (dispute["status"], dispute["rights"]) == ("OPEN", ["PERFORMING", "MECHANICAL", "SYNCHRONISATION"])
    own, other = dispute["claims"]
    assert (own["id"], own["submitterWorkId"], other["submitterWorkId"]) == (
        work["id"],
        "MK000003",
        "MK000004",
    )
    assert (other["performingBp"], other["mechanicalBp"]) == (10000, 10000)
    assert sorted(share["claim"] is None for share in work["shares"]) == [False, False, True, True]
    assert (await db.run_read("MATCH (w:Work {iswc: 'T3005600277'}) RETURN w.disputed AS d"))[0]["d"] is True

    # The creators involved see the dispute on their works; the public does not.
    writer = next(s["creator"]["id"] for s in work["shares"] if s["creator"]["name"] == "TESTIC")
    creator_key = await gql.key_for("CREATOR", writer)
    seen = (await gql(DISPUTE, ISWC, key=creator_key)).data["work"]["dispute"]
    assert seen["status"] == "OPEN"
    await db.run_write("MERGE (:Licensee {id: 'lic-1', name: 'L'})")
    licensee = await gql.key_for("LICENSEE", "lic-1")
    assert (
        await gql("query($iswc: String) { work(iswc: $iswc) { dispute { status } } }", ISWC, key=licensee)
    ).codes == ["FORBIDDEN"]

    # The root list shows the open dispute with its evidence; a creator lists its own, another none.
    listed = (await gql(DISPUTED, {}, key=ADMIN_SECRET)).data["disputedWorks"]
    assert listed["totalCount"] == 1 and listed["edges"][0]["node"]["id"] == work["id"]
    assert listed["edges"][0]["node"]["dispute"]["rights"] == dispute["rights"]
    assert (await gql(DISPUTED, {}, key=creator_key)).data["disputedWorks"]["totalCount"] == 1
    await db.run_write("MERGE (:Creator {id: 'bystander', name: 'B'})")
    bystander = await gql.key_for("CREATOR", "bystander")
    assert (await gql(DISPUTED, {}, key=bystander)).data["disputedWorks"] == {"totalCount": 0, "edges": []}
    assert (await gql(DISPUTED, {}, key=licensee)).codes == ["FORBIDDEN"]

    # Importing again changes nothing: the claim is not a second overwrite.
    assert await upload(gql, "dmp_CW220001000_DMP.V21") == {
        "worksCreated": 0,
        "worksUnchanged": 2,
        "worksRejected": 0,
    }

    # Only an ADMIN resolves, with evidence, and what stands must be a valid split.
    variables = {"w": work["id"], "keep": [work["id"], other["id"]], "e": "both registered"}
    assert (await gql(RESOLVE, variables, key=creator_key)).codes == ["FORBIDDEN"]
    refused = await gql(RESOLVE, variables, key=ADMIN_SECRET)
    assert refused.codes == ["BAD_USER_INPUT"] and "performing 200.00 %" in refused.messages[0]
    evidence = "PRS acknowledgement: MK000004 duplicates MK000003"
    resolved = await gql(RESOLVE, {**variables, "keep": [work["id"]], "e": evidence}, key=ADMIN_SECRET)
    assert resolved.data["resolveWorkDispute"]["dispute"] == {"status": "RESOLVED", "evidence": evidence}
    after = (await gql(DISPUTE, ISWC, key=ADMIN_SECRET)).data["work"]
    assert [c["status"] for c in after["dispute"]["claims"]] == ["ACCEPTED", "REJECTED"]
    assert {s["claim"] for s in after["shares"]} == {None}
    facts = await db.run_read("MATCH (w:Work {iswc: 'T3005600277'}) RETURN w.disputed AS d")
    assert facts[0]["d"] is False
    audited = await db.run_read(
        "MATCH (e:AuditEvent) WHERE e.action CONTAINS 'resolveWorkDispute' RETURN count(e) AS n"
    )
    assert audited[0]["n"] == 1
    # The rejected claim, imported again unchanged, stays rejected.
    await upload(gql, "dmp_CW220001000_DMP.V21")
    again = (await gql(DISPUTE, ISWC, key=ADMIN_SECRET)).data["work"]["dispute"]
    assert again["status"] == "RESOLVED"
    assert (await gql(DISPUTED, {}, key=ADMIN_SECRET)).data["disputedWorks"]["totalCount"] == 0
    resolved_list = (await gql(DISPUTED, {"status": "RESOLVED"}, key=ADMIN_SECRET)).data["disputedWorks"]
    assert [e["node"]["dispute"]["evidence"] for e in resolved_list["edges"]] == [evidence]


async def test_disputed_works_cost_the_same_number_of_queries_for_1_and_6(
    gql: GraphQLClient, db: Database
) -> None:
    await upload(gql, "mmedi_CW190001MPC_000.V21")
    await db.run_write(
        "MATCH (w:Work) WITH w ORDER BY w.id LIMIT 6 "
        "CREATE (:Claim {id: 'k:' + w.id, status: 'ACTIVE'})-[:CLAIMS]->(w) "
        "SET w.disputed = true, w.disputed_rights = ['PERFORMING']"
    )
    counts = {}
    for first in (1, 6):
        async with QueryCounter.counting() as box:
            result = await gql(DISPUTED, {"first": first}, key=ADMIN_SECRET)
        page = result.data["disputedWorks"]
        assert page["totalCount"] == 6 and len(page["edges"]) == first
        assert all(e["node"]["dispute"]["status"] == "OPEN" and e["node"]["shares"] for e in page["edges"])
        counts[first] = box[0]
    assert counts[1] == counts[6], counts


CHAINS = """
query($iswc: String, $id: ID) {
  work(iswc: $iswc, id: $id) {
    publisherChains {
      number writers { name firstName }
      members { roleCode creator { name } territories { tisCode included performingBp mechanicalBp } }
    }
  }
}
"""


async def test_publisher_chains_are_stored_as_edges_and_shown_on_the_work(
    gql: GraphQLClient, db: Database
) -> None:
    await upload(gql, "weso_nwrexample2.V21")
    work_id = "cwr:000000199:CLAIMDIGITAL01"
    (chain,) = (await gql(CHAINS, {"id": work_id}, key=ADMIN_SECRET)).data["work"]["publisherChains"]
    assert chain == {
        "number": 1,
        "writers": [{"name": "DOE", "firstName": "JOHN"}],
        "members": [
            {"roleCode": "E", "creator": {"name": "THE PUBLISHER"}, "territories": []},
            {
                "roleCode": "AM",
                "creator": {"name": "THE SENDER"},
                "territories": [
                    {"tisCode": 2136, "included": True, "performingBp": 2500, "mechanicalBp": 5000}
                ],
            },
        ],
    }
    # The public catalogue does not show who collects where.
    await db.run_write("MERGE (:Vendor {id: 'v-1', name: 'V'})")
    vendor = await gql.key_for("VENDOR", "v-1")
    assert (await gql(CHAINS, {"id": work_id}, key=vendor)).codes == ["FORBIDDEN"]
    # Importing again leaves the chain as it was: one chain, not two.
    await upload(gql, "weso_nwrexample2.V21")
    assert len((await gql(CHAINS, {"id": work_id}, key=ADMIN_SECRET)).data["work"]["publisherChains"]) == 1
