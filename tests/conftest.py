"""Shared fixtures: one real Neo4j per test session, a clean graph per test.

The server is the project's own local Neo4j (fetched from Maven Central), started on a free loopback port
with its data in a temporary directory. `NEO4J_TEST_URI` (with NEO4J_TEST_USER/PASSWORD) points the suite
at an existing server instead; its database is wiped, so never point it at real data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from graph.database import Database, Neo4jSettings
from graph.local_server import throwaway_neo4j
from graph.migrations import migrate

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
WIPE = """
MATCH (n) WHERE NOT n:Migration AND NOT n:MigrationLock
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
"""


def shared_data(*parts: str) -> Path:
    """A file of ../shared/data, or a skip saying why it is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the sample data lives in ../shared/data beside the checkout")
    return path


@pytest.fixture(scope="session")
def neo4j_settings() -> Iterator[Neo4jSettings]:
    with throwaway_neo4j() as settings:
        yield settings


@pytest.fixture(scope="session")
async def session_db(neo4j_settings: Neo4jSettings) -> AsyncIterator[Database]:
    db = Database.connect(neo4j_settings)
    await migrate(db)
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
async def db(session_db: Database) -> Database:
    """The session's database with every node but the migration records removed."""
    await session_db.run_autocommit(WIPE)
    return session_db
