"""Outputs keyed by (licensee, audio) on the real Neo4j: outputs declared before V0011, and two licensees
declaring one audio at the same moment (docs/access.md, "Outputs are keyed by licensee and audio")."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from graph.database import Database
from graph.migrations import migrate
from graph.stores._pages import KeyWindow
from graph.stores.licensing import licences
from graph.stores.provenance import reads
from graph.stores.provenance import writes as provenance
from registry.licensing import LicenseeInput
from registry.provenance import OutputInput
from tests.integration.provenance_graph import content_hash, licensee_with_grant, model

pytestmark = pytest.mark.integration

GENERATED = datetime(2025, 4, 1, tzinfo=UTC)
# An output as declared before V0011: its id was its audio's hash, its licensee held through its model.
OLD_OUTPUT = """
MATCH (m:Model {id: $model_id})
CREATE (m)-[:GENERATED]->(:Output {id: $hash, content_hash: $hash, created_at: datetime($at),
                                   generated_at: datetime($at), compliant: true, declared_at: datetime()})
"""
OUTPUTS = "MATCH (o:Output {content_hash: $hash}) RETURN o.id AS id, o.licensee_id AS licensee ORDER BY id"


async def _two_licensees(db: Database) -> tuple[str, str]:
    await licensee_with_grant(db, "lic-1")
    await licences.create_licensee(db, LicenseeInput(id="lic-2", name="LIC-2"))
    return (await model(db, "lic-1")).id, (await model(db, "lic-2")).id


def _declared(licensee: str, model_id: str, audio: str) -> OutputInput:
    return OutputInput(licensee_id=licensee, model_id=model_id, content_hash=audio, generated_at=GENERATED)


async def test_an_output_declared_before_v0011_keeps_its_id_and_answers_its_licensees_replay(
    db: Database,
) -> None:
    m1, m2 = await _two_licensees(db)
    audio = content_hash("old")
    await db.run_write(OLD_OUTPUT, {"model_id": m1, "hash": audio, "at": GENERATED.isoformat()})
    await db.run_write("MATCH (m:Migration {version: 11}) DELETE m")
    assert await migrate(db) == ["V0011__outputs_per_licensee.cypher"]
    assert [dict(r) for r in await db.run_read(OUTPUTS, {"hash": audio})] == [
        {"id": audio, "licensee": "lic-1"}
    ]
    # The licensee's replay (no id: the default) names the stored output, whatever default it had.
    replay = await provenance.declare_output(db, _declared("lic-1", m1, audio))
    assert replay.id == audio and replay.licensee_id == "lic-1"
    # Another licensee's declaration of that audio is its own output, and the society's dispute.
    other = await provenance.declare_output(db, _declared("lic-2", m2, audio))
    assert other.id == f"lic-2:{audio}"
    assert [r["id"] for r in await db.run_read(OUTPUTS, {"hash": audio})] == [audio, f"lic-2:{audio}"]
    total, disputes = await reads.audio_disputes(db, KeyWindow(after=None, limit=10, count=True))
    assert total == 1 and [o.id for o in disputes[0].row.outputs] == [audio, f"lic-2:{audio}"]


async def test_two_licensees_declaring_one_audio_at_once_always_open_its_dispute(db: Database) -> None:
    """Declarations of one audio take its lock: neither can miss the other, however they interleave."""
    m1, m2 = await _two_licensees(db)
    audios = [content_hash(f"race-{i}") for i in range(8)]
    for audio in audios:
        both = await asyncio.gather(
            provenance.declare_output(db, _declared("lic-1", m1, audio)),
            provenance.declare_output(db, _declared("lic-2", m2, audio)),
        )
        assert sorted(o.id for o in both) == [f"lic-1:{audio}", f"lic-2:{audio}"]
    first = KeyWindow(after=None, limit=20, count=True)
    total, disputes = await reads.audio_disputes(db, first)
    assert total == len(audios)
    assert sorted(d.row.content_hash for d in disputes) == sorted(audios)
    # A licensee's second declaration of its own audio is a replay, not a second output or dispute.
    again = await provenance.declare_output(db, _declared("lic-1", m1, audios[0]))
    assert again.id == f"lic-1:{audios[0]}"
    assert (await reads.audio_disputes(db, first))[0] == len(audios)
