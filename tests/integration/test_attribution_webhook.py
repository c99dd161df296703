"""The signed webhook on the real app and the real Neo4j; and the three ways in storing one report."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

import tests.attribution_samples as samples
from attribution_adapters.pull_client import RetryPolicy
from attribution_adapters.signatures import SIGNATURE_HEADER, sign
from graph.database import Database
from graph.stores._pages import KeyWindow
from graph.stores.audit import events as audit_events
from opustrace.attribution_pull import pull
from opustrace.attribution_webhook import MAX_BODY_BYTES
from tests.integration.attribution_graph import count, world
from tests.integration.test_pull_client import Reply, Sleeps, VendorServer, page
from tests.support import GraphQLClient

URL = "/webhooks/attribution/ven_sureel"
BODY = json.dumps(samples.SUREEL_RESULT).encode()


@pytest.fixture
def server() -> Iterator[VendorServer]:
    with VendorServer() as running:
        yield running


async def _post(gql: GraphQLClient, body: bytes, header: str | None, url: str = URL) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers[SIGNATURE_HEADER] = header
    return await gql.http.post(url, content=body, headers=headers)


async def test_signed_delivery_is_stored_and_audited(db: Database, gql: GraphQLClient) -> None:
    secret = (await world(db, vendor_ids=("ven_sureel",)))["ven_sureel"]
    response = await _post(gql, BODY, sign(BODY, secret))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["reports"] == [
        {"id": answer["report_id"], "output_id": "out_01", "duplicate": False, "current": True}
    ]
    rows = await db.run_read("MATCH (r:AttributionReport) RETURN r.via AS via, r.id AS id")
    assert rows == [{"via": "WEBHOOK", "id": answer["report_id"]}]
    first = KeyWindow(after=None, limit=10, count=False)
    _, events = await audit_events.list_events(db, answer["report_id"], None, None, first)
    assert [(e.row["via"], e.row["actor"], e.row["action"]) for e in events] == [
        ("WEBHOOK", "vendor:ven_sureel", "Webhook.attribution")
    ]

    # Re-signed with a new timestamp, the same report is accepted and recognised: stored once.
    resent = await _post(gql, BODY, sign(BODY, secret, timestamp=int(time.time()) - 60))
    assert resent.status_code == 200 and resent.json()["reports"][0]["duplicate"] is True
    assert await count(db, "AttributionReport") == 1


async def test_bad_stale_and_replayed_deliveries_are_refused(db: Database, gql: GraphQLClient) -> None:
    secret = (await world(db, vendor_ids=("ven_sureel",)))["ven_sureel"]
    wrong = await _post(gql, BODY, sign(BODY, "whsec_" + "0" * 64))
    stale = await _post(gql, BODY, sign(BODY, secret, timestamp=int(time.time()) - 301))
    missing = await _post(gql, BODY, None)
    tampered = await _post(gql, BODY.replace(b"31.5", b"91.5"), sign(BODY, secret))
    reasons = [r.json()["error"]["details"]["reason"] for r in (wrong, stale, missing, tampered)]
    assert [r.status_code for r in (wrong, stale, missing, tampered)] == [401, 401, 401, 401]
    assert reasons == ["BAD_SIGNATURE", "STALE_TIMESTAMP", "MISSING_HEADER", "BAD_SIGNATURE"]
    assert await count(db, "AttributionReport") == 0
    assert await count(db, "WebhookDelivery") == 0  # only authentic, fresh deliveries reach the guard

    header = sign(BODY, secret)
    assert (await _post(gql, BODY, header)).status_code == 200
    replay = await _post(gql, BODY, header)
    assert replay.status_code == 401 and replay.json()["error"]["details"]["reason"] == "REPLAYED"
    assert await count(db, "AttributionReport") == 1


async def test_payload_vendor_and_output_errors(db: Database, gql: GraphQLClient) -> None:
    secret = (await world(db, vendor_ids=("ven_sureel",)))["ven_sureel"]
    bad = json.dumps(
        samples.sureel(attributions=[{"asset": {"type": "song"}, "influence_pct": 101}])
    ).encode()
    refused = await _post(gql, bad, sign(bad, secret))
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert "attributions[0].asset.type: must be one of composition, recording" in error["message"]
    problems = [item["field"] for item in error["details"]["errors"]]
    assert problems == ["attributions[0].asset.type", "attributions[0].influence_pct"]  # all at once

    # An unknown vendor answers exactly as a wrong signature to a known one: ids cannot be enumerated.
    unknown_vendor = await _post(gql, BODY, sign(BODY, secret), url="/webhooks/attribution/nobody")
    wrong_secret = await _post(gql, BODY, sign(BODY, "whsec_" + "0" * 64))
    assert unknown_vendor.status_code == wrong_secret.status_code == 401
    assert unknown_vendor.json() == wrong_secret.json()

    elsewhere = json.dumps(samples.sureel(output={"reference": "out_404"})).encode()
    missing_output = await _post(gql, elsewhere, sign(elsewhere, secret))
    assert missing_output.status_code == 404 and "out_404" in missing_output.json()["error"]["message"]

    huge = b" " * (MAX_BODY_BYTES + 1)
    too_large = await _post(gql, huge, sign(huge, secret))
    assert too_large.status_code == 413 and too_large.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert await count(db, "AttributionReport") == 0
    # Between the API's 1 MiB cap and the webhook's documented 20 MiB, a signed delivery is stored.
    padded = BODY + b" " * (2 * 1024 * 1024)
    assert (await _post(gql, padded, sign(padded, secret))).status_code == 200


async def test_three_ways_in_store_one_report(db: Database, gql: GraphQLClient, server: VendorServer) -> None:
    secret = (await world(db, vendor_ids=("ven_sureel",)))["ven_sureel"]
    webhook = await _post(gql, BODY, sign(BODY, secret))
    report_id = webhook.json()["report_id"]

    key = await gql.key_for("VENDOR", "ven_sureel")
    mutation = """mutation($p: JSON) { submitAttributionReport(format: SUREEL, payload: $p) {
        reports { duplicate report { id digest } } } }"""
    submitted = (await gql(mutation, {"p": BODY.decode()}, key=key)).data["submitAttributionReport"]
    assert submitted["reports"][0]["duplicate"] is True
    assert submitted["reports"][0]["report"]["id"] == report_id

    server.script("results", Reply(200, page(samples.SUREEL_RESULT)))
    policy = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.1)
    pulled = await pull(db, "ven_sureel", server.base_url, retry=policy, sleep=Sleeps())
    assert (pulled.stored, pulled.duplicates) == (0, 1)
    assert await count(db, "AttributionReport") == 1
