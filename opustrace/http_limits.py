"""HTTP-level abuse limits: request body size, a request rate per API key, and per client address for
anonymous callers and failed credentials.

The credential is checked here, once per request, before anything else is read: the rate is counted by
the key it authenticates (however the header spells it), and the result travels to the GraphQL context in
the ASGI scope (`scope["state"]["auth"]`). A request with a bad credential counts against its address,
and an address past its failed attempts is refused before its credential costs a database look-up.

The limiter is the `limits` library's moving window over its storage: `memory://` counts in this
process (each worker and replica then allows the full rate), `redis://` shares one count between all.
A storage that is away lets requests through (logged) rather than take the API down.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.database import Database
from registry.access import Principal, Role
from registry.errors import DomainError, Unauthenticated, Unavailable
from resolvers.context import authenticate

Auth = tuple[Principal | None, DomainError | None]


WEBHOOK_PREFIX = "/webhooks/"


@dataclass(frozen=True, slots=True)
class HttpLimits:
    max_body_bytes: int = 1_048_576
    max_upload_bytes: int = 67_108_864
    requests_per_minute: int = 600
    # Requests with an unknown or malformed credential, per client address.
    failed_auth_per_minute: int = 30
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
    send: Send,
    status: int,
    code: str,
    message: str,
    headers: list[tuple[bytes, bytes]],
    details: dict[str, Any] | None = None,
) -> None:
    extensions: dict[str, Any] = {"code": code} | ({"details": details} if details else {})
    body = json.dumps({"errors": [{"message": message, "extensions": extensions}]}).encode()
    start_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": start_headers + headers})
    await send({"type": "http.response.body", "body": body})


class AbuseLimits:
    """ASGI middleware: refuses oversized bodies (413) and callers over their rate (429)."""

    def __init__(
        self,
        app: ASGIApp,
        limits: HttpLimits,
        db: Database,
        upload_roles: frozenset[Role] = frozenset(),
        storage: Storage | None = None,
    ) -> None:
        self.app = app
        # Who may send a multipart body at all: refused before the body is read, unless the key may upload.
        self.upload_roles = upload_roles
        self.limits = limits
        self.db = db
        self.rate = RateLimitItemPerMinute(limits.requests_per_minute)
        self.failed = RateLimitItemPerMinute(limits.failed_auth_per_minute)
        self.limiter = MovingWindowRateLimiter(storage or limiter_storage(limits.storage))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        address = _address(scope)
        header = _header(scope, b"authorization")
        caller = f"addr:{address}"
        if header is not None:
            if not await self._allowed(self.failed, f"failed:{address}", count=False):
                await self._refuse(send, self.failed, f"failed:{address}", "failed credentials")
                return
            auth = await authenticate_or_unavailable(self.db, header)
            scope.setdefault("state", {})["auth"] = auth
            principal, error = auth
            if principal is not None:
                caller = f"key:{principal.key_id}"
            elif isinstance(error, Unauthenticated):
                await self._allowed(self.failed, f"failed:{address}")
        if not await self._allowed(self.rate, caller):
            await self._refuse(send, self.rate, caller, "requests")
            return
        if _is_multipart(scope) and not await self._may_upload(scope, send):
            return
        if scope["path"].startswith(WEBHOOK_PREFIX):
            # The webhook endpoint caps its own body (20 MiB), answering in its own error shape.
            await self.app(scope, receive, send)
            return
        cap = self._cap(scope)
        declared = _content_length(scope)
        if declared is not None and declared > cap:
            await reply_error(send, 413, "BAD_USER_INPUT", _too_large(cap), [])
            return
        await self._guarded(scope, receive, send, cap)

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

    async def _may_upload(self, scope: Scope, send: Send) -> bool:
        principal, error = authenticated_in(scope) or (None, None)
        if isinstance(error, Unavailable):
            await reply_error(send, 503, error.code, error.message, [])
        elif principal is None:
            message = "File uploads need a valid API key: send `Authorization: Bearer <api key>`."
            await reply_error(send, 401, "UNAUTHENTICATED", message, [])
        elif principal.role not in self.upload_roles:
            allowed = sorted(self.upload_roles)
            message = f"A {principal.role} key may not upload files: uploads are for {', '.join(allowed)}."
            await reply_error(send, 403, "FORBIDDEN", message, [], {"allowedRoles": allowed})
        else:
            return True
        return False

    async def _refuse(self, send: Send, rate: RateLimitItem, caller: str, what: str) -> None:
        stats = await self.limiter.get_window_stats(rate, caller)
        retry = max(1, int(stats.reset_time - _now()))
        message = f"Too many {what}: the limit is {rate.amount} a minute; retry in {retry} s."
        await reply_error(send, 429, "RATE_LIMITED", message, [(b"retry-after", str(retry).encode())])

    async def _allowed(self, rate: RateLimitItem, caller: str, *, count: bool = True) -> bool:
        """Within the rate (and counted, unless `count` is false); True when the storage is away."""
        try:
            if count:
                return await self.limiter.hit(rate, caller)
            return await self.limiter.test(rate, caller)
        except Exception:  # the storage's own errors vary by backend (coredis, valkey, …)
            # A rate limit store that is away must not take the API down with it: let the request through.
            log.warning("rate limit storage unreachable; request let through", exc_info=True)
            return True

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


def _is_multipart(scope: Scope) -> bool:
    return (_header(scope, b"content-type") or "").lower().startswith("multipart/")


def _header(scope: Scope, name: bytes) -> str | None:
    raw = dict(scope["headers"]).get(name)
    return raw.decode("latin-1") if raw is not None else None


def _address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def authenticate_or_unavailable(db: Database, header: str | None) -> Auth:
    try:
        return await authenticate(db, header)
    except DomainError as exc:  # the database is away: every field reports it as UNAVAILABLE
        return None, exc


def authenticated_in(scope: Scope) -> Auth | None:
    """What `AbuseLimits` found for this request's credential, if it looked."""
    auth: Auth | None = scope.get("state", {}).get("auth")
    return auth


def _now() -> float:
    return time.time()
