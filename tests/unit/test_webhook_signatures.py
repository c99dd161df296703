"""Webhook signatures: valid deliveries pass; bad signatures, stale timestamps and replays are refused."""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path

import pytest

from attribution_adapters.signatures import (
    SIGNATURE_HEADER,
    InMemoryReplayGuard,
    Rejection,
    WebhookRejected,
    compute_signature,
    parse_header,
    sign,
    verify_signature,
    verify_webhook,
)

SECRET = "whsec_5f0c2b9a7e1d4c38b6a2f9e0d1c7b4a3"
OLD_SECRET = "whsec_0000aaaa1111bbbb2222cccc3333dddd"
BODY = b'{"analysis_id":"sa_01HZX4K2","status":"completed"}'
T = 1_748_770_200
DOCS = Path(__file__).resolve().parents[2] / "docs" / "attribution-formats.md"


def assert_rejected(reason: Rejection) -> pytest.RaisesExc[WebhookRejected]:
    return pytest.raises(WebhookRejected, check=lambda exc: exc.reason is reason)


async def deliver(
    header: str | None, body: bytes = BODY, *, now: float = T + 5, guard: InMemoryReplayGuard | None = None
):
    return await verify_webhook(
        header,
        body,
        [SECRET],
        vendor_id="ven_sureel",
        replay_guard=guard or InMemoryReplayGuard(clock=lambda: now),
        now=now,
    )


async def test_valid_delivery_is_accepted() -> None:
    delivery = await deliver(sign(BODY, SECRET, timestamp=T))
    assert delivery.timestamp == T
    assert delivery.signature == compute_signature(SECRET, T, BODY)


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(BODY, SECRET, timestamp=T) == f"t={T},v1={expected}"


def test_documented_worked_example_is_right() -> None:
    documented = re.search(
        rf"{SIGNATURE_HEADER}: (t=\d+,v1=[0-9a-f]{{64}})", DOCS.read_text(encoding="utf-8")
    )
    assert documented is not None
    assert documented.group(1) == sign(BODY, SECRET, timestamp=T)


async def test_tampered_body_is_refused() -> None:
    with assert_rejected(Rejection.BAD_SIGNATURE):
        await deliver(sign(BODY, SECRET, timestamp=T), BODY.replace(b"completed", b"completed "))


async def test_wrong_secret_is_refused() -> None:
    with assert_rejected(Rejection.BAD_SIGNATURE):
        await deliver(sign(BODY, "x" * 40, timestamp=T))


async def test_redated_signature_is_refused() -> None:
    # Moving t forward to dodge the window breaks the MAC, because t is inside it.
    original = sign(BODY, SECRET, timestamp=T - 3600)
    with assert_rejected(Rejection.BAD_SIGNATURE):
        await deliver(original.replace(f"t={T - 3600}", f"t={T}"))


@pytest.mark.parametrize("age", [301, -301, 86_400])
async def test_stale_or_future_timestamp_is_refused(age: int) -> None:
    with assert_rejected(Rejection.STALE_TIMESTAMP) as exc:
        await deliver(sign(BODY, SECRET, timestamp=T - age), now=T)
    assert "300s" in exc.value.message


async def test_timestamp_at_the_edge_of_the_window_is_accepted() -> None:
    delivery = await deliver(sign(BODY, SECRET, timestamp=T - 300), now=T)
    assert (delivery.timestamp, delivery.signature) == (T - 300, compute_signature(SECRET, T - 300, BODY))


async def test_replay_is_refused() -> None:
    guard = InMemoryReplayGuard(clock=lambda: T)
    header = sign(BODY, SECRET, timestamp=T)
    await deliver(header, now=T, guard=guard)
    with assert_rejected(Rejection.REPLAYED):
        await deliver(header, now=T + 1, guard=guard)


async def test_resigned_resend_is_a_new_delivery() -> None:
    guard = InMemoryReplayGuard(clock=lambda: T)
    first = await deliver(sign(BODY, SECRET, timestamp=T), now=T, guard=guard)
    second = await deliver(sign(BODY, SECRET, timestamp=T + 1), now=T + 1, guard=guard)
    assert (first.timestamp, second.timestamp) == (T, T + 1)
    assert second.signature == compute_signature(SECRET, T + 1, BODY) != first.signature


async def test_forged_deliveries_never_reach_the_replay_guard() -> None:
    class CountingGuard(InMemoryReplayGuard):
        calls = 0

        async def first_use(self, key: str, *, expires_at: int) -> bool:
            CountingGuard.calls += 1
            return await super().first_use(key, expires_at=expires_at)

    guard = CountingGuard()
    with assert_rejected(Rejection.BAD_SIGNATURE):
        await deliver(f"t={T},v1={'0' * 64}", guard=guard)
    assert CountingGuard.calls == 0


async def test_in_memory_guard_forgets_after_expiry() -> None:
    now = [float(T)]
    guard = InMemoryReplayGuard(clock=lambda: now[0])
    assert await guard.first_use("k", expires_at=T + 10)
    assert not await guard.first_use("k", expires_at=T + 10)
    now[0] = T + 11
    assert await guard.first_use("k", expires_at=T + 30)


async def test_rotation_accepts_any_current_secret() -> None:
    old = compute_signature(OLD_SECRET, T, BODY)
    new = compute_signature(SECRET, T, BODY)
    delivery = await verify_webhook(
        f"t={T},v1={old},v1={new}, v2=ignored",
        BODY,
        [SECRET],
        vendor_id="v",
        replay_guard=InMemoryReplayGuard(clock=lambda: T),
        now=T,
    )
    assert delivery.signature == new
    # The old secret is still current during the rotation; signatures compare case-insensitively.
    rotated = verify_signature(f"t={T},v1={old.upper()}", BODY, [SECRET, OLD_SECRET], now=T)
    assert rotated.signature == old


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, Rejection.MISSING_HEADER),
        ("  ", Rejection.MISSING_HEADER),
        ("sha256=abc", Rejection.MALFORMED_HEADER),
        (f"t={T}", Rejection.MALFORMED_HEADER),
        ("v1=abc", Rejection.MALFORMED_HEADER),
        (f"t=-{T},v1=abc", Rejection.MALFORMED_HEADER),
        (f"t={T},t={T},v1=abc", Rejection.MALFORMED_HEADER),
        (f"t={T}; v1=abc", Rejection.MALFORMED_HEADER),
        ("t=1,v1=" + "a" * 5000, Rejection.MALFORMED_HEADER),
    ],
)
async def test_malformed_headers_are_refused(header: str | None, reason: Rejection) -> None:
    with assert_rejected(reason):
        await deliver(header)


def test_parse_header() -> None:
    parsed = parse_header(f"t={T},v1=ABC,v1=def")
    assert parsed.timestamp == T and parsed.signatures == ("abc", "def")


def test_rejection_is_unauthenticated_with_reason() -> None:
    with pytest.raises(WebhookRejected) as exc:
        verify_signature(None, BODY, [SECRET], now=T)
    assert exc.value.code == "UNAUTHENTICATED"
    assert exc.value.details == {"reason": "MISSING_HEADER"}


def test_short_or_missing_secrets_are_configuration_errors() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        sign(BODY, "short")
    with pytest.raises(ValueError, match="no webhook secret"):
        verify_signature(sign(BODY, SECRET), BODY, [])
