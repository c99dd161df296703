"""Declarations on the real Neo4j: idempotent writes, streamed manifests all-or-nothing, compliance flags."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from graph.database import Database
from graph.stores.licensing import consents
from graph.stores.provenance import writes as provenance
from registry.errors import Conflict, InvalidInput, NotFound
from registry.licensing import ConsentInput
from registry.provenance import ManifestItem, ModelInput
from registry.rights import Scope
from tests.integration.provenance_graph import (
    T2024,
    add_recording,
    add_works,
    decline,
    licensee_with_grant,
    model,
    opt_in,
    output,
    run,
    run_input,
)

pytestmark = pytest.mark.integration

FLAGS = """
MATCH (f:ComplianceFlag)-[:ON]->(s {id: $id})
RETURN f.code AS code, f.work_id AS work, f.recording_id AS recording
ORDER BY code, work
"""
SHARED = ["shared-0", "shared-1", "shared-2"]
COUNTS = """
RETURN COUNT { (:TrainingRun) } AS runs, COUNT { ()-[:USED]->() } AS used,
       COUNT { (:ComplianceFlag) } AS flags
"""


async def _flags(db: Database, subject: str) -> list[tuple[str, str | None]]:
    return [(r["code"], r["work"] or r["recording"]) for r in await db.run_read(FLAGS, {"id": subject})]


async def _counts(db: Database) -> tuple[int, int, int]:
    row = (await db.run_read(COUNTS))[0]
    return row["runs"], row["used"], row["flags"]


async def _licensed_catalogue(db: Database, n: int = 6) -> list[str]:
    await licensee_with_grant(db)
    works = [f"w{i}" for i in range(n)]
    await add_works(db, works, "alice")
    await opt_in(db, "k-alice", "alice")
    return works


async def test_model_is_idempotent_and_conflicts_on_other_details(db: Database) -> None:
    await licensee_with_grant(db)
    first = await model(db)
    assert first.id == "lic-1:m:1"
    again = await model(db)
    assert again == first
    with pytest.raises(Conflict):
        await provenance.declare_model(
            db, ModelInput(id="lic-1:m:1", licensee_id="lic-1", name="m", version="2")
        )
    tuned = await model(db, version="1-ft", base=first.id)
    lineage = await db.run_read(
        "MATCH (:Model {id: $id})-[:FINE_TUNED_FROM]->(b) RETURN b.id AS id", {"id": tuned.id}
    )
    assert [r["id"] for r in lineage] == [first.id]


async def test_a_base_model_must_be_the_licensees_own(db: Database) -> None:
    await licensee_with_grant(db)
    await licensee_with_grant(db, "lic-2", "g2")
    theirs = await model(db, "lic-2")
    with pytest.raises(NotFound):
        await model(db, base=theirs.id)
    with pytest.raises(NotFound):
        await model(db, base="nope")


async def test_compliant_run_under_a_valid_grant(db: Database) -> None:
    works = await _licensed_catalogue(db)
    m = await model(db)
    record = await run(db, "r1", m.id, works, batch_size=4)
    assert record.compliant and record.item_count == 6 and len(record.manifest_digest) == 64
    assert await _counts(db) == (1, 6, 0)
    status = await db.run_read("MATCH (r:TrainingRun) RETURN r.status AS s, r.upload_token AS t")
    assert status == [{"s": "COMPLETE", "t": None}]


async def test_unlicensed_declined_unknown_and_recording_items_are_flagged(db: Database) -> None:
    works = await _licensed_catalogue(db, 2)
    await add_works(db, ["nobody"], "bob")  # bob never opted in
    await add_works(db, ["refused"], "carol")
    await opt_in(db, "k-carol", "carol")
    await decline(db, "d-carol", "carol", "refused")
    await add_works(db, ["gone"], "alice", status="WITHDRAWN")
    await add_recording(db, "rec-ok", "GBAAA2500001", ["w0"])
    await add_recording(db, "rec-bob", "GBAAA2500002", ["nobody"])
    await add_recording(db, "rec-bare", "GBAAA2500003", [])
    m = await model(db)
    items = [ManifestItem(work_id=w) for w in [*works, "nobody", "refused", "gone", "ghost"]]
    items += [ManifestItem(isrc=i) for i in ["GBAAA2500001", "GB-AAA-25-00002", "GBAAA2500003"]]
    record = await provenance.declare_training_run(
        db, run_input("r1", m.id), provenance.items_of(items), batch_size=3
    )
    assert not record.compliant
    assert await _flags(db, "lic-1:r1") == [
        ("RECORDING_WITHOUT_WORK", "rec-bare"),
        ("UNKNOWN_CONTENT", None),
        ("WORK_DECLINED", "refused"),
        ("WORK_NOT_LICENSABLE", "nobody"),
        ("WORK_NOT_LICENSABLE", "nobody"),  # once directly, once through rec-bob
        ("WORK_WITHDRAWN", "gone"),
    ]
    # The unknown reference is not an edge; everything else is.
    assert (await _counts(db))[1] == 8


async def test_run_without_grant_or_for_another_model_is_flagged(db: Database) -> None:
    works = await _licensed_catalogue(db)
    m = await model(db)
    other = await model(db, version="2")
    assert not (await run(db, "r-none", m.id, works, grant_id=None)).compliant
    assert not (await run(db, "r-other", other.id, works)).compliant
    assert await _flags(db, "lic-1:r-none") == [("NO_GRANT", None)]
    assert await _flags(db, "lic-1:r-other") == [("GRANT_FOR_OTHER_MODEL", None)]


async def test_a_failed_upload_leaves_no_partial_run(db: Database) -> None:
    works = await _licensed_catalogue(db, 30)
    m = await model(db)

    async def failing() -> AsyncIterator[ManifestItem]:
        for w in works:
            yield ManifestItem(work_id=w)
        raise InvalidInput("Manifest line 31: broken")

    with pytest.raises(InvalidInput):
        await provenance.declare_training_run(db, run_input("r1", m.id), failing(), batch_size=7)
    assert await _counts(db) == (0, 0, 0)
    # The same id can then be declared properly.
    assert (await run(db, "r1", m.id, works, batch_size=7)).item_count == 30


async def test_a_duplicate_item_fails_the_whole_run(db: Database) -> None:
    works = await _licensed_catalogue(db, 3)
    await db.run_write("MATCH (w:Work {id: 'w1'}) SET w.iswc = 'T0345246801'")
    m = await model(db)
    items = [ManifestItem(work_id=w) for w in works] + [ManifestItem(iswc="T-034.524.680-1")]
    with pytest.raises(Conflict, match="same work w1"):
        await provenance.declare_training_run(
            db, run_input("r1", m.id), provenance.items_of(items), batch_size=2
        )
    assert await _counts(db) == (0, 0, 0)


async def test_a_retry_is_idempotent_and_another_manifest_conflicts(db: Database) -> None:
    works = await _licensed_catalogue(db)
    m = await model(db)
    first = await run(db, "r1", m.id, works)
    assert await run(db, "r1", m.id, works) == first
    assert await _counts(db) == (1, 6, 0)
    with pytest.raises(Conflict, match="manifest_digest"):
        await run(db, "r1", m.id, works[:5])


async def test_a_stale_upload_is_replaced(db: Database) -> None:
    works = await _licensed_catalogue(db)
    m = await model(db)
    await run(db, "r1", m.id, works)
    # As if a process died mid-upload: the run is back to UPLOADING with an old token.
    await db.run_write("MATCH (r:TrainingRun) SET r.status = 'UPLOADING', r.upload_token = 'dead'")
    record = await run(db, "r1", m.id, works[:2])
    assert record.item_count == 2
    assert await _counts(db) == (1, 2, 0)


async def test_outputs_inherit_the_lineage_verdict(db: Database) -> None:
    works = await _licensed_catalogue(db)
    await add_works(db, ["nobody"], "bob")
    base = await model(db, name="base")
    tuned = await model(db, base=base.id)
    await run(db, "r-tune", tuned.id, works)
    early = await output(db, "early", tuned.id)
    assert early.compliant
    await run(db, "r-base", base.id, ["nobody"], grant_id=None)
    late = await output(db, "late", tuned.id)
    assert not late.compliant
    assert await _flags(db, "lic-1:late") == [("NON_COMPLIANT_LINEAGE", None)]
    # The output declared before the base's run was flagged when that run completed.
    assert await _flags(db, "lic-1:early") == [("NON_COMPLIANT_LINEAGE", None)]
    stored = await db.run_read("MATCH (o:Output {id: 'lic-1:early'}) RETURN o.compliant AS c")
    assert stored == [{"c": False}]
    assert await output(db, "late", tuned.id) == late


async def test_verdicts_in_one_batch_are_per_work_when_a_holder_spans_many_works(db: Database) -> None:
    # The batch's verdicts judge each holder once; what one holder said about one work must stay with it.
    works = await _licensed_catalogue(db, 12)  # alice: a catalogue opt-in over all twelve
    await add_works(db, SHARED, {"alice": 5000, "dave": 5000})
    await decline(db, "d-alice", "alice", "w7")
    await consents.give_consent(  # dave opted in for one of his works only
        db,
        ConsentInput(
            id="k-dave", creator_id="dave", scopes=frozenset(Scope), work_id="shared-1", valid_from=T2024
        ),
        given_by="test",
    )
    m = await model(db)
    record = await run(db, "r1", m.id, [*works, *SHARED])
    assert not record.compliant
    assert await _flags(db, "lic-1:r1") == [
        ("WORK_DECLINED", "w7"),
        ("WORK_NOT_LICENSABLE", "shared-0"),
        ("WORK_NOT_LICENSABLE", "shared-2"),
    ]
    edges = await db.run_read(
        "MATCH (:TrainingRun {id: 'lic-1:r1'})-[u:USED]->(w) RETURN w.id AS id, u.licensable AS ok"
    )
    refused = {"w7", "shared-0", "shared-2"}
    assert {r["id"]: r["ok"] for r in edges} == {w: w not in refused for w in [*works, *SHARED]}
