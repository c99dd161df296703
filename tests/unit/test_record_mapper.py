"""The one row-to-record mapper (graph/stores/_records.py) and the resolvers' mapper on driver rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from neo4j.time import DateTime

from graph.stores._records import record_from_row
from graph.stores.catalogue.records import ChainRecord, TerritoryRecord, WorkRecord
from graph.stores.licensing.licences import LicenceVersionRecord
from graph.stores.provenance.records import AudioDisputeRecord, RunRecord
from graph.stores.royalties.records import StatementRecord
from registry.catalogue import CreatorKind, WorkStatus
from registry.rights import Scope, Use
from registry.royalties import Basis, SuspenseReason
from resolvers.audit.types import AuditEvent
from resolvers.catalogue.types import ChainTerritory
from resolvers.mapping import from_record
from resolvers.royalties.types import StatementLine

STORED = DateTime(2026, 5, 1, 12, 30, 0, 0, tzinfo=UTC)
AT = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)


def test_a_row_converts_each_value_as_its_field_type_says() -> None:
    row = {
        "id": "V1",
        "licence_id": "L1",
        "version": "1",
        "scopes": ["TRAINING"],
        "excluded_uses": ["ADVERTISING"],
        "currency": "EUR",
        "training_fee": 100,
        "service_rate": "0.1",
        "output_rate": "0.2",
        "stream_rights": '{"SERVICE": "PERFORMING"}',
        "effective_from": STORED,
    }
    version = record_from_row(LicenceVersionRecord, row)
    assert version.scopes == frozenset({Scope.TRAINING})
    assert version.excluded_uses == frozenset({Use.ADVERTISING})
    assert version.stream_rights == {"SERVICE": "PERFORMING"}
    assert version.effective_from == AT
    # What the row lacks takes the field's default.
    assert (version.minimum_payout, version.confidence_threshold, version.training_basis) == (
        0,
        "0",
        "USED_WORKS",
    )
    assert (version.training_weighted, version.publisher_collects) == (False, False)


def test_null_takes_the_default_and_an_optional_field_none() -> None:
    run = record_from_row(
        RunRecord,
        {
            "id": "R1",
            "licensee_id": "L1",
            "model_id": "M1",
            "grant_id": None,
            "started_at": STORED,
            "finished_at": STORED,
            "created_at": STORED,
            "item_count": None,
        },
    )
    assert (run.grant_id, run.item_count, run.manifest_digest, run.compliant) == (None, 0, "", False)


def test_nested_maps_become_records_and_derived_values_are_taken_as_given() -> None:
    output = {"id": "O1", "content_hash": "h", "model_id": "M1", "licensee_id": "L1", "created_at": STORED}
    dispute = record_from_row(
        AudioDisputeRecord, {"content_hash": "h", "disputed_at": STORED, "outputs": [output]}
    )
    assert dispute.outputs[0].id == "O1"
    assert dispute.outputs[0].compliant is True  # OutputRecord's default: not yet judged otherwise
    work = WorkRecord.from_node({"id": "W1", "disputed": False, "disputed_rights": ["PERFORMING"]})
    assert (work.title, work.status, work.disputed_rights) == ("", WorkStatus.ACTIVE, ())


def test_a_chain_member_s_parallel_territory_lists_become_records() -> None:
    creator = {"id": "P1", "kind": "PUBLISHER"}
    member = {
        "position": 0,
        "creator": creator,
        "role_code": "E",
        "tis_codes": [2136, 276],
        "included": [True, False],
        "performing_bp": [5000, 0],
        "mechanical_bp": [10000, 0],
        "synchronisation_bp": [10000, 0],
    }
    chain = ChainRecord.from_row({"number": 1, "members": [member], "writers": [{"id": "C1"}]})
    assert chain.members[0].creator.kind is CreatorKind.PUBLISHER
    assert chain.members[0].territories == (
        TerritoryRecord(2136, True, 5000, 10000, 10000),
        TerritoryRecord(276, False, 0, 0, 0),
    )
    assert chain.writers[0].kind is CreatorKind.PERSON


def test_a_required_value_the_row_lacks_raises_naming_it() -> None:
    with pytest.raises(ValueError, match="StatementRecord needs 'period'"):
        record_from_row(
            StatementRecord,
            {"id": "S1", "stream": "SERVICE_USE", "currency": "EUR", "status": "OPEN", "created_at": STORED},
        )


def test_a_graphql_type_from_a_row_goes_through_the_same_mapper() -> None:
    line = StatementLine.from_row(
        {
            "n": 0,
            "kind": "SUSPENSE",
            "basis": "SERVICE_USE",
            "reason": "UNKNOWN_WORK",
            "amount": 1234,
            "explanation": "x",
        },
        "EUR",
    )
    assert (line.basis, line.reason, line.creator_id, line.subjects) == (
        Basis.SERVICE_USE,
        SuspenseReason.UNKNOWN_WORK,
        None,
        0,
    )
    assert str(line.amount) == "12.34"
    event = AuditEvent.from_row(
        {
            "seq": 1,
            "at": "2026-05-01T12:30:00+00:00",
            "actor": "k",
            "role": "ADMIN",
            "via": "CLI",
            "action": "a",
            "request_id": "-",
            "input_digest": "d",
            "prev_hash": "p",
            "hash": "h",
        }
    )
    assert (event.at, event.subject_ids) == (AT, [])


def test_the_resolvers_mapper_copies_a_record_s_attributes_but_what_is_derived() -> None:
    territory = from_record(ChainTerritory, TerritoryRecord(2136, True, 1, 2, 3), performing_bp=7)
    assert (territory.tis_code, territory.performing_bp, territory.synchronisation_bp) == (2136, 7, 3)
