"""The published audit head and signed daily checkpoints on the real Neo4j: public routes, one checkpoint
a day, and `opustrace audit verify --since` catching a chain rewritten consistently after the checkpoint."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from graph import audit_checkpoints
from graph.database import Database, Neo4jSettings
from graph.stores.audit import events as audit_events
from opustrace.cli import cli
from registry.audit import GENESIS, event_hash
from registry.audit_checkpoint import checkpoint_anchors
from tests.integration.test_audit_trail import make_events
from tests.support import GraphQLClient

pytestmark = pytest.mark.integration
HEAD = "{ auditHead { chain seq hash } auditCheckpoints { heads { seq hash } publicKey document } }"
# Rewrite event 1 and re-hash the whole chain after it, as a careful forger would: a plain verify passes.
REHASH = "MATCH (e:AuditEvent) RETURN e {.*} AS event ORDER BY e.seq"


async def _rewrite_consistently(db: Database) -> None:
    prev = GENESIS
    for row in await db.run_read(REHASH):
        event = row["event"]
        if event["seq"] == 1:
            event["actor"] = "someone-else"
        event["prev_hash"], event["hash"] = prev, event_hash(prev, event)
        await db.run_write(
            "MATCH (e:AuditEvent {seq: $seq}) SET e = $event", {"seq": event["seq"], "event": event}
        )
        prev = event["hash"]
    await db.run_write("MATCH (h:AuditHead {id: 'audit'}) SET h.hash = $hash", {"hash": prev})


async def test_head_is_public_and_checkpoints_catch_a_rewrite(gql: GraphQLClient, db: Database) -> None:
    await make_events(gql, 3)
    anonymous = (await gql(HEAD)).data
    head = (await db.run_read("MATCH (h:AuditHead) RETURN h.seq AS seq, h.hash AS hash"))[0]
    assert anonymous["auditHead"] == [{"chain": "audit", "seq": head["seq"], "hash": head["hash"]}]
    assert anonymous["auditCheckpoints"] == []
    route = await gql.http.get("/audit/head")
    assert route.status_code == 200 and route.json()["heads"][0]["hash"] == head["hash"]
    assert (await gql.http.get("/audit/checkpoints/latest")).status_code == 404

    key = Ed25519PrivateKey.generate()
    first = await audit_checkpoints.checkpoint_today(db, key)
    await make_events(gql, 1)
    again = await audit_checkpoints.checkpoint_today(db, key)
    assert again == first  # one a day: the first stays
    latest = (await gql.http.get("/audit/checkpoints/latest")).json()
    anchors = checkpoint_anchors(json.dumps(latest))
    assert anchors == {head["seq"]: head["hash"]}
    assert (await gql(HEAD)).data["auditCheckpoints"][0]["heads"] == [
        {"seq": head["seq"], "hash": head["hash"]}
    ]

    assert await audit_events.verify(db, anchors=anchors) == (head["seq"] + 1, None)
    await _rewrite_consistently(db)
    _, plain = await audit_events.verify(db)
    assert plain is None  # the forgery is self-consistent
    _, broken = await audit_events.verify(db, anchors=anchors)
    assert broken is not None and (broken.seq, broken.problem) == (head["seq"], "REWRITTEN")


async def test_cli_writes_a_checkpoint_and_verifies_since_it(
    gql: GraphQLClient, db: Database, neo4j_settings: Neo4jSettings, tmp_path: Path
) -> None:
    await make_events(gql, 2)
    key_file, saved = tmp_path / "checkpoint.key", tmp_path / "checkpoint.json"
    key_file.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_USER": neo4j_settings.user}
    env |= {"NEO4J_PASSWORD": neo4j_settings.password, "AUDIT_CHECKPOINT_KEY_FILE": str(key_file)}
    runner = CliRunner(env=env)
    written = await asyncio.to_thread(runner.invoke, cli, ["audit", "checkpoint", "--out", str(saved)])
    assert written.exit_code == 0, written.output
    assert json.loads(saved.read_text())["checkpoint"]["heads"][0]["seq"] == 2

    verified = await asyncio.to_thread(runner.invoke, cli, ["audit", "verify", "--since", str(saved)])
    assert verified.exit_code == 0, verified.output
    assert "consistent with the checkpoint up to event 2" in verified.output

    forged = json.loads(saved.read_text())
    forged["checkpoint"]["issued_at"] = datetime(2020, 1, 1, tzinfo=UTC).isoformat()
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    refused = await asyncio.to_thread(
        runner.invoke, cli, ["audit", "verify", "--since", str(tmp_path / "forged.json")]
    )
    assert refused.exit_code == 1 and "signature does not verify" in refused.output

    await _rewrite_consistently(db)
    broken = await asyncio.to_thread(runner.invoke, cli, ["audit", "verify", "--since", str(saved)])
    assert broken.exit_code == 1 and "audit event 2 differs from the checkpoint" in broken.output
