"""HTTP-level abuse limits: request body size and a request rate per API key (or per client address).

The rate limiter is the `limits` library's moving window over its storage: `memory://` counts in this
process (each worker and replica then allows the full rate), `redis://` shares one count between all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from limits import RateLimitItemPerMinute
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True, slots=True)
class HttpLimits:
    max_body_bytes: int = 1_048_576
    max_upload_bytes: int = 67_108_864
    requests_per_minute: int = 600
    storage: str = "memory://"


log = logging.getLogger(__name__)
# Probes and scrapes come from the platform, often many a minute from one address.
UNLIMITED_PATHS = frozenset({"/healthz", "/livez", "/readyz", "/metrics"})


def limiter_storage(uri: str) -> Storage:
    """The `limits` async storage for `RATE_LIMIT_STORAGE` (memory://, redis://, rediss://, async+…)."""
    scheme = urlsplit(uri).scheme
    name = uri if scheme.startswith("async+") else f"async+{uri}"
    storage = storage_from_string(name)
    if not isinstance(storage, Storage):
        raise ValueError(f"RATE_LIMIT_STORAGE={describe_storage(uri)} is not an async storage of `limits`")
    return storage


def describe_storage(uri: str) -> str:
    """The storage URI without its password, for logs."""
    parts = urlsplit(uri)
    if not parts.password:
        return uri
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


class BodyTooLarge(Exception):
    pass


async def reply_error(
    send: Send, status: int, code: str, message: str, headers: list[tuple[bytes, bytes]]
) -> None:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    start_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": start_headers + headers})
    await send({"type": "http.response.body", "body": body})


class AbuseLimits:
    """ASGI middleware: refuses oversized bodies (413) and callers over their rate (429)."""

    def __init__(self, app: ASGIApp, limits: HttpLimits) -> None:
        self.app = app
        self.limits = limits
        self.rate = RateLimitItemPerMinute(limits.requests_per_minute)
        self.limiter = MovingWindowRateLimiter(limiter_storage(limits.storage))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        caller = _caller(scope)
        if not await self._allowed(caller):
            stats = await self.limiter.get_window_stats(self.rate, caller)
            retry = max(1, int(stats.reset_time - _now()))
            per_minute = self.limits.requests_per_minute
            message = f"Too many requests: the limit is {per_minute} a minute; retry in {retry} s."
            await reply_error(send, 429, "RATE_LIMITED", message, [(b"retry-after", str(retry).encode())])
            return
        cap = self._cap(scope)
        declared = _content_length(scope)
        if declared is not None and declared > cap:
            await reply_error(send, 413, "BAD_USER_INPUT", _too_large(cap), [])
            return
        await self._guarded(scope, receive, send, cap)

    async def _allowed(self, caller: str) -> bool:
        try:
            return await self.limiter.hit(self.rate, caller)
        except Exception:  # the storage's own errors vary by backend (coredis, valkey, …)
            # A rate limit store that is away must not take the API down with it: let the request through.
            log.warning("rate limit storage unreachable; request let through", exc_info=True)
            return True

    async def _guarded(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await reply_error(send, 413, "BAD_USER_INPUT", _too_large(cap), [])

    def _cap(self, scope: Scope) -> int:
        content_type = dict(scope["headers"]).get(b"content-type", b"")
        multipart = content_type.startswith(b"multipart/form-data")
        return self.limits.max_upload_bytes if multipart else self.limits.max_body_bytes


def _too_large(cap: int) -> str:
    return f"The request body is larger than {cap} bytes; send less per request (or split the upload)."


def _content_length(scope: Scope) -> int | None:
    raw = dict(scope["headers"]).get(b"content-length")
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def _caller(scope: Scope) -> str:
    authorization = dict(scope["headers"]).get(b"authorization")
    if authorization:
        # Keyed by a hash of the credential: the limiter never holds a secret, and a bad key is limited too.
        return "key:" + hashlib.sha256(authorization).hexdigest()
    client = scope.get("client")
    return f"addr:{client[0] if client else 'unknown'}"


def _now() -> float:
    return time.time()
