"""store_report on the real Neo4j: dedupe, supersession and history, engagement, resolution, flags, audit."""

from __future__ import annotations

import time
from typing import Any

import pytest

import tests.attribution_samples as samples
from graph.audit import AuditScope, auditing
from graph.database import Database
from graph.stores._pages import KeyWindow
from graph.stores.attribution import vendors
from graph.stores.attribution.reads import (
    counting_report_for,
    flags_by_report,
    influences_by_report,
    list_reports,
    unmatched_by_report,
)
from graph.stores.attribution.webhook_deliveries import Neo4jReplayGuard
from graph.stores.attribution.writes import store_report
from graph.stores.audit import events as audit_events
from graph.stores.licensing import licences
from graph.stores.provenance import writes as provenance
from registry.errors import Conflict, InvalidInput, NotFound
from registry.licensing import LicenseeInput
from registry.provenance import ModelInput, OutputInput
from tests.integration.attribution_graph import (
    ISWC_B,
    add_output,
    count,
    report,
    world,
)
from tests.integration.licensing_graph import add_work

SUPERSEDED = """
MATCH (old:AttributionReport {id: $old})-[:SUPERSEDED_BY]->(new:AttributionReport)
RETURN new.id AS id
"""


FIRST_10 = KeyWindow(after=None, limit=10, count=True)


def _influence(iswc: str, score: str = "0.5", **ref: Any) -> dict[str, Any]:
    return {"reference": {"iswc": iswc, **ref}, "right_type": "COMPOSITION", "score": score}


async def test_same_report_twice_is_stored_once(db: Database) -> None:
    await world(db)
    first = await store_report(db, report(), "GRAPHQL")
    again = await store_report(db, report(), "WEBHOOK")
    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.id == first.id and again.current
    assert await count(db, "AttributionReport") == 1
    assert await count(db, "UnmatchedInfluence") == 1  # the influences were not written twice


async def test_newer_supersedes_older_and_history_is_kept(db: Database) -> None:
    await world(db)
    old = await store_report(db, report(), "GRAPHQL")
    new = await store_report(
        db, report(vendor_report_id="rep_2", computed_at="2025-07-01T00:00:00Z"), "GRAPHQL"
    )
    assert new.current and new.superseded_id == old.id
    rows = await db.run_read(SUPERSEDED, {"old": old.id})
    assert [r["id"] for r in rows] == [new.id]
    total, current_only = await list_reports(
        db, output_id="out_01", vendor_id=None, licensee_id=None, include_superseded=False, window=FIRST_10
    )
    assert (total, [r.row.id for r in current_only]) == (1, [new.id])
    total, history = await list_reports(
        db, output_id="out_01", vendor_id=None, licensee_id=None, include_superseded=True, window=FIRST_10
    )
    assert [r.row.id for r in history] == [new.id, old.id]
    assert history[1].row.superseded_by == new.id and not history[1].row.current


async def test_the_report_received_last_is_current_whatever_it_is_dated(db: Database) -> None:
    await world(db)
    first = await store_report(db, report(computed_at="2025-07-01T00:00:00Z"), "PULL")
    correction = await store_report(
        db, report(vendor_report_id="rep_0", computed_at="2025-05-01T00:00:00Z"), "PULL"
    )
    assert correction.current and correction.superseded_id == first.id
    assert [r["id"] for r in await db.run_read(SUPERSEDED, {"old": first.id})] == [correction.id]
    counted = await counting_report_for(db, "out_01")
    assert counted is not None and counted.report.id == correction.id


async def test_conflicting_reports_are_refused(db: Database) -> None:
    await world(db)
    await store_report(db, report(), "GRAPHQL")
    reused_id = report(computed_at="2025-08-01T00:00:00Z", influences=[])
    with pytest.raises(Conflict, match="rep_1"):
        await store_report(db, reused_id, "GRAPHQL")
    assert await count(db, "AttributionReport") == 1


async def test_unengaged_vendor_and_unknown_output_are_refused_alike(db: Database) -> None:
    """An output whose licensee has not engaged the vendor answers exactly as a missing one: a vendor
    learns nothing of other licensees' outputs (docs/access.md, "Refusals")."""
    await world(db)
    await vendors.create_vendor(db, "vendor_y", "Y", "generic_json")  # exists, but lic-1 never engaged it
    await add_output(db, "out_other", licensee_id="lic-2", content_hash="a" * 64)
    refusals = [
        report(vendor_id="vendor_y"),  # out_01, of a licensee that did not engage vendor_y
        report(output_id="out_other"),  # lic-2's output; lic-2 never engaged vendor_x
        report(output_id="nope"),
        report(output_id=None, output_content_hash="a" * 64),  # lic-2's audio
        report(output_id=None, output_content_hash="c" * 64),  # nobody's audio
        report(output_id="out_other", output_content_hash=samples.OUTPUT_HASH),
    ]
    messages = []
    for refused in refusals:
        with pytest.raises(NotFound) as caught:
            await store_report(db, refused, "GRAPHQL")
        named = refused.output_id or refused.output_content_hash
        assert named is not None
        messages.append(caught.value.message.replace(named, "X"))
    assert messages == [messages[0]] * len(refusals), messages
    assert "may report on" in messages[0]
    await add_output(db, "out_02", content_hash="b" * 64)  # lic-1's second output
    with pytest.raises(InvalidInput, match="two different outputs"):
        await store_report(db, report(output_id="out_02", output_content_hash=samples.OUTPUT_HASH), "PULL")
    assert await count(db, "AttributionReport") == 0


async def test_one_audio_of_two_licensees_that_engaged_the_vendor_needs_the_output_id(db: Database) -> None:
    """One audio is each declaring licensee's own output; by hash alone a vendor engaged by both must
    name which one it attributed."""
    await world(db)
    await add_output(db, "lic-2:twin", licensee_id="lic-2", content_hash=samples.OUTPUT_HASH)
    by_hash = report(output_id=None, output_content_hash=samples.OUTPUT_HASH)
    # lic-2 has not engaged vendor_x: its output is none of the vendor's business, and the hash is lic-1's.
    assert (await store_report(db, by_hash, "PULL")).output_id == "out_01"
    await vendors.engage(db, "lic-2", "vendor_x", designated=False)
    again = report(output_id=None, output_content_hash=samples.OUTPUT_HASH, vendor_report_id="rep_2")
    with pytest.raises(InvalidInput, match=r"audio of 2 outputs .*lic-2:twin, out_01.*name the output"):
        await store_report(db, again, "PULL")
    named = report(output_id="lic-2:twin", output_content_hash=samples.OUTPUT_HASH, vendor_report_id="rep_3")
    assert (await store_report(db, named, "PULL")).output_id == "lic-2:twin"
    assert await count(db, "AttributionReport") == 2


async def test_output_found_by_content_hash_alone(db: Database) -> None:
    await world(db)
    stored = await store_report(db, report(output_id=None, output_content_hash=samples.OUTPUT_HASH), "PULL")
    assert stored.output_id == "out_01"


async def test_references_resolve_in_order_and_unmatched_keep_their_reason(db: Database) -> None:
    await world(db)
    await add_work(db, "w-twin-1", {"Eve": 10000}, title="Twin")
    await add_work(db, "w-twin-2", {"Eve": 10000}, title="Twin")
    influences = [
        _influence(samples.ISWC_A, "0.2", vendor_work_id="vx-1"),  # ISWC
        {"reference": {"isrc": samples.ISRC_A}, "right_type": "COMPOSITION", "score": "0.1"},  # via EMBODIES
        {
            "reference": {"title": "third song", "creators": ["DI"]},
            "right_type": "COMPOSITION",
            "score": "0.1",
        },
        {"reference": {"title": "Twin", "creators": ["Eve"]}, "right_type": "COMPOSITION", "score": "0.1"},
        _influence("T-987.654.321-4", "0.1"),  # not registered
        {"reference": {"isrc": samples.ISRC_A}, "right_type": "MASTER", "score": "0.3"},
    ]
    first = await store_report(db, report(influences=influences), "GRAPHQL")
    matched = (await influences_by_report(db, [first.id]))[first.id]
    assert [(m.target_label, m.target_id, m.matched_by) for m in matched] == [
        ("Work", "w-first", "ISWC"),
        ("Work", "w-first", "ISRC"),
        ("Work", "w-third", "TITLE_CREATORS"),
        ("Recording", "rec-first", "ISRC"),
    ]
    assert [str(m.claim.score) for m in matched] == ["0.2", "0.1", "0.1", "0.3"]
    unmatched = (await unmatched_by_report(db, [first.id]))[first.id]
    assert [(u.reason_code, u.claim.reference.title) for u in unmatched] == [
        ("AMBIGUOUS", "Twin"),
        ("NOT_REGISTERED", None),
    ]
    assert "w-twin-1, w-twin-2" in unmatched[0].reason and "T9876543214" in unmatched[1].reason

    # The vendor's own id, matched by ISWC above, now resolves on its own.
    later = [{"reference": {"vendor_work_id": "vx-1"}, "right_type": "COMPOSITION", "score": "0.5"}]
    second = await store_report(
        db, report(vendor_report_id="rep_2", computed_at="2025-07-01T00:00:00Z", influences=later), "PULL"
    )
    again = (await influences_by_report(db, [second.id]))[second.id]
    assert [(m.target_id, m.matched_by) for m in again] == [("w-first", "VENDOR_ID")]


async def test_title_match_ignores_works_whose_iswc_contradicts(db: Database) -> None:
    await world(db)
    # "Other Song" by Bo has ISWC B; a reference with another (unregistered) ISWC is not that work.
    ref = {"iswc": "T-987.654.321-4", "title": "Other Song", "creators": ["Bo"]}
    stored = await store_report(
        db, report(influences=[{"reference": ref, "right_type": "COMPOSITION", "score": "1"}]), "GRAPHQL"
    )
    assert await influences_by_report(db, [stored.id]) == {}
    ok = {"iswc": ISWC_B, "title": "Other Song", "creators": ["Bo"]}
    later = report(
        vendor_report_id="rep_2",
        computed_at="2025-07-01T00:00:00Z",
        influences=[{"reference": ok, "right_type": "COMPOSITION", "score": "1"}],
    )
    stored = await store_report(db, later, "GRAPHQL")
    assert [m.target_id for m in (await influences_by_report(db, [stored.id]))[stored.id]] == ["w-other"]


async def test_influences_on_declined_or_unconsented_works_are_flagged(db: Database) -> None:
    await world(db)
    influences = [
        _influence(samples.ISWC_A, "0.3"),  # Ada opted in: licensable, no flag
        {
            "reference": {"title": "Third Song", "creators": ["Di"]},
            "right_type": "COMPOSITION",
            "score": "0.2",
        },
        _influence(samples.ISWC_B, "0.1"),  # Bo gave no consent
        {"reference": {"isrc": samples.ISRC_A}, "right_type": "MASTER", "score": "0.5"},  # embodies w-first
    ]
    stored = await store_report(db, report(influences=influences), "GRAPHQL")
    flags = (await flags_by_report(db, [stored.id]))[stored.id]
    assert [(f.work_id, f.code) for f in flags] == [
        ("w-other", "WORK_NOT_LICENSABLE"),
        ("w-third", "WORK_DECLINED"),
    ]
    assert "declined" in flags[1].message
    # The evidence is kept: the declined work's influence edge is there.
    assert "w-third" in {m.target_id for m in (await influences_by_report(db, [stored.id]))[stored.id]}
    assert await count(db, "ComplianceFlag") == 2


async def test_audit_event_names_what_was_written(db: Database) -> None:
    await world(db)
    scope = AuditScope(actor="pull:vendor_x", role="VENDOR", via="PULL", action="Pull.attribution")
    with auditing(scope):
        stored = await store_report(db, report(), "PULL")
    total, events = await audit_events.list_events(db, stored.id, None, None, FIRST_10)
    assert total == 1
    assert events[0].row["via"] == "PULL" and {"out_01", stored.id} <= set(events[0].row["subject_ids"])


async def test_counting_report_follows_the_licence_rule(db: Database) -> None:
    await world(db, vendor_ids=("vendor_x", "vendor_y"))
    x = await store_report(db, report(), "GRAPHQL")
    y = await store_report(
        db,
        report(vendor_id="vendor_y", vendor_report_id="y-1", computed_at="2025-06-15T00:00:00Z"),
        "WEBHOOK",
    )
    assert x.current and y.current  # several vendors may report on one output

    counted = await counting_report_for(db, "out_01")
    assert counted is not None and counted.report.id == x.id  # default: the designated vendor's
    assert [i.target_id for i in counted.influences] == ["w-first", "rec-first"]
    assert [u.reason_code for u in counted.unmatched] == ["NO_MATCH"]

    await vendors.engage(db, "lic-1", "vendor_y", designated=True)  # undesignates vendor_x
    counted = await counting_report_for(db, "out_01")
    assert counted is not None and counted.report.id == y.id

    await _licence_rule(db, "NAMED_VENDOR", "vendor_x")
    counted = await counting_report_for(db, "out_01")
    assert counted is not None and counted.report.id == x.id and counted.rule.vendor_id == "vendor_x"

    await _licence_rule(db, "LATEST_ANY_VENDOR", None)
    counted = await counting_report_for(db, "out_01")
    assert counted is not None and counted.report.id == y.id


async def test_no_designated_vendor_means_no_counting_report(db: Database) -> None:
    await world(db, vendor_ids=("vendor_x",))
    await vendors.engage(db, "lic-1", "vendor_x", designated=False)
    await store_report(db, report(), "GRAPHQL")
    assert await counting_report_for(db, "out_01") is None


LICENCE_RULE = """
MATCH (l:Licensee {id: 'lic-1'})
MERGE (v:LicenceVersion {id: 'cal'}) SET v.attribution_rule = $rule, v.attribution_vendor_id = $vendor
MERGE (g:Grant {id: 'g-1'})
SET g.model_name = 'm', g.model_version = '1', g.valid_from = datetime('2024-01-01T00:00:00Z')
MERGE (l)-[:HOLDS]->(g) MERGE (g)-[:OF]->(v)
"""


async def _licence_rule(db: Database, rule: str, vendor: str | None) -> None:
    await db.run_write(LICENCE_RULE, {"rule": rule, "vendor": vendor})


async def test_replay_guard_is_atomic_and_prunes(db: Database) -> None:
    now = time.time()
    guard = Neo4jReplayGuard(db, clock=lambda: now)
    assert await guard.first_use("v:1:sig", expires_at=int(now) + 300)
    assert not await guard.first_use("v:1:sig", expires_at=int(now) + 300)
    await db.run_write("CREATE (:WebhookDelivery {key: 'old', expires_at: $t})", {"t": int(now) - 1})
    assert await guard.prune() == 1
    assert await count(db, "WebhookDelivery") == 1


async def test_outputs_declared_by_the_provenance_store_take_reports(db: Database) -> None:
    """The two halves agree on the graph: an output declared through graph.stores.provenance.writes."""
    await licences.create_licensee(db, LicenseeInput(id="lic-9", name="AI"))
    model = await provenance.declare_model(db, ModelInput(licensee_id="lic-9", name="m", version="1"))
    output = OutputInput(
        licensee_id="lic-9", model_id=model.id, content_hash="d" * 64, generated_at="2025-05-01T00:00:00Z"
    )
    declared = await provenance.declare_output(db, output)
    await vendors.create_vendor(db, "vendor_x", "X", "generic_json")
    await vendors.engage(db, "lic-9", "vendor_x", designated=True)
    stored = await store_report(db, report(output_id=None, output_content_hash="d" * 64), "GRAPHQL")
    assert stored.output_id == declared.id and stored.current
    counted = await counting_report_for(db, declared.id)
    assert counted is not None and counted.report.id == stored.id and counted.report.licensee_id == "lic-9"
