"""Test data for provenance: licensing through the stores, catalogue and attribution with Cypher.

Attribution reports are written as docs/graph-model.md describes them (the ingestion is built elsewhere):
`(:Vendor)-[:SUBMITTED]->(:AttributionReport {current: true})-[:ABOUT]->(:Output)` with
`INFLUENCE {score}` edges to works.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from graph.database import Database
from graph.stores.licensing import consents, licences
from graph.stores.provenance import writes as provenance
from graph.stores.provenance.records import ModelRecord, OutputRecord, RunRecord
from registry.licensing import ConsentInput, GrantInput, LicenceInput, LicenceVersionInput, LicenseeInput
from registry.provenance import ManifestItem, ModelInput, OutputInput, RunInput
from registry.record_ids import qualified
from registry.rights import Decision, Scope

T2024 = datetime(2024, 1, 1, tzinfo=UTC)
RUN_START = datetime(2025, 3, 1, tzinfo=UTC)
RUN_END = datetime(2025, 3, 10, tzinfo=UTC)

ADD_WORKS = """
UNWIND $works AS row
MERGE (w:Work {id: row.id})
SET w.title = row.title, w.title_search = toLower(row.title), w.iswc = row.iswc, w.status = row.status
WITH w, row
UNWIND row.holders AS h
MERGE (c:Creator {id: h.id})
ON CREATE SET c.name = h.id, c.name_search = toLower(h.id), c.kind = 'PERSON'
MERGE (c)-[s:HOLDS_SHARE {role: 'COMPOSER'}]->(w)
SET s.performing_bp = h.bp, s.mechanical_bp = h.bp, s.synchronisation_bp = h.bp
"""
ADD_RECORDING = """
MERGE (r:Recording {id: $id}) SET r.isrc = $isrc, r.title = $id
WITH r UNWIND $works AS wid MATCH (w:Work {id: wid}) MERGE (r)-[:EMBODIES]->(w)
"""
ADD_REPORT = """
MERGE (v:Vendor {id: $vendor}) ON CREATE SET v.name = $vendor
WITH v MATCH (o:Output {id: $output})
CREATE (a:AttributionReport {id: $id, digest: $id, vendor_id: $vendor, vendor_report_id: $id,
        method: 'embedding', method_version: '1',
        computed_at: datetime(), received_at: datetime(), via: 'GRAPHQL', current: true})
CREATE (v)-[:SUBMITTED]->(a)-[:ABOUT]->(o)
WITH a UNWIND $influences AS i
MATCH (w:Work {id: i.work})
CREATE (a)-[:INFLUENCE {score: i.score, confidence: '0.9', right_type: 'COMPOSITION', matched_by: 'id'}]->(w)
"""


async def add_works(
    db: Database, ids: Sequence[str], holder: str | dict[str, int], *, status: str = "ACTIVE"
) -> None:
    """Works held by one creator (10000 bp) or by several (creator -> bp), written in one query."""
    holders = {holder: 10000} if isinstance(holder, str) else holder
    rows = [
        {
            "id": wid,
            "title": f"Song {wid}",
            "iswc": None,
            "status": status,
            "holders": [{"id": c, "bp": bp} for c, bp in holders.items()],
        }
        for wid in ids
    ]
    for start in range(0, len(rows), 5000):
        await db.run_write(ADD_WORKS, {"works": rows[start : start + 5000]})


async def add_recording(db: Database, recording_id: str, isrc: str, works: Sequence[str]) -> None:
    await db.run_write(ADD_RECORDING, {"id": recording_id, "isrc": isrc, "works": list(works)})


async def add_report(
    db: Database, report_id: str, vendor: str, output_id: str, influences: dict[str, str]
) -> None:
    rows = [{"work": w, "score": s} for w, s in influences.items()]
    await db.run_write(
        ADD_REPORT, {"id": report_id, "vendor": vendor, "output": output_id, "influences": rows}
    )


async def opt_in(db: Database, consent_id: str, creator_id: str, since: datetime = T2024) -> None:
    consent = ConsentInput(
        id=consent_id,
        creator_id=creator_id,
        scopes=frozenset(Scope),
        catalogue=True,
        valid_from=since,
        evidence="signed form",
    )
    await consents.give_consent(db, consent, given_by="test")


async def decline(db: Database, consent_id: str, creator_id: str, work_id: str) -> None:
    consent = ConsentInput(
        id=consent_id,
        creator_id=creator_id,
        decision=Decision.DECLINE,
        scopes=frozenset(Scope),
        work_id=work_id,
        valid_from=T2024,
        evidence="letter",
    )
    await consents.give_consent(db, consent, given_by="test")


async def licensee_with_grant(
    db: Database,
    licensee_id: str = "lic-1",
    grant_id: str = "g1",
    *,
    model: tuple[str, str] = ("m", "1"),
    valid_to: datetime = datetime(2030, 1, 1, tzinfo=UTC),
) -> None:
    await licences.create_licensee(db, LicenseeInput(id=licensee_id, name=licensee_id.upper()))
    await licences.create_licence(db, LicenceInput(id="collective", name="CAL"))
    version = LicenceVersionInput(
        id="cal",
        licence_id="collective",
        version="1",
        scopes=frozenset(Scope),
        currency="EUR",
        training_fee="12000.00",
        service_rate="0.15",
        output_rate="0.10",
        effective_from=T2024,
    )
    await licences.add_licence_version(db, version)
    grant = GrantInput(
        id=grant_id,
        licensee_id=licensee_id,
        licence_version_id="cal",
        model_name=model[0],
        model_version=model[1],
        valid_from=T2024,
        valid_to=valid_to,
    )
    await licences.create_grant(db, grant)


async def model(
    db: Database, licensee_id: str = "lic-1", name: str = "m", version: str = "1", base: str | None = None
) -> ModelRecord:
    declared = ModelInput(licensee_id=licensee_id, name=name, version=version, base_model_id=base)
    return await provenance.declare_model(db, declared)


def run_input(
    run_id: str, model_id: str, grant_id: str | None = "g1", licensee_id: str = "lic-1"
) -> RunInput:
    """A run header; a short `run_id` ("run-1") is taken into the licensee's namespace ("lic-1:run-1")."""
    return RunInput(
        id=qualified(licensee_id, run_id),
        licensee_id=licensee_id,
        model_id=model_id,
        grant_id=grant_id,
        started_at=RUN_START,
        finished_at=RUN_END,
    )


async def run(
    db: Database, run_id: str, model_id: str, works: Sequence[str], grant_id: str | None = "g1", **kw: Any
) -> RunRecord:
    items = [ManifestItem(work_id=w) for w in works]
    return await provenance.declare_training_run(
        db, run_input(run_id, model_id, grant_id), provenance.items_of(items), **kw
    )


def content_hash(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


async def output(db: Database, label: str, model_id: str, licensee_id: str = "lic-1") -> OutputRecord:
    """An output with id `<licensee>:<label>` (its audio: the label's bytes)."""
    declared = OutputInput(
        id=qualified(licensee_id, label),
        licensee_id=licensee_id,
        model_id=model_id,
        content_hash=content_hash(label),
        generated_at=datetime(2025, 4, 1, tzinfo=UTC),
        title=f"Track {label}",
    )
    return await provenance.declare_output(db, declared)
