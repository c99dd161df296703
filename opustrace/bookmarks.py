"""Read-your-writes across workers and replicas: the `X-Neo4j-Bookmarks` request and response header.

Every answer carries the bookmarks of the last transaction the request ran; a client that sends them back
with its next request (to any worker or replica) reads from a cluster member that has seen that write.
Within one process the driver's shared bookmark manager already gives that (`graph.database`).
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.database import carrying_bookmarks
from opustrace.http_limits import reply_error

HEADER = b"x-neo4j-bookmarks"
BOOKMARK = re.compile(r"^[A-Za-z0-9:+/=_.-]{1,512}$")
MAX_BOOKMARKS = 16


def parse(raw: str) -> tuple[str, ...] | None:
    """The comma-separated bookmarks of the header, or None when it is malformed."""
    marks = tuple(part.strip() for part in raw.split(",") if part.strip())
    if len(marks) > MAX_BOOKMARKS or not all(BOOKMARK.match(mark) for mark in marks):
        return None
    return marks


class BookmarkHeader:
    """ASGI middleware: hands the request's bookmarks to the database layer and answers with the new ones."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = parse(dict(scope["headers"]).get(HEADER, b"").decode("latin-1"))
        if given is None:
            await _refuse(send)
            return
        with carrying_bookmarks(given) as carried:

            async def send_with_bookmarks(message: Message) -> None:
                if message["type"] == "http.response.start" and carried.latest:
                    value = ",".join(carried.latest).encode()
                    message["headers"] = [*message.get("headers", []), (HEADER, value)]
                await send(message)

            await self.app(scope, receive, send_with_bookmarks)


async def _refuse(send: Send) -> None:
    message = (
        f"The X-Neo4j-Bookmarks header is malformed: send back, comma-separated, at most {MAX_BOOKMARKS} "
        "bookmarks exactly as a previous answer gave them."
    )
    await reply_error(send, 400, "BAD_USER_INPUT", message, [])
