"""Provenance through GraphQL on the real Neo4j: declarations, uploads, trace, roles, bounded queries."""

from __future__ import annotations

import json
from typing import Any

import pytest

from graph.database import Database, QueryCounter
from tests.integration.provenance_graph import (
    add_report,
    add_works,
    content_hash,
    licensee_with_grant,
    model,
    opt_in,
    output,
    run,
)
from tests.support import ADMIN_SECRET, GraphQLClient, GraphQLResult

pytestmark = pytest.mark.integration

DECLARE_MODEL = "mutation($i: DeclareModelInput!) { declareModel(input: $i) { id name version baseModelId } }"
DECLARE_RUN = """
mutation($i: DeclareTrainingRunInput!, $f: Upload, $fmt: ManifestFormat) {
  declareTrainingRun(input: $i, manifest: $f, manifestFormat: $fmt) {
    id itemCount unmatchedCount compliant grantValid manifestDigest
    flags { totalCount items { code workId reasons { code } } }
  }
}
"""
DECLARE_OUTPUT = """
mutation($i: DeclareOutputInput!) { declareOutput(input: $i) { id contentHash compliant model { id } } }
"""
TRACE = """
query($id: ID!) {
  trace(outputId: $id) {
    output { id contentHash compliant }
    model { id name }
    lineage { id }
    modelComplianceStatus
    countingReportId
    trainingRuns { id compliant grant { id status } }
    influences {
      vendorId score licensableAtTraining reasons { code message }
      work { id title creators { id name } shares { role performingBp } }
    }
    flags { id code subjectKind workId detectedAt }
  }
}
"""
RUN_START = "2025-03-01T00:00:00Z"
RUN_END = "2025-03-10T00:00:00Z"


def _run(run_id: str, items: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": run_id, "modelId": "lic-1:m:1", "grantId": "g1"}
    body |= {"startedAt": RUN_START, "finishedAt": RUN_END, "items": items}
    return body | extra


async def _upload(
    gql: GraphQLClient, variables: dict[str, Any], name: str, content: bytes, key: str
) -> GraphQLResult:
    operations = {"query": DECLARE_RUN, "variables": variables | {"f": None}}
    response = await gql.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
        files={"0": (name, content, "application/octet-stream")},
        headers={"Authorization": f"Bearer {key}"},
    )
    return GraphQLResult(response.status_code, response.json())


async def _world(db: Database, works: int = 6) -> list[str]:
    await licensee_with_grant(db)
    ids = [f"w{i}" for i in range(works)]
    await add_works(db, ids, "alice")
    await opt_in(db, "k-alice", "alice")
    await add_works(db, ["nobody"], "bob")
    return ids


async def test_a_licensee_declares_model_run_and_output(gql: GraphQLClient, db: Database) -> None:
    works = await _world(db)
    lic = await gql.key_for("LICENSEE", "lic-1")
    created = (await gql(DECLARE_MODEL, {"i": {"name": "m", "version": "1"}}, key=lic)).data["declareModel"]
    assert created == {"id": "lic-1:m:1", "name": "m", "version": "1", "baseModelId": None}
    items = [{"workId": w, "weight": "0.5"} for w in works] + [{"workId": "nobody"}]
    declared = (await gql(DECLARE_RUN, {"i": _run("lic-1:r1", items)}, key=lic)).data["declareTrainingRun"]
    assert declared["itemCount"] == 7 and not declared["compliant"] and declared["grantValid"]
    assert declared["flags"]["items"] == [
        {"code": "WORK_NOT_LICENSABLE", "workId": "nobody", "reasons": [{"code": "NO_CONSENT"}]}
    ]
    again = (await gql(DECLARE_RUN, {"i": _run("lic-1:r1", items)}, key=lic)).data["declareTrainingRun"]
    assert again == declared
    out = {"modelId": "lic-1:m:1", "contentHash": content_hash("a"), "generatedAt": "2025-04-01T00:00:00Z"}
    made = (await gql(DECLARE_OUTPUT, {"i": out}, key=lic)).data["declareOutput"]
    assert made == {"id": "lic-1:" + content_hash("a"), "contentHash": content_hash("a"), "compliant": False,
                    "model": {"id": "lic-1:m:1"}}  # fmt: skip


async def test_declarations_are_for_the_licensees_own_data(gql: GraphQLClient, db: Database) -> None:
    await _world(db)
    await licensee_with_grant(db, "lic-2", "g2")
    await model(db)
    other = await gql.key_for("LICENSEE", "lic-2")
    asked = await gql(DECLARE_MODEL, {"i": {"licenseeId": "lic-1", "name": "m", "version": "9"}}, key=other)
    assert asked.codes == ["NOT_FOUND"]
    # lic-2 cannot train "on" lic-1's model, nor name lic-1's grant.
    result = await gql(DECLARE_RUN, {"i": _run("lic-2:r1", [{"workId": "w1"}], grantId=None)}, key=other)
    assert result.codes == ["NOT_FOUND"]
    own = await gql(DECLARE_MODEL, {"i": {"name": "m", "version": "1"}}, key=other)
    assert own.data["declareModel"] == {"id": "lic-2:m:1", "name": "m", "version": "1", "baseModelId": None}
    result = await gql(
        DECLARE_RUN, {"i": _run("lic-2:r2", [{"workId": "w1"}], modelId="lic-2:m:1")}, key=other
    )
    assert result.codes == ["NOT_FOUND"]
    # An admin acts for no licensee: it must name one, and may then declare for any.
    unnamed = await gql(DECLARE_MODEL, {"i": {"name": "m", "version": "1"}}, key=ADMIN_SECRET)
    assert unnamed.codes == ["BAD_USER_INPUT"]
    for_lic2 = {"licenseeId": "lic-2", "name": "m", "version": "2"}
    declared = await gql(DECLARE_MODEL, {"i": for_lic2}, key=ADMIN_SECRET)
    assert declared.data["declareModel"] == {
        "id": "lic-2:m:2",
        "name": "m",
        "version": "2",
        "baseModelId": None,
    }


async def test_manifest_uploads_stream_in_and_bad_lines_leave_nothing(
    gql: GraphQLClient, db: Database
) -> None:
    works = await _world(db, 20)
    await model(db)
    lic = await gql.key_for("LICENSEE", "lic-1")
    jsonl = "\n".join(json.dumps({"workId": w, "weight": "0.25"}) for w in works).encode()
    result = await _upload(gql, {"i": _run("lic-1:r-json")}, "manifest.jsonl", jsonl, lic)
    assert result.data["declareTrainingRun"]["itemCount"] == 20
    assert result.data["declareTrainingRun"]["compliant"]
    csv = ("work_id,weight\n" + "\n".join(f"{w},1" for w in works[:5])).encode()
    result = await _upload(gql, {"i": _run("lic-1:r-csv")}, "manifest.csv", csv, lic)
    assert result.data["declareTrainingRun"]["itemCount"] == 5
    broken = jsonl + b'\n{"workId": "w1", "weight": 0.5}\n'
    result = await _upload(gql, {"i": _run("lic-1:r-bad")}, "manifest.jsonl", broken, lic)
    assert result.codes == ["BAD_USER_INPUT"] and "line 21" in result.messages[0]
    rows = await db.run_read("MATCH (r:TrainingRun) RETURN r.id AS id ORDER BY id")
    assert [r["id"] for r in rows] == ["lic-1:r-csv", "lic-1:r-json"]
    both = await _upload(gql, {"i": _run("lic-1:r-two", [{"workId": "w1"}])}, "m.jsonl", jsonl, lic)
    assert both.codes == ["BAD_USER_INPUT"]


async def _traced(db: Database, influences: int) -> None:
    """An output of a fine-tuned model whose base trained on the works, with `influences` influences."""
    works = await _world(db, influences)
    base = await model(db, name="base")
    await model(db, base=base.id)
    await run(db, "lic-1:r-base", base.id, works, grant_id=None)
    await output(db, "lic-1:o1", "lic-1:m:1")
    await add_report(db, "rep-1", "vendor-a", "lic-1:o1", {w: f"0.{i:03d}" for i, w in enumerate(works)})


async def test_trace_answers_everything_behind_an_output(gql: GraphQLClient, db: Database) -> None:
    await _traced(db, 3)
    await add_works(db, ["nobody2"], "bob")
    await add_report(db, "rep-2", "vendor-b", "lic-1:o1", {"nobody2": "0.5"})
    auditor = await gql.key_for("AUDITOR")
    trace = (await gql(TRACE, {"id": "lic-1:o1"}, key=auditor)).data["trace"]
    assert trace["output"]["compliant"] is False
    assert [m["id"] for m in trace["lineage"]] == ["lic-1:m:1", "lic-1:base:1"]
    assert trace["modelComplianceStatus"] == "NON_COMPLIANT"
    assert trace["trainingRuns"] == [{"id": "lic-1:r-base", "compliant": False, "grant": None}]
    by_work = {i["work"]["id"]: i for i in trace["influences"]}
    assert by_work["w1"]["score"] == "0.001" and by_work["w1"]["licensableAtTraining"] is True
    assert by_work["w1"]["work"]["shares"][0]["performingBp"] == 10000
    assert by_work["w1"]["work"]["creators"] == [{"id": "alice", "name": "alice"}]
    assert by_work["nobody2"]["licensableAtTraining"] is False and by_work["nobody2"]["reasons"]
    codes = sorted((f["subjectKind"], f["code"]) for f in trace["flags"])
    assert ("OUTPUT", "NON_COMPLIANT_LINEAGE") in codes and ("TRAINING_RUN", "NO_GRANT") in codes
    # The trace reads its flags' times as epoch microseconds; they are the times the flag list gives.
    listed = "{ complianceFlags(first: 100) { edges { node { id detectedAt } } } }"
    edges = (await gql(listed, {}, key=auditor)).data["complianceFlags"]["edges"]
    detected = {edge["node"]["id"]: edge["node"]["detectedAt"] for edge in edges}
    assert all(flag["detectedAt"] == detected[flag["id"]] for flag in trace["flags"]) and trace["flags"]


async def test_trace_by_role(gql: GraphQLClient, db: Database) -> None:
    await _traced(db, 3)
    await add_works(db, ["carols"], "carol")
    await add_report(db, "rep-2", "vendor-b", "lic-1:o1", {"carols": "0.5"})
    await licensee_with_grant(db, "lic-2", "g2")
    query = "query($id: ID!) { trace(outputId: $id) { influences { vendorId work { id } } } }"
    own = await gql(query, {"id": "lic-1:o1"}, key=await gql.key_for("LICENSEE", "lic-1"))
    assert len(own.data["trace"]["influences"]) == 4
    other = await gql(query, {"id": "lic-1:o1"}, key=await gql.key_for("LICENSEE", "lic-2"))
    assert other.codes == ["NOT_FOUND"] and other.body["data"] is None
    vendor = await gql(query, {"id": "lic-1:o1"}, key=await gql.key_for("VENDOR", "vendor-b"))
    assert vendor.data["trace"]["influences"] == [{"vendorId": "vendor-b", "work": {"id": "carols"}}]
    runs = await gql(
        '{ trace(outputId: "lic-1:o1") { trainingRuns { id } } }', key=await gql.key_for("VENDOR", "vendor-b")
    )
    assert runs.codes == ["FORBIDDEN"]
    await db.run_write("CREATE (:Vendor {id: 'vendor-z', name: 'Z'})")
    stranger = await gql(query, {"id": "lic-1:o1"}, key=await gql.key_for("VENDOR", "vendor-z"))
    assert stranger.codes == ["NOT_FOUND"]
    carol = await gql(query, {"id": "lic-1:o1"}, key=await gql.key_for("CREATOR", "carol"))
    assert carol.data["trace"]["influences"] == [{"vendorId": "vendor-b", "work": {"id": "carols"}}]
    await add_works(db, ["daves"], "dave")
    dave = await gql(query, {"id": "lic-1:o1"}, key=await gql.key_for("CREATOR", "dave"))
    assert dave.codes == ["NOT_FOUND"]


async def _trace_queries(gql: GraphQLClient, key: str) -> tuple[int, int]:
    async with QueryCounter.counting() as count:
        result = await gql(TRACE, {"id": "lic-1:o1"}, key=key)
    # The fine-tune's own run, under grant g1: its grant comes with the trace too.
    grants = [r["grant"] and r["grant"]["id"] for r in result.data["trace"]["trainingRuns"]]
    assert sorted(grants, key=str) == [None, "g1"], grants
    return count[0], len(result.data["trace"]["influences"])


async def test_trace_makes_the_same_number_of_queries_for_5_and_100_influences(
    gql: GraphQLClient, db: Database
) -> None:
    await _traced(db, 5)
    await run(db, "lic-1:r-tuned", "lic-1:m:1", ["w0"])
    auditor = await gql.key_for("AUDITOR")
    small, small_count = await _trace_queries(gql, auditor)
    await db.run_autocommit("MATCH (n) WHERE NOT n:Migration AND NOT n:MigrationLock DETACH DELETE n")
    from graph.stores.system.api_keys import ensure_bootstrap_admin

    await ensure_bootstrap_admin(db, ADMIN_SECRET)
    await _traced(db, 100)
    await run(db, "lic-1:r-tuned", "lic-1:m:1", ["w0"])
    auditor = await gql.key_for("AUDITOR")
    large, large_count = await _trace_queries(gql, auditor)
    assert (small_count, large_count) == (5, 100)
    # The key, then the trace in one query: works, shares, facts, flags, grants and the counting report.
    assert small == large == 2, (small, large)
    async with QueryCounter.counting() as count:
        bare = await gql(
            "query($id: ID!) { trace(outputId: $id) { output { id } } }", {"id": "lic-1:o1"}, key=auditor
        )
    # Selecting less reads less in the same one query.
    assert bare.data["trace"]["output"]["id"] == "lic-1:o1" and count[0] == 2


async def test_auditors_query_flags_and_licensees_cannot(gql: GraphQLClient, db: Database) -> None:
    await _traced(db, 2)
    query = (
        "query($c: FlagCode) { complianceFlags(code: $c) { totalCount edges { node { subjectId code } } } }"
    )
    auditor = await gql.key_for("AUDITOR")
    flags = (await gql(query, {"c": "NO_GRANT"}, key=auditor)).data["complianceFlags"]
    assert flags["totalCount"] == 1 and flags["edges"][0]["node"] == {
        "subjectId": "lic-1:r-base",
        "code": "NO_GRANT",
    }
    denied = await gql(query, {"c": None}, key=await gql.key_for("LICENSEE", "lic-1"))
    assert denied.codes == ["FORBIDDEN"]


async def test_work_and_creator_provenance(gql: GraphQLClient, db: Database) -> None:
    await _traced(db, 3)
    query = """
    query($w: ID!, $c: ID!) {
      workProvenance(workId: $w) {
        models { totalCount edges { node { model { id } direct runIds } } }
        outputs(first: 1) { totalCount edges { node { output { id } score vendorId } } }
      }
      creatorProvenance(creatorId: $c) {
        models { totalCount edges { node { model { id } workIds } } }
        outputs { totalCount }
      }
    }
    """
    alice = await gql.key_for("CREATOR", "alice")
    data = (await gql(query, {"w": "w2", "c": "alice"}, key=alice)).data
    models = data["workProvenance"]["models"]
    assert models["totalCount"] == 2
    assert [e["node"] for e in models["edges"]] == [
        {"model": {"id": "lic-1:base:1"}, "direct": True, "runIds": ["lic-1:r-base"]},
        {"model": {"id": "lic-1:m:1"}, "direct": False, "runIds": ["lic-1:r-base"]},
    ]
    outputs = data["workProvenance"]["outputs"]
    assert outputs["totalCount"] == 1
    assert outputs["edges"][0]["node"] == {
        "output": {"id": "lic-1:o1"},
        "score": "0.002",
        "vendorId": "vendor-a",
    }
    assert data["creatorProvenance"]["models"]["edges"][0]["node"]["workIds"] == ["w0", "w1", "w2"]
    assert data["creatorProvenance"]["outputs"]["totalCount"] == 3
    bob = await gql(query, {"w": "w2", "c": "alice"}, key=await gql.key_for("CREATOR", "bob"))
    assert bob.body["data"] is None and set(bob.codes) <= {"FORBIDDEN", "NOT_FOUND"}, bob.body


async def test_model_training_summary(gql: GraphQLClient, db: Database) -> None:
    works = await _world(db, 4)
    m = await model(db)
    await run(db, "lic-1:r1", m.id, [*works, "nobody"])
    query = """
    query($m: ID!) {
      modelTrainingSummary(modelId: $m) {
        complianceStatus runCount worksUsed worksLicensed worksUnlicensed unidentifiedItems
        sources { source works recordings items } flagCounts { code count }
      }
    }
    """
    lic = await gql.key_for("LICENSEE", "lic-1")
    summary = (await gql(query, {"m": m.id}, key=lic)).data["modelTrainingSummary"]
    assert summary == {
        "complianceStatus": "NON_COMPLIANT",
        "runCount": 1,
        "worksUsed": 5,
        "worksLicensed": 4,
        "worksUnlicensed": 1,
        "unidentifiedItems": 0,
        "sources": [
            {"source": "COLLECTIVE_LICENCE", "works": 4, "recordings": 0, "items": 4},
            {"source": "UNLICENSED", "works": 1, "recordings": 0, "items": 1},
            {"source": "UNIDENTIFIED", "works": 0, "recordings": 0, "items": 0},
        ],
        "flagCounts": [{"code": "WORK_NOT_LICENSABLE", "count": 1}],
    }
    await licensee_with_grant(db, "lic-2", "g2")
    other = await gql(query, {"m": m.id}, key=await gql.key_for("LICENSEE", "lic-2"))
    assert other.codes == ["NOT_FOUND"]
