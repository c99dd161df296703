"""Applies the versioned Cypher files of `migrations/` once each, in order, recorded with a checksum.

A lease node (`:MigrationLock`, unique by id) makes concurrent starters take turns: the one that creates it
applies what is pending, the others wait and then find nothing left to do.

All or nothing per file: Neo4j keeps schema and data changes in separate transactions, so a file's schema
statements run in one transaction and its data statements, with the `:Migration` record, in a second. When
the second fails, the constraints and indexes the first created are dropped again: the database is left as
it was, and the error names the file, the statement's number and its first line.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import LiteralString

from graph.database import Database, Tx
from registry.errors import Conflict, Unavailable

log = logging.getLogger(__name__)

FILE_NAME = re.compile(r"^V(?P<version>\d{4})__(?P<name>[a-z0-9_]+)\.cypher$")
LOCK_TTL_SECONDS = 600

BOOTSTRAP = (
    "CREATE CONSTRAINT migration_version IF NOT EXISTS FOR (m:Migration) REQUIRE m.version IS UNIQUE",
    "CREATE CONSTRAINT migration_lock_id IF NOT EXISTS FOR (l:MigrationLock) REQUIRE l.id IS UNIQUE",
)
# Taking a lock this owner already holds succeeds: a start-up retried after losing its connection may
# have taken it (and not released it) on the attempt before.
TAKE_LOCK = """
MERGE (l:MigrationLock {id: 'migrations'})
  ON CREATE SET l.owner = $owner, l.expires_at = datetime() + duration({seconds: $ttl})
RETURN l.owner = $owner AS ours
"""
CLEAR_EXPIRED_LOCK = "MATCH (l:MigrationLock {id: 'migrations'}) WHERE l.expires_at < datetime() DELETE l"
RELEASE_LOCK = "MATCH (l:MigrationLock {id: 'migrations', owner: $owner}) DELETE l"
APPLIED = "MATCH (m:Migration) RETURN m.version AS version, m.name AS name, m.checksum AS checksum"
RECORD = """
CREATE (:Migration {version: $version, name: $name, checksum: $checksum, applied_at: datetime()})
"""
SCHEMA_NAMES = """
SHOW INDEXES YIELD name, owningConstraint, type WHERE type <> 'LOOKUP'
RETURN name, owningConstraint IS NOT NULL AS owned
"""
CONSTRAINT_NAMES = "SHOW CONSTRAINTS YIELD name RETURN name"
SCHEMA_STATEMENT = re.compile(
    r"^\s*(CREATE|DROP)\s+(OR\s+REPLACE\s+)?(CONSTRAINT|([A-Z]+\s+)?INDEX)\b", re.IGNORECASE
)


class MigrationError(RuntimeError):
    """A migration cannot be applied; the message names the file and what to do."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    file_name: str
    text: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def statements(self) -> list[str]:
        """Statements end with `;` at the end of a line; `//` comment lines are dropped."""
        body = "\n".join(line for line in self.text.splitlines() if not line.strip().startswith("//"))
        return [part.strip() for part in re.split(r";\s*(?:\n|$)", body) if part.strip()]


def discover(directory: Path | None = None) -> list[Migration]:
    """The migrations in `directory` (default: the `migrations` package), ordered by version."""
    root = directory or Path(str(resources.files("migrations")))
    found: dict[int, Migration] = {}
    for path in sorted(root.glob("*.cypher")):
        match = FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files are named V0001__what_it_does.cypher")
        version = int(match["version"])
        if version in found:
            raise MigrationError(f"{path.name} and {found[version].file_name} share version {version}")
        found[version] = Migration(version, match["name"], path.name, path.read_text())
    return [found[v] for v in sorted(found)]


def lock_owner() -> str:
    """A fresh owner for the migration lock: one per starter, kept across its retries."""
    return uuid.uuid4().hex


async def migrate(
    db: Database, migrations: list[Migration] | None = None, wait: float = 120.0, owner: str | None = None
) -> list[str]:
    """Apply the pending migrations; returns the file names applied by this call. A caller that repeats
    the call after losing the database passes the same `owner` each time."""
    pending_list = discover() if migrations is None else migrations
    for statement in BOOTSTRAP:
        await _bootstrap(db, statement)
    owner = owner or lock_owner()
    await _acquire(db, owner, wait)
    try:
        return await _apply_pending(db, pending_list)
    finally:
        await db.run_write(RELEASE_LOCK, {"owner": owner})


async def check(db: Database, migrations: list[Migration] | None = None) -> list[Migration]:
    """Verify applied checksums and return what is still pending, applying nothing."""
    known = discover() if migrations is None else migrations
    applied = {row["version"]: row for row in await db.run_read(APPLIED)}
    _verify(known, applied)
    return [m for m in known if m.version not in applied]


async def _apply_pending(db: Database, migrations: list[Migration]) -> list[str]:
    applied = {row["version"]: row for row in await db.run_read(APPLIED)}
    _verify(migrations, applied)
    done: list[str] = []
    for migration in migrations:
        if migration.version in applied:
            continue
        log.info("applying migration %s", migration.file_name)
        await _apply_one(db, migration)
        done.append(migration.file_name)
    return done


async def _apply_one(db: Database, migration: Migration) -> None:
    numbered = list(enumerate(migration.statements(), start=1))
    schema = [(i, s) for i, s in numbered if SCHEMA_STATEMENT.match(s)]
    data = [(i, s) for i, s in numbered if not SCHEMA_STATEMENT.match(s)]
    before = await _schema_names(db)
    await _in_one_transaction(db, migration, schema, record=False)
    try:
        await _in_one_transaction(db, migration, data, record=True)
    except BaseException:
        await _drop_created_since(db, before)
        raise


async def _in_one_transaction(
    db: Database, migration: Migration, statements: list[tuple[int, str]], *, record: bool
) -> None:
    if not statements and not record:
        return

    async def work(tx: Tx) -> None:
        for index, statement in statements:
            try:
                # Statements come from the project's own versioned files, never from input.
                await tx.run(statement)
            except Exception as exc:
                first_line = statement.splitlines()[0]
                raise MigrationError(
                    f"{migration.file_name}, statement {index} ({first_line!r}) failed, nothing of this file "
                    f"was applied: {getattr(exc, 'message', None) or exc}"
                ) from exc
        if record:
            params = {"version": migration.version, "name": migration.name, "checksum": migration.checksum}
            await tx.run(RECORD, params)

    await db.write(work)


async def _schema_names(db: Database) -> tuple[set[str], set[str]]:
    constraints = {row["name"] for row in await db.run_read(CONSTRAINT_NAMES)}
    indexes = {row["name"] for row in await db.run_read(SCHEMA_NAMES) if not row["owned"]}
    return constraints, indexes


async def _drop_created_since(db: Database, before: tuple[set[str], set[str]]) -> None:
    constraints, indexes = await _schema_names(db)
    for name in sorted(constraints - before[0]):
        await db.run_autocommit(f"DROP CONSTRAINT {_quoted(name)} IF EXISTS")
    for name in sorted(indexes - before[1]):
        await db.run_autocommit(f"DROP INDEX {_quoted(name)} IF EXISTS")


def _quoted(name: str) -> str:
    """A schema name as a Cypher identifier: names cannot be parameters in DROP (they come from SHOW)."""
    return "`" + name.replace("`", "``") + "`"


def _verify(migrations: list[Migration], applied: dict[int, dict[str, object]]) -> None:
    by_version = {m.version: m for m in migrations}
    for version, row in sorted(applied.items()):
        migration = by_version.get(version)
        if migration is None:
            raise MigrationError(
                f"The database has migration V{version:04d}__{row['name']} applied, but this code does not "
                "know it: run a version of the service at least as new as the database."
            )
        if row["checksum"] != migration.checksum:
            raise MigrationError(
                f"{migration.file_name} was changed after it was applied (checksum differs). Applied "
                "migrations are immutable: restore the file and put the change in a new migration."
            )


async def _bootstrap(db: Database, statement: LiteralString, attempts: int = 20) -> None:
    for attempt in range(1, attempts + 1):
        try:
            await db.run_autocommit(statement)
            return
        except Conflict:
            # Another process created the same constraint between our IF NOT EXISTS check and ours.
            return
        except Unavailable:
            # Replicas starting together deadlock on the schema lock; schema commands are not retried
            # by the driver (autocommit), so take turns here.
            if attempt == attempts:
                raise
            await asyncio.sleep(0.1 * attempt)
        except Exception as exc:
            if "EquivalentSchemaRule" in str(exc) or "AlreadyExists" in str(exc):
                return
            raise


async def _acquire(db: Database, owner: str, wait: float) -> None:
    deadline = time.monotonic() + wait
    while True:
        await db.run_write(CLEAR_EXPIRED_LOCK)
        try:
            taken = await db.run_write(TAKE_LOCK, {"owner": owner, "ttl": LOCK_TTL_SECONDS})
            if taken[0]["ours"]:
                return
        except (Conflict, Unavailable):  # a deadlock between starters
            pass
        if time.monotonic() > deadline:  # held by another starter all this time
            raise MigrationError(
                f"Another process has held the migration lock for over {wait:.0f} s. If none is "
                "running, the lock expires by itself within "
                f"{LOCK_TTL_SECONDS // 60} minutes."
            )
        await asyncio.sleep(0.25)
