"""The published audit head: plain JSON routes and the daily signed checkpoint (docs/audit-checkpoints.md).

`GET /audit/head` and `GET /audit/checkpoints/latest` need no key. With `AUDIT_CHECKPOINT_KEY_FILE` set, the
service writes one signed checkpoint a day (UTC) by itself; `opustrace audit checkpoint` does the same from
cron. The first written on a day is kept.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from graph import audit_checkpoints
from graph.database import Database
from graph.stores.audit import events as audit_events
from registry.audit_checkpoint import load_private_key
from registry.errors import DomainError

log = logging.getLogger("opustrace.audit")
CHECK_EVERY_SECONDS = 3600.0


def checkpoint_key(path: Path | None) -> Ed25519PrivateKey | None:
    if path is None:
        return None
    try:
        return load_private_key(path.read_bytes())
    except OSError as exc:
        raise ValueError(
            f"AUDIT_CHECKPOINT_KEY_FILE names {path}, which cannot be read: {exc.strerror}"
        ) from exc


def head_route(db: Database) -> Callable[[Request], Awaitable[Response]]:
    async def head(request: Request) -> Response:
        try:
            heads = await audit_events.heads(db)
        except DomainError as exc:
            return JSONResponse({"error": exc.message}, status_code=503)
        return JSONResponse({"heads": heads})

    return head


def latest_checkpoint_route(db: Database) -> Callable[[Request], Awaitable[Response]]:
    async def latest(request: Request) -> Response:
        try:
            kept = await audit_checkpoints.latest(db, 1)
        except DomainError as exc:
            return JSONResponse({"error": exc.message}, status_code=503)
        if not kept:
            return JSONResponse({"error": "No checkpoint has been written yet."}, status_code=404)
        return JSONResponse(kept[0].document())

    return latest


async def daily_checkpoints(db: Database, key: Ed25519PrivateKey, every: float = CHECK_EVERY_SECONDS) -> None:
    """Keep today's checkpoint written: at start, then every hour (a no-op once the day has one)."""
    while True:
        try:
            await audit_checkpoints.checkpoint_today(db, key)
        except DomainError as exc:  # the database is away: try again at the next round
            log.warning("audit checkpoint not written: %s", exc.message)
        await asyncio.sleep(every)
