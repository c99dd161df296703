"""Attribution over GraphQL on the real Neo4j: vendors, engagement, submission, visibility, N+1 guard."""

from __future__ import annotations

import json
from typing import Any

import tests.attribution_samples as samples
from graph.database import Database, QueryCounter
from graph.stores.system.api_keys import ensure_bootstrap_admin
from tests.conftest import WIPE
from tests.integration.attribution_graph import add_output, count, world
from tests.integration.licensing_graph import add_work
from tests.support import ADMIN_SECRET, GraphQLClient

CREATE_VENDOR = """
mutation($i: CreateVendorInput!) { createVendor(input: $i) { vendor { id name format } webhookSecret } }
"""
ENGAGE = """
mutation($l: ID!, $v: ID!, $d: Boolean!) {
  engageVendor(licenseeId: $l, vendorId: $v, designated: $d) { licenseeId vendorId designated }
}
"""
SUBMIT = """
mutation($f: AttributionFormat!, $p: JSON) {
  submitAttributionReport(format: $f, payload: $p) {
    reports {
      duplicate current
      report {
        id digest via current vendorId outputId unattributedComposition
        influences { rightType score confidence matchedBy targetId work { id title } recording { isrc } }
        unmatched { reasonCode reason score reference { title creators } }
        flags { code workId }
      }
    }
  }
}
"""
REPORTS = """
query($o: ID, $s: Boolean!, $first: Int) {
  attributionReports(outputId: $o, includeSuperseded: $s, first: $first) {
    totalCount
    edges { node { id vendorId current influences { score work { id title } recording { id } } } }
  }
}
"""
ONE = "query($id: ID!) { attributionReport(id: $id) { id vendorId } }"
COUNTING = "query($o: ID!) { countingAttributionReport(outputId: $o) { id vendorId } }"


async def _vendor_key(gql: GraphQLClient, vendor_id: str) -> str:
    return await gql.key_for("VENDOR", vendor_id)


async def _submit(gql: GraphQLClient, key: str, fmt: str, payload: Any) -> dict[str, Any]:
    result = await gql(SUBMIT, {"f": fmt, "p": payload}, key=key)
    reports: list[dict[str, Any]] = result.data["submitAttributionReport"]["reports"]
    assert len(reports) == 1
    return reports[0]


async def test_create_vendor_returns_its_secret_once(db: Database, gql: GraphQLClient) -> None:
    variables = {"i": {"id": "ven_sureel", "name": "Sureel", "format": "SUREEL"}}
    first = (await gql(CREATE_VENDOR, variables, key=ADMIN_SECRET)).data["createVendor"]
    assert first["webhookSecret"].startswith("whsec_") and len(first["webhookSecret"]) == 70
    again = (await gql(CREATE_VENDOR, variables, key=ADMIN_SECRET)).data["createVendor"]
    assert again == {"vendor": first["vendor"], "webhookSecret": None}
    changed = {"i": {"id": "ven_sureel", "name": "Other", "format": "SUREEL"}}
    assert (await gql(CREATE_VENDOR, changed, key=ADMIN_SECRET)).codes == ["CONFLICT"]


async def test_engagement_by_admin_or_the_licensee_itself(db: Database, gql: GraphQLClient) -> None:
    await add_output(db, "out_01", licensee_id="lic-1")
    await add_output(db, "out_02", licensee_id="lic-2", content_hash="b" * 64)
    made = await gql(
        CREATE_VENDOR, {"i": {"id": "vx", "name": "X", "format": "GENERIC_JSON"}}, key=ADMIN_SECRET
    )
    assert made.data["createVendor"]["vendor"] == {"id": "vx", "name": "X", "format": "GENERIC_JSON"}
    own = await gql.key_for("LICENSEE", "lic-1")
    done = await gql(ENGAGE, {"l": "lic-1", "v": "vx", "d": True}, key=own)
    assert done.data["engageVendor"] == {"licenseeId": "lic-1", "vendorId": "vx", "designated": True}
    assert (await gql(ENGAGE, {"l": "lic-2", "v": "vx", "d": True}, key=own)).codes == ["NOT_FOUND"]
    assert (await gql(ENGAGE, {"l": "lic-2", "v": "nope", "d": False}, key=ADMIN_SECRET)).codes == [
        "NOT_FOUND"
    ]
    vendor = await _vendor_key(gql, "vx")
    assert (await gql(ENGAGE, {"l": "lic-1", "v": "vx", "d": True}, key=vendor)).codes == ["FORBIDDEN"]


async def test_submission_stores_the_report_with_matched_and_unmatched(
    db: Database, gql: GraphQLClient
) -> None:
    await world(db, vendor_ids=("ven_sureel",))
    key = await _vendor_key(gql, "ven_sureel")
    text = json.dumps(samples.SUREEL_RESULT)
    stored = await _submit(gql, key, "SUREEL", text)
    report = stored["report"]
    assert (stored["duplicate"], stored["current"], report["via"], report["vendorId"]) == (
        False,
        True,
        "GRAPHQL",
        "ven_sureel",
    )
    assert [(i["matchedBy"], i["targetId"], i["score"]) for i in report["influences"]] == [
        ("ISWC", "w-first", "0.315"),
        ("TITLE_CREATORS", "w-third", "0.0825"),
        ("ISRC", "rec-first", "0.22"),
    ]
    assert report["influences"][0]["work"] == {"id": "w-first", "title": "First Song"}
    assert report["influences"][2]["recording"] == {"isrc": "GBAYE6700001"}
    assert report["unmatched"] == []
    assert report["unattributedComposition"] == "0.6025"
    assert report["flags"] == [{"code": "WORK_DECLINED", "workId": "w-third"}]

    # The same report as a JSON object (numbers and all) is the same canonical report: stored once.
    again = await _submit(gql, key, "SUREEL", samples.SUREEL_RESULT)
    assert again["duplicate"] and again["report"]["id"] == report["id"]
    assert await count(db, "AttributionReport") == 1


async def test_unengaged_vendor_is_answered_as_for_a_missing_output_and_nothing_is_stored(
    db: Database, gql: GraphQLClient
) -> None:
    await world(db, vendor_ids=("ven_sureel",))
    made = await gql(
        CREATE_VENDOR, {"i": {"id": "ven_other", "name": "O", "format": "SUREEL"}}, key=ADMIN_SECRET
    )
    assert made.data["createVendor"]["vendor"] == {"id": "ven_other", "name": "O", "format": "SUREEL"}
    key = await _vendor_key(gql, "ven_other")
    result = await gql(SUBMIT, {"f": "SUREEL", "p": json.dumps(samples.SUREEL_RESULT)}, key=key)
    # As for an output that does not exist: the vendor learns nothing of the licensee's outputs.
    assert result.codes == ["NOT_FOUND"] and "that you may report on" in result.messages[0], result.body
    bad = await gql(SUBMIT, {"f": "SUREEL", "p": '{"status": "running"}'}, key=key)
    assert bad.codes == ["BAD_USER_INPUT"] and "completed" in bad.messages[0]
    admin = await gql(SUBMIT, {"f": "SUREEL", "p": "{}"}, key=ADMIN_SECRET)
    assert admin.codes == ["FORBIDDEN"]
    assert await count(db, "AttributionReport") == 0


async def test_csv_payload_and_unmatched_reasons(db: Database, gql: GraphQLClient) -> None:
    await world(db, vendor_ids=("vendor_x",))
    key = await _vendor_key(gql, "vendor_x")
    csv = (
        "report_id,output_id,method,method_version,computed_at,right_type,iswc,title,creators,score\n"
        "c-1,out_01,m,1,2025-06-01T09:30:00Z,COMPOSITION,T-034.524.680-1,,,40%\n"
        "c-1,out_01,m,1,2025-06-01T09:30:00Z,COMPOSITION,,Lost Song,Nobody,0.1\n"
    )
    stored = await _submit(gql, key, "GENERIC_CSV", csv)
    assert [i["targetId"] for i in stored["report"]["influences"]] == ["w-first"]
    assert stored["report"]["unmatched"] == [
        {
            "reasonCode": "NO_MATCH",
            "reason": "no registered work is titled 'Lost Song' with a creator named Nobody",
            "score": "0.1",
            "reference": {"title": "Lost Song", "creators": ["Nobody"]},
        }
    ]


async def test_who_reads_which_reports(db: Database, gql: GraphQLClient) -> None:
    await world(db, vendor_ids=("vendor_x", "vendor_y"))
    x, y = await _vendor_key(gql, "vendor_x"), await _vendor_key(gql, "vendor_y")
    payload = dict(samples.canonical_report())
    del payload["vendor_id"]
    rx = (await _submit(gql, x, "GENERIC_JSON", json.dumps(payload)))["report"]
    payload["computed_at"] = "2025-06-02T00:00:00Z"
    ry = (await _submit(gql, y, "GENERIC_JSON", json.dumps(payload)))["report"]

    async def visible(key: str) -> list[str]:
        data = (await gql(REPORTS, {"o": "out_01", "s": True}, key=key)).data["attributionReports"]
        return [e["node"]["id"] for e in data["edges"]]

    assert await visible(x) == [rx["id"]]
    assert await visible(y) == [ry["id"]]
    assert await visible(ADMIN_SECRET) == [ry["id"], rx["id"]]
    assert await visible(await gql.key_for("LICENSEE", "lic-1")) == [ry["id"], rx["id"]]
    await add_output(db, "out_02", licensee_id="lic-2", content_hash="c" * 64)
    stranger = await gql.key_for("LICENSEE", "lic-2")
    assert (await gql(REPORTS, {"o": None, "s": True}, key=stranger)).data["attributionReports"][
        "edges"
    ] == []
    assert (await gql(ONE, {"id": rx["id"]}, key=y)).codes == ["NOT_FOUND"]
    assert (await gql(ONE, {"id": rx["id"]}, key=stranger)).codes == ["NOT_FOUND"]
    assert (await gql(ONE, {"id": rx["id"]}, key=x)).data["attributionReport"]["vendorId"] == "vendor_x"
    counting = await gql(COUNTING, {"o": "out_01"}, key=ADMIN_SECRET)
    assert counting.data["countingAttributionReport"] == {"id": rx["id"], "vendorId": "vendor_x"}


async def _report_with(gql: GraphQLClient, key: str, n: int, report_id: str, computed_at: str) -> None:
    influences = [
        {
            "reference": {"title": f"Song {i}", "creators": [f"Writer {i}"]},
            "right_type": "COMPOSITION",
            "score": "0.01",
        }
        for i in range(n)
    ]
    payload = {
        "vendor_report_id": report_id,
        "output_id": "out_01",
        "method": "m",
        "method_version": "1",
        "computed_at": computed_at,
        "influences": influences,
    }
    await _submit(gql, key, "GENERIC_JSON", json.dumps(payload))


async def _queries_for_listing(gql: GraphQLClient, n: int, db: Database) -> int:
    await world(db, vendor_ids=("vendor_x",))
    for i in range(n):
        await add_work(db, f"w-{i}", {f"Writer {i}": 10000}, title=f"Song {i}")
    key = await _vendor_key(gql, "vendor_x")
    await _report_with(gql, key, n, "r-old", "2025-06-01T00:00:00Z")
    await _report_with(gql, key, n, "r-new", "2025-06-02T00:00:00Z")
    async with QueryCounter.counting() as queries:
        result = await gql(REPORTS, {"o": "out_01", "s": True, "first": 10}, key=ADMIN_SECRET)
    nodes = [e["node"] for e in result.data["attributionReports"]["edges"]]
    assert [len(node["influences"]) for node in nodes] == [n, n]
    assert all(i["work"]["title"].startswith("Song") for node in nodes for i in node["influences"])
    return queries[0]


async def test_listing_with_nested_influences_is_not_n_plus_one(db: Database, gql: GraphQLClient) -> None:
    few = await _queries_for_listing(gql, 5, db)
    await db.run_autocommit(WIPE)
    await ensure_bootstrap_admin(db, ADMIN_SECRET)
    many = await _queries_for_listing(gql, 40, db)
    assert few == many
    assert many == 4  # the API key, the page of reports, their influences, the influenced works


async def test_csv_as_a_multipart_upload(db: Database, gql: GraphQLClient) -> None:
    await world(db, vendor_ids=("vendor_x",))
    key = await _vendor_key(gql, "vendor_x")
    csv = (
        b"report_id,output_id,method,method_version,computed_at,right_type,isrc,score\n"
        b"u-1,out_01,m,1,2025-06-01T09:30:00Z,MASTER,GB-AYE-67-00001,0.5\n"
    )
    document = """mutation($f: Upload) { submitAttributionReport(format: GENERIC_CSV, file: $f) {
        reports { duplicate report { via influences { matchedBy recording { isrc } } } } } }"""
    operations = {"query": document, "variables": {"f": None}}
    response = await gql.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
        files={"0": ("reports.csv", csv, "text/csv")},
        headers={"Authorization": f"Bearer {key}"},
    )
    body = response.json()
    assert "errors" not in body, body
    report = body["data"]["submitAttributionReport"]["reports"][0]["report"]
    assert report["influences"] == [{"matchedBy": "ISRC", "recording": {"isrc": "GBAYE6700001"}}]


async def test_a_licensee_names_only_its_own_outputs(db: Database, gql: GraphQLClient) -> None:
    await world(db, vendor_ids=("vendor_x",))
    await add_output(db, "out_02", licensee_id="lic-2", content_hash="e" * 64)
    stranger = await gql.key_for("LICENSEE", "lic-2")
    listing = await gql(REPORTS, {"o": "out_01", "s": True}, key=stranger)
    assert listing.codes == ["NOT_FOUND"] and listing.body["data"] is None
    assert (await gql(COUNTING, {"o": "out_01"}, key=stranger)).codes == ["NOT_FOUND"]
    assert (await gql(COUNTING, {"o": "nope"}, key=stranger)).codes == ["NOT_FOUND"]
    assert (await gql(COUNTING, {"o": "nope"}, key=ADMIN_SECRET)).codes == ["NOT_FOUND"]
    own = await gql(COUNTING, {"o": "out_02"}, key=stranger)
    assert own.data["countingAttributionReport"] is None  # no report yet: the analogy fallback applies
