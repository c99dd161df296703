"""Which Neo4j a command talks to: `NEO4J_URI` when set, otherwise the local server under the data dir."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from graph.database import Neo4jSettings
from graph.local_server import DEFAULT_USER, LocalNeo4j, LocalServerError
from opustrace.settings import Settings


def local_server(settings: Settings) -> LocalNeo4j:
    return LocalNeo4j(
        home=(settings.data_dir / "neo4j").resolve(),
        port=settings.neo4j_local_port,
        heap=settings.neo4j_local_heap,
        pagecache=settings.neo4j_local_pagecache,
        lib_root=settings.neo4j_local_lib_dir.resolve() if settings.neo4j_local_lib_dir else None,
    )


def external_neo4j(settings: Settings) -> Neo4jSettings | None:
    if not settings.neo4j_uri:
        return None
    password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
    return Neo4jSettings(settings.neo4j_uri, settings.neo4j_user, password, settings.neo4j_database)


@contextmanager
def neo4j_connection(settings: Settings, *, stop_on_exit: bool) -> Iterator[Neo4jSettings]:
    """Yield connection settings, starting the local server if needed (and stopping it after, if asked)."""
    external = external_neo4j(settings)
    if external is not None:
        yield external
        return
    server = local_server(settings)
    started = server.start()
    try:
        yield Neo4jSettings(server.uri, DEFAULT_USER, server.password(), "neo4j")
    finally:
        if started and stop_on_exit:
            server.stop()


def running_neo4j(settings: Settings) -> Neo4jSettings:
    """`NEO4J_URI`, or the local server that must already run (a worker never starts one)."""
    external = external_neo4j(settings)
    if external is not None:
        return external
    server = local_server(settings)
    if not server.is_running():
        raise LocalServerError(
            f"NEO4J_URI is unset and the local Neo4j under {server.home} is not running: start it with "
            "`opustrace neo4j start`, or use `opustrace serve`, which starts it."
        )
    return Neo4jSettings(server.uri, DEFAULT_USER, server.password(), "neo4j")
