"""Shared fixtures: one real Neo4j per test session, a clean graph per test.

The server is the project's own local Neo4j (fetched from Maven Central), started on a free loopback port
with its data in a temporary directory. `NEO4J_TEST_URI` (with NEO4J_TEST_USER/PASSWORD) points the suite
at an existing server instead; its database is wiped, so never point it at real data.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from graph.database import Database, Neo4jSettings
from graph.local_server import throwaway_neo4j
from graph.migrations import migrate

# Property tests judge results, never speed: on a loaded 2-core machine a draw may take longer than
# hypothesis's 200 ms deadline or its input-generation budget, which says nothing about the code.
settings.register_profile("opustrace", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("opustrace")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
WIPE = """
MATCH (n) WHERE NOT n:Migration AND NOT n:MigrationLock
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
"""


def in_ci() -> bool:
    """CI sets CI=true; there a missing sample is a broken checkout, never a reason to skip."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def shared_data(*parts: str) -> Path:
    """A file of ../shared/data; if it is missing, a skip on a developer's machine and an error in CI."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        why = f"{path} is absent: the sample data lives in ../shared/data beside the checkout"
        if in_ci():
            pytest.fail(f"{why}; CI must provide it (CI=true turns this skip into an error)", pytrace=False)
        pytest.skip(why)
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
