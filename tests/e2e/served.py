"""The real app served by uvicorn in a background thread, for tests that need plain (sync) HTTP."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from opentelemetry.sdk.trace.export import SpanExporter

from graph.database import Database, Neo4jSettings
from graph.local_server import free_port
from opustrace.app import create_app
from opustrace.settings import Settings


@contextmanager
def served_app(
    neo4j: Neo4jSettings, settings: Settings, span_exporter: SpanExporter | None = None
) -> Iterator[str]:
    """Serve on a free loopback port; yields the base URL and stops the server afterwards."""
    port = free_port()

    def run() -> None:
        app = create_app(settings, Database.connect(neo4j), span_exporter=span_exporter)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        server.append(uvicorn.Server(config))
        asyncio.run(server[0].serve())

    server: list[uvicorn.Server] = []
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # a loaded machine (CI, a shared host) starts slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        raise AssertionError("the app did not come up within 180 s")
    try:
        yield base_url
    finally:
        server[0].should_exit = True
        thread.join(timeout=30)
