"""Webhook signatures: HMAC-SHA256 over `"{timestamp}.{body}"`, a freshness window and a replay guard.

Header (documented in docs/attribution-formats.md, "Webhook signatures"):

    X-Opustrace-Signature: t=1717234200,v1=5f8e...c3a1

`t` is Unix seconds when the vendor signed; `v1` is the lowercase hex HMAC-SHA256, keyed with the
vendor's shared secret, of the ASCII timestamp, a full stop, and the raw request body bytes. A
header may carry several `v1` values (one per secret while a vendor rotates) and must be accepted
if any matches any of our current secrets. Unknown schemes (`v2=`...) are ignored so the format
can grow without breaking senders.

The timestamp is inside the MAC so an old body cannot be re-dated, the window bounds how long a
captured request is worth anything, and the replay guard refuses the same signed request twice
inside that window. Together they make a captured request useless to anyone else.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from registry.errors import Unauthenticated

SIGNATURE_HEADER = "X-Opustrace-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300
MIN_SECRET_BYTES = 32  # 256 bits: as strong as the hash; shorter secrets are a configuration error
_MAX_HEADER = 4096


class Rejection(StrEnum):
    MISSING_HEADER = "MISSING_HEADER"
    MALFORMED_HEADER = "MALFORMED_HEADER"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    STALE_TIMESTAMP = "STALE_TIMESTAMP"
    REPLAYED = "REPLAYED"


class WebhookRejected(Unauthenticated):
    """A webhook delivery we refuse; `reason` says which check failed (the HTTP layer maps it)."""

    def __init__(self, reason: Rejection, message: str) -> None:
        super().__init__(message, details={"reason": reason.value})
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SignatureHeader:
    timestamp: int
    signatures: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VerifiedDelivery:
    """What a verified request proved: when it was signed and the signature that matched."""

    timestamp: int
    signature: str


def _key(secret: bytes | str) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if len(key) < MIN_SECRET_BYTES:
        raise ValueError(
            f"webhook secrets must be at least {MIN_SECRET_BYTES} bytes; use secrets.token_hex(32)"
        )
    return key


def signed_payload(timestamp: int, body: bytes) -> bytes:
    """The exact bytes the MAC covers: `b"<timestamp>." + body`."""
    return f"{timestamp}.".encode("ascii") + body


def compute_signature(secret: bytes | str, timestamp: int, body: bytes) -> str:
    return hmac.new(_key(secret), signed_payload(timestamp, body), hashlib.sha256).hexdigest()


def sign(body: bytes, secret: bytes | str, *, timestamp: int | None = None) -> str:
    """The header value a vendor sends: `t=<unix seconds>,v1=<hex>`."""
    signed_at = int(time.time()) if timestamp is None else timestamp
    return f"t={signed_at},{SCHEME}={compute_signature(secret, signed_at, body)}"


def parse_header(value: str | None) -> SignatureHeader:
    if value is None or not value.strip():
        raise WebhookRejected(
            Rejection.MISSING_HEADER, f"missing {SIGNATURE_HEADER} header; sign every delivery"
        )
    if len(value) > _MAX_HEADER:
        raise WebhookRejected(Rejection.MALFORMED_HEADER, f"{SIGNATURE_HEADER} header is too long")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in value.split(","):
        name, sep, item = part.strip().partition("=")
        if not sep:
            raise WebhookRejected(
                Rejection.MALFORMED_HEADER, f"{SIGNATURE_HEADER} must look like t=<unix seconds>,v1=<hex>"
            )
        if name == "t":
            if not item.isascii() or not item.isdigit() or len(item) > 12 or timestamp is not None:
                raise WebhookRejected(Rejection.MALFORMED_HEADER, "t= must appear once, as Unix seconds")
            timestamp = int(item)
        elif name == SCHEME:
            signatures.append(item.lower())
    if timestamp is None or not signatures:
        raise WebhookRejected(
            Rejection.MALFORMED_HEADER,
            f"{SIGNATURE_HEADER} needs both t= and {SCHEME}= (t=<unix seconds>,v1=<hex>)",
        )
    return SignatureHeader(timestamp, tuple(signatures))


def verify_signature(
    header: str | None,
    body: bytes,
    secrets: Sequence[bytes | str],
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> VerifiedDelivery:
    """Check the MAC and the freshness window (no storage). Raises WebhookRejected."""
    if not secrets:
        raise ValueError("no webhook secret is configured for this vendor")
    parsed = parse_header(header)
    expected = [compute_signature(secret, parsed.timestamp, body) for secret in secrets]
    # compare_digest keeps the comparison time independent of where the strings differ.
    matched = next(
        (sig for sig in parsed.signatures for want in expected if hmac.compare_digest(sig, want)),
        None,
    )
    if matched is None:
        raise WebhookRejected(
            Rejection.BAD_SIGNATURE,
            "signature does not match: sign HMAC-SHA256(secret, '<t>.' + raw body) and send it as hex",
        )
    # Checked after the MAC so an honest sender with a wrong clock hears "stale", not "bad signature".
    current = time.time() if now is None else now
    if abs(current - parsed.timestamp) > tolerance:
        raise WebhookRejected(
            Rejection.STALE_TIMESTAMP,
            f"timestamp {parsed.timestamp} is more than {tolerance}s from our clock ({int(current)}); "
            "sign with the current time and check the sender's clock",
        )
    return VerifiedDelivery(parsed.timestamp, matched)


class ReplayGuard(Protocol):
    """Remembers signed deliveries for as long as they could still pass the freshness check.

    Implementations must make `first_use` atomic (e.g. a uniqueness constraint on the key), since
    two copies of one request may arrive at once on different workers.
    """

    async def first_use(self, key: str, *, expires_at: int) -> bool:
        """Record `key` until `expires_at` (Unix seconds); False when it was already recorded."""
        ...


async def verify_webhook(
    header: str | None,
    body: bytes,
    secrets: Sequence[bytes | str],
    *,
    vendor_id: str,
    replay_guard: ReplayGuard,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> VerifiedDelivery:
    """Signature, freshness, then replay. Only authentic, fresh requests reach the guard, so
    forged traffic cannot fill its storage."""
    delivery = verify_signature(header, body, secrets, now=now, tolerance=tolerance)
    key = f"{vendor_id}:{delivery.timestamp}:{delivery.signature}"
    if not await replay_guard.first_use(key, expires_at=delivery.timestamp + tolerance + 1):
        raise WebhookRejected(
            Rejection.REPLAYED,
            "this signed delivery was already received; "
            "to resend a report, sign it again with a new timestamp",
        )
    return delivery


class InMemoryReplayGuard:
    """For tests and single-process development only: forgets everything on restart and is not
    shared between workers, so production must use a store-backed guard."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._seen: dict[str, int] = {}
        self._clock = clock

    async def first_use(self, key: str, *, expires_at: int) -> bool:
        now = self._clock()
        self._seen = {k: exp for k, exp in self._seen.items() if exp > now}
        if key in self._seen:
            return False
        self._seen[key] = expires_at
        return True
