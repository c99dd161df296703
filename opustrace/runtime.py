"""Which Neo4j a command talks to: `NEO4J_URI` when set, otherwise the local server under the data dir."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import click

from graph.audit import AuditScope, auditing
from graph.database import Database, Neo4jSettings
from graph.local_server import DEFAULT_USER, LocalNeo4j, LocalServerError
from graph.migrations import migrate
from opustrace.settings import Settings
from registry.errors import DomainError

T = TypeVar("T")


def local_server(settings: Settings) -> LocalNeo4j:
    return LocalNeo4j(
        home=(settings.data_dir / "neo4j").resolve(),
        port=settings.neo4j_local_port,
        heap=settings.neo4j_local_heap,
        pagecache=settings.neo4j_local_pagecache,
        lib_root=settings.neo4j_local_lib_dir.resolve() if settings.neo4j_local_lib_dir else None,
        startup_timeout=settings.neo4j_startup_wait_seconds,
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


def cli_scope(action: str) -> AuditScope:
    """Commands act as ADMIN under an audit scope naming the operating-system user (`cli:<user>`)."""
    return AuditScope(actor=f"cli:{getpass.getuser()}", role="ADMIN", via="CLI", action=action)


def run_with_db(
    action: str,
    work: Callable[[Database], Awaitable[T]],
    *,
    settings: Settings | None = None,
    migrate_first: bool = True,
    stop_on_exit: bool = False,
) -> T:
    """Run `work` against the configured Neo4j (migrated first unless told not to) under the CLI's audit
    scope; a domain error is printed and exits 1. `stop_on_exit` stops a local server this call started."""
    with neo4j_connection(settings or Settings(), stop_on_exit=stop_on_exit) as neo4j:
        try:
            return asyncio.run(
                with_database(neo4j, as_cli_command(action, work, migrate_first=migrate_first))
            )
        except DomainError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(1)


def as_cli_command(
    action: str, work: Callable[[Database], Awaitable[T]], *, migrate_first: bool = True
) -> Callable[[Database], Awaitable[T]]:
    """`work` as a command runs it: after the migrations (their writes are not audited), under the CLI's
    audit scope."""

    async def command(db: Database) -> T:
        if migrate_first:
            await migrate(db)
        with auditing(cli_scope(action)):
            return await work(db)

    return command


async def with_database(neo4j: Neo4jSettings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Connect, run `work`, close: the one place a command opens and closes its driver."""
    db = Database.connect(neo4j)
    try:
        return await work(db)
    finally:
        await db.close()


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
