"""OpenLineage run events declare training runs on the real Neo4j, posted as the OpenLineage Python client
builds them (its own event and facet classes, serialised by its Serde)."""

from __future__ import annotations

import uuid
from typing import Any

import attr
import pytest
from openlineage.client.event_v2 import InputDataset, Job, Run, RunEvent, RunState
from openlineage.client.facet_v2 import DatasetFacet, RunFacet, documentation_dataset
from openlineage.client.serde import Serde

from graph.database import Database
from opustrace.app import purge_crashed_uploads
from tests.integration.provenance_graph import add_works, licensee_with_grant, model, opt_in
from tests.support import ADMIN_SECRET, GraphQLClient

pytestmark = pytest.mark.integration

START, END = "2025-03-01T00:00:00+00:00", "2025-03-10T00:00:00+00:00"
RUN = """
query($id: ID!) { trainingRun(id: $id) { id itemCount unmatchedCount compliant manifestDigest
  flags { totalCount items { code workId } } } }
"""
DECLARE = """
mutation($i: DeclareTrainingRunInput!) { declareTrainingRun(input: $i) { id } }
"""


@attr.define
class OpustraceTrainingRunFacet(RunFacet):
    modelId: str
    grantId: str | None = None


@attr.define
class OpustraceManifestDatasetFacet(DatasetFacet):
    items: list[dict[str, str]] = attr.field(factory=list)


def _event(state: RunState, run_id: str, at: str, items: list[dict[str, str]] | None = None) -> str:
    facets: dict[str, Any] = {
        "opustrace_training": OpustraceTrainingRunFacet(modelId="lic-1:m:1", grantId="g1")
    }
    inputs = []
    if items is not None:
        dataset_facets: dict[str, Any] = {
            "opustrace_manifest": OpustraceManifestDatasetFacet(items=items),
            "documentation": documentation_dataset.DocumentationDatasetFacet(
                description="licensed catalogue"
            ),
        }
        inputs = [InputDataset(namespace="s3://acme-training", name="catalogue-2025", facets=dataset_facets)]
    event = RunEvent(
        eventType=state,
        eventTime=at,
        run=Run(runId=run_id, facets=facets),
        job=Job(namespace="acme", name="train-m-1"),
        producer="https://acme.example/pipeline",
        inputs=inputs,
    )
    return str(Serde.to_json(event))


async def _post(gql: GraphQLClient, body: str, key: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {key}"} if key else {})
    response = await gql.http.post("/api/v1/lineage", content=body, headers=headers)
    return response.status_code, response.json()


async def _world(db: Database) -> list[dict[str, str]]:
    await licensee_with_grant(db)
    await add_works(db, ["w0", "w1", "w2"], "alice")
    await add_works(db, ["w-declined"], "bob")
    await opt_in(db, "k-alice", "alice")
    await model(db)
    return [
        {"workId": "w0", "weight": "0.5"},
        {"workId": "w1"},
        {"workId": "w-declined"},
        {"iswc": "T-034.524.680-1"},
    ]


async def test_start_complete_declares_the_same_run_as_the_mutation(db: Database, gql: GraphQLClient) -> None:
    items = await _world(db)
    key = await gql.key_for("LICENSEE", "lic-1")
    event_run = str(uuid.uuid4())
    run_id = f"lic-1:{event_run}"  # the registry's id: the event's, in the licensee's namespace

    assert await _post(gql, _event(RunState.START, event_run, START), key) == (
        200,
        {"run": run_id, "status": "UPLOADING"},
    )
    assert (await gql(RUN, {"id": run_id}, key=key)).codes == ["NOT_FOUND"]  # still uploading: unseen
    # Training takes hours between START and COMPLETE: the crashed-upload purge leaves an announced run be.
    await db.run_write(
        "MATCH (r:TrainingRun {id: $id}) SET r.created_at = datetime() - duration('PT3H')", {"id": run_id}
    )
    assert await purge_crashed_uploads(db, 60) == []
    status, answer = await _post(gql, _event(RunState.COMPLETE, event_run, END, items), key)
    assert status == 200 and answer["status"] == "COMPLETE", answer

    manifest = [
        {"workId": i.get("workId"), "iswc": i.get("iswc"), "weight": i.get("weight", "1")} for i in items
    ]
    declared: dict[str, Any] = {
        "id": "lic-1:run-mutation",
        "modelId": "lic-1:m:1",
        "grantId": "g1",
        "startedAt": START,
    }
    declared |= {"finishedAt": END, "items": manifest}
    assert (await gql(DECLARE, {"i": declared}, key=key)).data
    by_events = (await gql(RUN, {"id": run_id}, key=key)).data["trainingRun"]
    by_mutation = (await gql(RUN, {"id": "lic-1:run-mutation"}, key=key)).data["trainingRun"]
    assert by_events.pop("id") == run_id and by_mutation.pop("id") == "lic-1:run-mutation"
    assert by_events == by_mutation
    assert (
        by_events["itemCount"] == 4 and by_events["unmatchedCount"] == 1 and by_events["compliant"] is False
    )

    kept = await db.run_read(
        "MATCH (r:TrainingRun {id: $id}) RETURN r.openlineage_complete AS f", {"id": run_id}
    )
    assert "licensed catalogue" in kept[0]["f"] and "acme-training" in kept[0]["f"]  # unknown facets kept


async def test_fail_discards_and_bad_events_say_what_to_fix(db: Database, gql: GraphQLClient) -> None:
    items = await _world(db)
    key = await gql.key_for("LICENSEE", "lic-1")
    event_run = str(uuid.uuid4())
    run_id = f"lic-1:{event_run}"  # the registry's id: the event's, in the licensee's namespace
    await _post(gql, _event(RunState.START, event_run, START), key)
    assert await _post(gql, _event(RunState.FAIL, event_run, END), key) == (
        200,
        {"run": run_id, "status": "DISCARDED"},
    )
    assert await db.run_read("MATCH (r:TrainingRun) RETURN r") == []

    status, answer = await _post(gql, _event(RunState.COMPLETE, event_run, END, items), key)
    assert status == 404 and "send its START event first" in answer["error"]["message"]
    status, answer = await _post(gql, _event(RunState.START, event_run, START), None)
    assert status == 401
    status, answer = await _post(gql, _event(RunState.START, event_run, START), ADMIN_SECRET)
    assert status == 403
    status, answer = await _post(gql, '{"eventType": "START"}', key)
    assert status == 400 and "Not an OpenLineage run event" in answer["error"]["message"]
    await _post(gql, _event(RunState.START, event_run, START), key)
    bad = [{"workId": "w0", "colour": "blue"}]
    status, answer = await _post(gql, _event(RunState.COMPLETE, event_run, END, bad), key)
    assert status == 400 and "unknown keys ['colour']" in answer["error"]["message"]
    # A COMPLETE that failed leaves the run announced, never half-written.
    rows = await db.run_read("MATCH (r:TrainingRun) RETURN r.status AS s, COUNT { (r)-[:USED]->() } AS used")
    assert [dict(r) for r in rows] == [{"s": "UPLOADING", "used": 0}]
