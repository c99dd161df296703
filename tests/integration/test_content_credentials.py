"""C2PA content credentials on the real Neo4j: a generated WAV signed by the service, validated by
c2pa-python's own Reader, traced back from the file alone; tampering, foreign and broken files; the CLI."""

from __future__ import annotations

import asyncio
import base64
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import c2pa
import httpx
import pytest
from click.testing import CliRunner

from graph.database import Database, Neo4jSettings
from graph.stores.licensing import licences
from graph.stores.system.api_keys import ensure_bootstrap_admin
from interchange.c2pa_credentials import SigningCredentials, sign_audio
from opustrace.app import create_app
from opustrace.cli import cli
from opustrace.settings import Settings
from registry.content_credentials import TRAINED_ALGORITHMIC_MEDIA, AudioFormat, sha256_hex
from registry.licensing import LicenseeInput
from tests.c2pa_chain import Chain, make_chain, make_wav
from tests.integration.attribution_graph import ISWC_A
from tests.integration.traced_world import IPI, attributed_output
from tests.support import ADMIN_SECRET, GraphQLClient, GraphQLResult

pytestmark = pytest.mark.integration

SIGN = """
mutation($id: ID!, $f: Upload!) {
  signOutputAudio(outputId: $id, audio: $f) {
    outputId contentHash signedSha256 manifestLabel format fileBase64
  }
}
"""
INSPECT = """
mutation($f: Upload!) {
  inspectAudio(audio: $f) {
    state message fileSha256 manifestFound validationState signatureValid chainTrusted hashBindingValid
    editedSinceSigning problems manifestLabel claimedOutputId claimedInfluences matchedBy
    trace { output { id contentHash } model { id } trainingRuns { id } influences { score work { id } } }
  }
}
"""


@pytest.fixture
def chain(tmp_path: Path) -> Chain:
    return make_chain(tmp_path)


def _settings(chain: Chain) -> Settings:
    return Settings(
        c2pa_certificate_chain_file=chain.chain_file,
        c2pa_private_key_file=chain.key_file,
        c2pa_trust_anchors_file=chain.root_file,
        OPUSTRACE_PUBLIC_URL="https://registry.example",
    )


@pytest.fixture
async def gql_c2pa(db: Database, chain: Chain) -> AsyncIterator[GraphQLClient]:
    await ensure_bootstrap_admin(db, ADMIN_SECRET)
    app = create_app(_settings(chain), db, run_migrations=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
        yield GraphQLClient(http)


async def _upload(
    gql: GraphQLClient, query: str, variables: dict[str, Any], content: bytes, key: str, name: str = "t.wav"
) -> GraphQLResult:
    operations = {"query": query, "variables": variables | {"f": None}}
    response = await gql.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
        files={"0": (name, content, "audio/wav")},
        headers={"Authorization": f"Bearer {key}"},
    )
    return GraphQLResult(response.status_code, response.json())


def _reader(signed: bytes, chain: Chain) -> c2pa.Reader:
    context = c2pa.Context.from_dict({"trust": {"trust_anchors": chain.root_file.read_text()}})
    return c2pa.Reader("audio/wav", io.BytesIO(signed), None, context)


async def test_signed_wav_validates_shows_influences_and_traces_back(
    db: Database, gql_c2pa: GraphQLClient, chain: Chain
) -> None:
    audio = make_wav()
    output_id = await attributed_output(db, sha256_hex(audio))
    licensee = await gql_c2pa.key_for("LICENSEE", "lic-1")
    signed = (await _upload(gql_c2pa, SIGN, {"id": output_id}, audio, licensee)).data["signOutputAudio"]
    data = base64.b64decode(signed["fileBase64"])
    assert signed["contentHash"] == sha256_hex(audio) and signed["signedSha256"] == sha256_hex(data)

    # c2pa-python's own reader, with the throwaway root as its trust anchor.
    with _reader(data, chain) as reader:
        assert reader.get_validation_state() == "Trusted"
        manifest = reader.get_active_manifest()
    assert manifest["label"] == signed["manifestLabel"]
    assertions = {a["label"]: a["data"] for a in manifest["assertions"]}
    created = assertions["c2pa.actions.v2"]["actions"][0]
    assert created["action"] == "c2pa.created" and created["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    ours = assertions["org.opustrace.provenance"]
    assert ours["output"] == {"id": output_id, "contentHash": sha256_hex(audio), "generatedAt": ANY_TIME}
    assert ours["model"]["id"] == "lic-1:m:1" and ours["licensee"]["id"] == "lic-1"
    assert ours["grants"] == ["g1"]
    [influence] = ours["attribution"]["influences"]
    assert (influence["iswc"], influence["creatorIpis"], influence["score"]) == (ISWC_A, [IPI], "0.5")
    assert ours["trace"]["url"].startswith("https://registry.example/graphql?query=")

    # From the file alone, as an auditor holding only the track.
    auditor = await gql_c2pa.key_for("AUDITOR")
    seen = (await _upload(gql_c2pa, INSPECT, {}, data, auditor)).data["inspectAudio"]
    assert seen["state"] == "VERIFIED", seen["message"]
    assert (seen["signatureValid"], seen["chainTrusted"], seen["editedSinceSigning"]) == (True, True, False)
    assert seen["matchedBy"] == "SIGNED_FILE_HASH" and seen["claimedOutputId"] == output_id
    assert seen["trace"]["output"] == {"id": output_id, "contentHash": sha256_hex(audio)}
    assert [r["id"] for r in seen["trace"]["trainingRuns"]] == ["lic-1:run-1"]
    assert seen["claimedInfluences"][0]["iswc"] == ISWC_A


class _AnyTime:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and datetime.fromisoformat(other) == datetime(2025, 5, 1, tzinfo=UTC)


ANY_TIME = _AnyTime()


async def test_tampering_after_signing_is_detected(
    db: Database, gql_c2pa: GraphQLClient, chain: Chain
) -> None:
    audio = make_wav()
    output_id = await attributed_output(db, sha256_hex(audio))
    admin = ADMIN_SECRET
    signed = (await _upload(gql_c2pa, SIGN, {"id": output_id}, audio, admin)).data["signOutputAudio"]
    data = bytearray(base64.b64decode(signed["fileBase64"]))
    data[200] ^= 0x7F  # a sample inside the audio's data chunk
    with _reader(bytes(data), chain) as reader:
        assert reader.get_validation_state() == "Invalid"
        failures = [f["code"] for f in reader.get_validation_results()["activeManifest"]["failure"]]
    assert "assertion.dataHash.mismatch" in failures

    seen = (await _upload(gql_c2pa, INSPECT, {}, bytes(data), admin)).data["inspectAudio"]
    assert seen["state"] == "EDITED" and seen["editedSinceSigning"] is True
    assert seen["hashBindingValid"] is False and "edited after it was signed" in seen["message"]
    # Still traced, by the manifest's label, so the reader learns which output was altered.
    assert seen["matchedBy"] == "MANIFEST_LABEL" and seen["trace"]["output"]["id"] == output_id


async def test_files_without_a_manifest_broken_or_naming_an_unknown_output(
    db: Database, gql_c2pa: GraphQLClient, chain: Chain
) -> None:
    audio = make_wav()
    output_id = await attributed_output(db, sha256_hex(audio))
    admin = ADMIN_SECRET

    plain = (await _upload(gql_c2pa, INSPECT, {}, make_wav(220), admin)).data["inspectAudio"]
    assert plain["state"] == "NO_MANIFEST" and plain["manifestFound"] is False and plain["trace"] is None
    original = (await _upload(gql_c2pa, INSPECT, {}, audio, admin)).data["inspectAudio"]
    assert original["state"] == "NO_MANIFEST" and original["matchedBy"] == "FILE_HASH"
    assert original["trace"]["output"]["id"] == output_id

    credentials = SigningCredentials(chain.chain_file.read_text(), chain.key_file.read_text())
    created = {"action": "c2pa.created", "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA}
    stranger = {
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": [created]}},
            {"label": "org.opustrace.provenance", "data": {"output": {"id": "nope"}}},
        ]
    }
    foreign = sign_audio(credentials, make_wav(330), AudioFormat.WAV, stranger).data
    unknown = (await _upload(gql_c2pa, INSPECT, {}, foreign, admin)).data["inspectAudio"]
    assert unknown["state"] == "UNKNOWN_OUTPUT" and unknown["claimedOutputId"] == "nope"
    assert unknown["signatureValid"] is True and unknown["trace"] is None

    start = foreign.index(b"jumb")
    broken = foreign[: start + 40] + b"\0" * 40 + foreign[start + 80 :]
    bad = (await _upload(gql_c2pa, INSPECT, {}, broken, admin)).data["inspectAudio"]
    assert bad["state"] in {"BROKEN_MANIFEST", "INVALID_SIGNATURE"}, bad
    assert bad["problems"] and bad["trace"] is None


async def test_signing_needs_the_declared_audio_and_the_owner(db: Database, gql_c2pa: GraphQLClient) -> None:
    audio = make_wav()
    output_id = await attributed_output(db, sha256_hex(audio))
    await licences.create_licensee(db, LicenseeInput(id="lic-2", name="Other"))
    other = await gql_c2pa.key_for("LICENSEE", "lic-2")
    hidden = await _upload(gql_c2pa, SIGN, {"id": output_id}, audio, other)
    missing = await _upload(gql_c2pa, SIGN, {"id": "no-such"}, audio, ADMIN_SECRET)
    assert hidden.codes == missing.codes == ["NOT_FOUND"]
    wrong = await _upload(gql_c2pa, SIGN, {"id": output_id}, make_wav(880), ADMIN_SECRET)
    assert wrong.codes == ["BAD_USER_INPUT"] and "upload the audio exactly as declared" in wrong.messages[0]
    assert await db.run_read("MATCH (s:SignedAsset) RETURN s") == []


async def test_cli_signs_and_inspects(
    db: Database, neo4j_settings: Neo4jSettings, chain: Chain, tmp_path: Path
) -> None:
    audio = make_wav()
    output_id = await attributed_output(db, sha256_hex(audio))
    track = tmp_path / "track.wav"
    track.write_bytes(audio)
    env = {
        "NEO4J_URI": neo4j_settings.uri,
        "NEO4J_USER": neo4j_settings.user,
        "NEO4J_PASSWORD": neo4j_settings.password,
        "C2PA_CERTIFICATE_CHAIN_FILE": str(chain.chain_file),
        "C2PA_PRIVATE_KEY_FILE": str(chain.key_file),
        "C2PA_TRUST_ANCHORS_FILE": str(chain.root_file),
    }
    runner = CliRunner(env=env)
    # The commands run their own event loop, so they run beside this test's, in a thread.
    signed = await asyncio.to_thread(runner.invoke, cli, ["c2pa", "sign", output_id, str(track)])
    assert signed.exit_code == 0, signed.output
    signed_file = tmp_path / "track.signed.wav"
    inspected = await asyncio.to_thread(runner.invoke, cli, ["c2pa", "inspect", "--json", str(signed_file)])
    assert inspected.exit_code == 0, inspected.output
    shown = json.loads(inspected.output)
    assert (shown["state"], shown["outputId"], shown["chainTrusted"]) == ("VERIFIED", output_id, True)
    assert shown["trace"]["trainingRuns"][0]["grant"] == "g1"
    plain = await asyncio.to_thread(runner.invoke, cli, ["c2pa", "inspect", str(track)])
    assert plain.exit_code == 2 and "state: NO_MANIFEST" in plain.output
