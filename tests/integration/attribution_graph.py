"""Test data for attribution, written with Cypher as docs/graph-model.md describes it.

Outputs, models and licensees are the provenance engineer's nodes; until their stores land, the tests
create them here with the properties the graph model names.
"""

from __future__ import annotations

from typing import Any

import tests.attribution_samples as samples
from graph.database import Database
from graph.stores.attribution import vendors
from registry.attribution import AttributionReport, validate_report
from registry.identifiers import parse_isrc, parse_iswc
from tests.integration.licensing_graph import add_work

ISWC_A = parse_iswc(samples.ISWC_A)
ISWC_B = parse_iswc(samples.ISWC_B)
ISRC_A = parse_isrc(samples.ISRC_A)[0]
ISRC_B = parse_isrc(samples.ISRC_B)[0]

ADD_OUTPUT = """
MERGE (l:Licensee {id: $licensee_id}) ON CREATE SET l.name = $licensee_id, l.created_at = datetime()
MERGE (m:Model {id: $model_id})
ON CREATE SET m.name = 'm', m.version = '1', m.licensee_id = $licensee_id, m.created_at = datetime()
MERGE (l)-[:OPERATES]->(m)
CREATE (o:Output {id: $output_id, licensee_id: $licensee_id, content_hash: $content_hash,
                  generated_at: datetime($generated_at), created_at: datetime()})
CREATE (m)-[:GENERATED]->(o)
"""
ADD_RECORDING = """
MATCH (w:Work) WHERE w.id IN $work_ids
WITH collect(w) AS works
CREATE (r:Recording {id: $id, isrc: $isrc, title: $title, artist: $artist})
FOREACH (w IN works | CREATE (r)-[:EMBODIES]->(w))
"""
ADD_CONSENT = """
MATCH (c:Creator {id: $creator_id})
CREATE (c)-[:GAVE]->(:Consent {id: $id, decision: $decision, catalogue: true,
                              scopes: ['TRAINING', 'SERVICE_USE', 'OUTPUT_USE'],
                              valid_from: datetime('2024-01-01T00:00:00Z')})
"""
COUNT = "MATCH (n) WHERE $label IN labels(n) RETURN count(n) AS n"


async def add_output(
    db: Database,
    output_id: str = "out_01",
    *,
    licensee_id: str = "lic-1",
    content_hash: str = samples.OUTPUT_HASH,
    generated_at: str = "2025-05-01T00:00:00Z",
) -> str:
    params = {
        "licensee_id": licensee_id,
        "model_id": f"{licensee_id}:m:1",
        "output_id": output_id,
        "content_hash": content_hash,
        "generated_at": generated_at,
    }
    await db.run_write(ADD_OUTPUT, params)
    return output_id


async def add_recording(
    db: Database, rec_id: str, isrc: str, work_ids: list[str], *, title: str = "", artist: str = ""
) -> None:
    params = {"id": rec_id, "isrc": isrc, "work_ids": work_ids, "title": title, "artist": artist}
    await db.run_write(ADD_RECORDING, params)


async def consent(db: Database, consent_id: str, creator_id: str, decision: str = "OPT_IN") -> None:
    await db.run_write(ADD_CONSENT, {"id": consent_id, "creator_id": creator_id, "decision": decision})


async def catalogue(db: Database) -> None:
    """The works the sample payloads name: First Song (ISWC A, licensable), Third Song (declined by Di),
    Other Song (ISWC B, no consent) and the recording of First Song (ISRC A)."""
    await add_work(db, "w-first", {"Ada Writer": 10000}, title="First Song", iswc=ISWC_A)
    await add_work(db, "w-third", {"Di": 10000}, title="Third Song")
    await add_work(db, "w-other", {"Bo": 10000}, title="Other Song", iswc=ISWC_B)
    await add_recording(db, "rec-first", ISRC_A, ["w-first"], title="First Song", artist="Ada Band")
    await consent(db, "k-ada", "Ada Writer")
    await consent(db, "k-di", "Di", decision="DECLINE")


async def world(db: Database, *, vendor_ids: tuple[str, ...] = ("vendor_x",)) -> dict[str, str]:
    """The catalogue, output out_01 of lic-1, and vendors engaged by lic-1 (the first designated).
    Returns each vendor's webhook secret."""
    await catalogue(db)
    await add_output(db)
    secrets: dict[str, str] = {}
    for index, vendor_id in enumerate(vendor_ids):
        fmt = "sureel" if "sureel" in vendor_id else "generic_json"
        _, secret = await vendors.create_vendor(db, vendor_id, vendor_id.title(), fmt)
        assert secret is not None
        secrets[vendor_id] = secret
        await vendors.engage(db, "lic-1", vendor_id, designated=index == 0)
    return secrets


def report(**overrides: Any) -> AttributionReport:
    return validate_report(samples.canonical_report(**overrides))


async def count(db: Database, label: str) -> int:
    rows = await db.run_read(COUNT, {"label": label})
    return int(rows[0]["n"])
