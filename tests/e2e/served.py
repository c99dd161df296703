"""The real app over plain (sync) HTTP for end-to-end tests.

One worker (the default): the app served by uvicorn in a background thread of the test process. Several
(`E2E_SERVE_WORKERS=4`, as production runs it): the real `opustrace serve --workers N` over the same Neo4j.
Either way the base URL is yielded only once the app is ready (its start-up, which waits for Neo4j and
migrates, has finished and `/readyz` answers 200).
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import uvicorn
from opentelemetry.sdk.trace.export import SpanExporter

from graph.database import Database, Neo4jSettings
from graph.local_server import free_port
from opustrace.app import create_app
from opustrace.settings import Settings
from tests.e2e.conftest import WORKERS, serve_env, start_serve, wait_until_ready


@contextmanager
def served_app(
    neo4j: Neo4jSettings, settings: Settings, span_exporter: SpanExporter | None = None
) -> Iterator[str]:
    """Serve on a free loopback port; yields the base URL and stops the server afterwards. Spans can only
    be collected in this process, so a test that passes `span_exporter` is always served in a thread."""
    workers = int(WORKERS)
    served: AbstractContextManager[str]
    if workers == 1 or span_exporter is not None:
        served = served_in_thread(neo4j, settings, span_exporter)
    else:
        served = served_by_workers(neo4j, settings, workers)
    with served as base_url:
        yield base_url


class StartupErrors(logging.Handler):
    """Keeps what uvicorn logs as errors (a failed start-up), to say why the server never came up."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        self.lines.append(record.getMessage() + (f" ({type(error).__name__}: {error})" if error else ""))


@contextmanager
def served_in_thread(
    neo4j: Neo4jSettings, settings: Settings, span_exporter: SpanExporter | None
) -> Iterator[str]:
    port = free_port()
    server: list[uvicorn.Server] = []
    errors = StartupErrors()

    def run() -> None:
        try:
            app = create_app(settings, Database.connect(neo4j), span_exporter=span_exporter)
            config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
            server.append(uvicorn.Server(config))
            asyncio.run(server[0].serve())
        except Exception as exc:  # reported by the readiness wait, which ends at once
            errors.lines.append(f"{type(exc).__name__}: {exc}")

    def stopped() -> str | None:
        if thread.is_alive():
            return None
        return "; ".join(errors.lines) or "the server thread ended without an error logged"

    logging.getLogger("uvicorn.error").addHandler(errors)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base_url, "the app served in a thread", stopped)
        yield base_url
    finally:
        logging.getLogger("uvicorn.error").removeHandler(errors)
        if server:
            server[0].should_exit = True
        thread.join(timeout=30)


@contextmanager
def served_by_workers(neo4j: Neo4jSettings, settings: Settings, workers: int) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="opustrace-e2e-") as root:
        env = serve_env(Path(root) / "data") | settings_env(settings)
        env |= {
            "NEO4J_URI": neo4j.uri,
            "NEO4J_USER": neo4j.user,
            "NEO4J_PASSWORD": neo4j.password,
            "NEO4J_DATABASE": neo4j.database,
        }
        served = start_serve(env, Path(root) / "serve.log", workers=str(workers))
        try:
            served.wait_ready()
            yield served.base_url
        finally:
            if served.process.poll() is None:
                served.interrupt()


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a `serve` process the settings a test chose (those it set explicitly)."""
    env: dict[str, str] = {}
    for name in settings.model_fields_set:
        field = Settings.model_fields[name]
        value = getattr(settings, name)
        secret = getattr(value, "get_secret_value", None)
        text = secret() if secret is not None else str(value)
        env[str(field.validation_alias or name.upper())] = text
    return env
