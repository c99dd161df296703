"""What a crashed upload leaves (its process killed between batches) is invisible, then purged on the trail.

The remnant is made by the store's own first steps of an upload (the run, then one batch of items with its
flags) without the last step or the clean-up: exactly the state a kill -9 of the API leaves.
"""

from __future__ import annotations

import asyncio

import pytest

from graph.audit import AuditScope, auditing
from graph.database import Database
from graph.stores._pages import KeyWindow
from graph.stores.audit import events as audit_events
from graph.stores.provenance import writes as provenance
from opustrace.app import purge_crashed_uploads
from registry.provenance import ManifestItem
from tests.integration.provenance_graph import add_works, licensee_with_grant, model, run_input
from tests.support import ADMIN_SECRET, GraphQLClient

pytestmark = pytest.mark.integration
IDLE = 600
FIRST_50 = KeyWindow(after=None, limit=50, count=True)
FLAGS = "{ complianceFlags(subjectKind: TRAINING_RUN) { totalCount edges { node { subjectId } } } }"


async def _crashed_upload(db: Database) -> str:
    await licensee_with_grant(db)
    await add_works(db, ["unconsented"], "nobody")  # no consent: every use of it is flagged
    declared = run_input("run-crashed", (await model(db)).id)
    with auditing(
        AuditScope(actor="key:k1", role="LICENSEE", via="GRAPHQL", action="Mutation.declareTrainingRun")
    ):
        await db.write(lambda tx: provenance._begin(tx, declared, "dead-process"))
        batch = [ManifestItem(work_id="unconsented")]
        await db.write(provenance._batch_writer(declared, "dead-process", batch, {}))
    return declared.id


async def test_a_crashed_uploads_flags_are_invisible_and_purged_on_the_trail(
    gql: GraphQLClient, db: Database
) -> None:
    run_id = await _crashed_upload(db)
    stored = await db.run_read(
        "MATCH (f:ComplianceFlag)-[:ON]->(:TrainingRun {id: $id}) RETURN count(f) AS n", {"id": run_id}
    )
    assert stored[0]["n"] > 0, "the remnant should hold flags, as a crash leaves them"
    listed = (await gql(FLAGS, key=ADMIN_SECRET)).data["complianceFlags"]
    assert listed["totalCount"] == 0 and listed["edges"] == []
    written, _ = await audit_events.list_events(db, None, None, None, FIRST_50)
    on_trail = await db.run_read(
        "MATCH (e:AuditEvent) WHERE $id IN e.subject_ids RETURN count(e) AS n", {"id": run_id}
    )
    assert on_trail[0]["n"] > 0 and written == 0, "the upload's events are on the trail, but not listed"

    # Recent: perhaps another worker's upload in progress; left alone.
    assert await purge_crashed_uploads(db, IDLE) == []
    await db.run_write(
        "MATCH (r:TrainingRun {id: $id}) SET r.batch_at = datetime() - duration('PT1H')", {"id": run_id}
    )
    # Every worker and replica purges on its own schedule: side by side, one of them removes the run.
    rounds = await asyncio.gather(*(purge_crashed_uploads(db, IDLE) for _ in range(3)))
    assert sorted(r for purged in rounds for r in purged) == [run_id]
    assert await purge_crashed_uploads(db, IDLE) == []
    left = await db.run_read(
        "OPTIONAL MATCH (r:TrainingRun {id: $id}) OPTIONAL MATCH (f:ComplianceFlag {subject_id: $id}) "
        "RETURN count(r) AS runs, count(f) AS flags",
        {"id": run_id},
    )
    assert left == [{"runs": 0, "flags": 0}]
    total, keyed = await audit_events.list_events(db, None, None, None, FIRST_50)
    events = [event.row for event in keyed]
    # The purge is listed once, naming the run; the dead upload's own events stay unlisted.
    assert total == 1 and events[0]["subject_ids"] == [run_id], events
    assert (events[0]["action"], events[0]["actor"]) == ("System.purgeCrashedUploads", "system")
    assert (await audit_events.verify(db))[1] is None, "the chain still holds every event, unbroken"


async def test_a_claimed_remnant_is_not_taken_over_while_its_purger_deletes(db: Database) -> None:
    """Two purgers of one remnant each wrote a purge event (seen in the kill -9 e2e test): the second took the
    first's claim over mid-purge, because a claim did not restart the idle clock of a run aged an hour."""
    run_id = await _crashed_upload(db)
    await db.run_write(
        "MATCH (r:TrainingRun {id: $id}) SET r.batch_at = datetime() - duration('PT1H')", {"id": run_id}
    )
    [listed] = await db.run_read(provenance.ABANDONED_UPLOADS, {"idle": IDLE})
    params = {"id": run_id, "token": listed["token"], "idle": IDLE, "claim": "first-purger"}
    assert await db.run_write(provenance.CLAIM_ABANDONED, params) == [{"id": run_id}]
    # While the first purger deletes the run's edges and flags, the others' rounds find nothing to claim.
    assert await db.run_read(provenance.ABANDONED_UPLOADS, {"idle": IDLE}) == []
    assert await purge_crashed_uploads(db, IDLE) == []
    token = "MATCH (r:TrainingRun {id: $id}) RETURN r.upload_token AS token"
    [run] = await db.run_read(token, {"id": run_id})
    assert run["token"] == "first-purger", "the claim was taken over"
