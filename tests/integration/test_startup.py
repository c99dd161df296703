"""The app started before its database: start-up waits for Neo4j (bounded by NEO4J_STARTUP_WAIT_SECONDS).

"Not yet available" is a Bolt address where nothing listens yet; later a plain TCP relay opens there and
passes every byte to the session's real Neo4j, as a database finishing its start would begin to answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from graph.database import Database, Neo4jSettings
from graph.local_server import free_port
from opustrace.app import create_app
from opustrace.settings import Settings
from registry.errors import Unavailable
from tests.support import ADMIN_SECRET

pytestmark = pytest.mark.integration
# Not a timing margin: how long the test waits for an event before failing instead of hanging.
HANG_GUARD = 600.0


async def relay(port: int, target: str) -> asyncio.Server:
    """Listen on `port` and pass each connection's bytes both ways to `target` (a bolt:// URI)."""
    host, target_port = urlsplit(target).hostname, urlsplit(target).port

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(host, target_port)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    return await asyncio.start_server(connected, "127.0.0.1", port)


class RetryLogged(logging.Handler):
    """Set once start-up has met the unreachable database and said it will try again."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.event = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "Trying again in" in record.getMessage():
            self.event.set()

    async def wait(self) -> None:
        await self.event.wait()


@contextlib.asynccontextmanager
async def running(app: Starlette) -> AsyncIterator[asyncio.Event]:
    """Run the app's lifespan in a task; yields an event set once its start-up has finished."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def lifespan() -> None:
        async with app.router.lifespan_context(app):
            started.set()
            await stop.wait()

    task = asyncio.create_task(lifespan())
    try:
        yield started
    finally:
        stop.set()
        await asyncio.wait_for(task, HANG_GUARD)


async def test_app_started_before_its_database_serves_once_the_database_answers(
    db: Database, neo4j_settings: Neo4jSettings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="graph.database")
    retrying = RetryLogged()
    logging.getLogger("graph.database").addHandler(retrying)
    port = free_port()
    away = Neo4jSettings(f"bolt://127.0.0.1:{port}", neo4j_settings.user, neo4j_settings.password)
    app = create_app(Settings(admin_api_key=ADMIN_SECRET), Database.connect(away))
    server: asyncio.Server | None = None
    try:
        async with running(app) as started:
            await asyncio.wait_for(retrying.wait(), HANG_GUARD)
            assert not started.is_set(), "start-up finished while its database could not be reached"
            server = await relay(port, neo4j_settings.uri)
            await asyncio.wait_for(started.wait(), HANG_GUARD)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://app") as http:
                ready = await http.get("/readyz")
                viewer = await http.post(
                    "/graphql",
                    json={"query": "{ viewer { role } }"},
                    headers={"Authorization": f"Bearer {ADMIN_SECRET}"},
                )
    finally:  # after the app has closed its connections through the relay
        logging.getLogger("graph.database").removeHandler(retrying)
        if server is not None:
            server.close()
            await server.wait_closed()
    assert "Start-up (NEO4J_STARTUP_WAIT_SECONDS): The graph database is not reachable" in caplog.text
    assert ready.status_code == 200 and ready.json()["neo4j"].startswith("Neo4j/")
    # The bootstrap key was written by the start-up that waited.
    assert viewer.json() == {"data": {"viewer": {"role": "ADMIN"}}}


async def test_start_up_gives_up_after_the_setting_saying_why() -> None:
    away = Neo4jSettings(f"bolt://127.0.0.1:{free_port()}", "neo4j", "unused")
    app = create_app(Settings(neo4j_startup_wait_seconds=1), Database.connect(away))
    with pytest.raises(Unavailable) as refused:
        async with app.router.lifespan_context(app):
            pass
    assert refused.value.message == (
        "Start-up (NEO4J_STARTUP_WAIT_SECONDS): still unreachable after 1 s. "
        "The graph database is not reachable right now; retry in a moment."
    )


async def test_the_started_app_keeps_its_start_up_objects_out_of_full_collections(
    db: Database, neo4j_settings: Neo4jSettings
) -> None:
    # Full collections walked the start-up objects every few heavy requests (80-90 ms each); frozen while
    # the app serves, given back when it stops (this process, like a test run, goes on).
    assert gc.get_freeze_count() == 0
    app = create_app(Settings(), Database.connect(neo4j_settings), run_migrations=False)
    async with running(app) as started:
        await asyncio.wait_for(started.wait(), HANG_GUARD)
        frozen = gc.get_freeze_count()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://app") as http:
            assert (await http.get("/livez")).status_code == 200
    assert frozen > 10_000 and gc.get_freeze_count() == 0
