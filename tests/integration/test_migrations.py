from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph.database import Database, Neo4jSettings
from graph.local_server import free_port
from graph.migrations import (
    LOCK_TTL_SECONDS,
    TAKE_LOCK,
    Migration,
    MigrationError,
    check,
    discover,
    migrate,
)

pytestmark = pytest.mark.integration
RESET = "MATCH (m) WHERE m:Migration OR m:MigrationLock DETACH DELETE m"
TEST_PROBES = "MATCH (p:MigrationProbe) RETURN p.step AS step ORDER BY p.created"


def probe_migrations() -> list[Migration]:
    """Data migrations that leave a trace per application, so a second application would show."""
    texts = {
        1: "CREATE (:MigrationProbe {step: 1, created: timestamp()});",
        2: "// second\nMATCH (p:MigrationProbe {step: 1})\n"
        "CREATE (:MigrationProbe {step: 2, created: timestamp()});",
    }
    return [Migration(v, f"probe_{v}", f"V{v:04d}__probe_{v}.cypher", t) for v, t in texts.items()]


SAVED = "MATCH (m:Migration) RETURN properties(m) AS m"
RESTORE = "UNWIND $rows AS row CREATE (m:Migration) SET m = row"


@pytest.fixture
async def fresh(db: Database):
    """A graph where only the probe migrations count; the real ones' records are put back after (applying
    them again over a graph at the newest version is no migration's contract: V0011 drops what V0001
    made)."""
    saved = [r["m"] for r in await db.run_read(SAVED)]
    await db.run_write(RESET)
    yield db
    await db.run_write(RESET)
    await db.run_write("MATCH (p:MigrationProbe) DELETE p")
    await db.run_write(RESTORE, {"rows": saved})
    assert await check(db) == []


async def test_real_migrations_are_recorded_with_checksums(db: Database) -> None:
    pending = await check(db)
    assert pending == []
    rows = await db.run_read("MATCH (m:Migration) RETURN m.version AS v, m.checksum AS c ORDER BY v")
    assert [(r["v"], r["c"]) for r in rows] == [(m.version, m.checksum) for m in discover()]
    constraints = await db.run_read("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names")
    assert {"work_iswc", "creator_ipi", "recording_isrc", "api_key_hash"} <= set(constraints[0]["names"])


async def test_applies_in_order_once(fresh: Database) -> None:
    migrations = probe_migrations()
    assert await migrate(fresh, migrations) == ["V0001__probe_1.cypher", "V0002__probe_2.cypher"]
    assert await migrate(fresh, migrations) == []
    assert [r["step"] for r in await fresh.run_read(TEST_PROBES)] == [1, 2]


async def test_changed_applied_file_is_refused_by_name(fresh: Database) -> None:
    first, second = probe_migrations()
    await migrate(fresh, [first, second])
    edited = Migration(2, second.name, second.file_name, second.text + "\n// edited")
    with pytest.raises(MigrationError, match=r"V0002__probe_2.cypher was changed after it was applied"):
        await migrate(fresh, [first, edited])


async def test_unknown_applied_migration_is_refused(fresh: Database) -> None:
    await migrate(fresh, probe_migrations())
    with pytest.raises(MigrationError, match="V0002__probe_2 applied, but this code does not know it"):
        await migrate(fresh, probe_migrations()[:1])


async def test_concurrent_starters_apply_each_migration_once(
    fresh: Database, neo4j_settings: Neo4jSettings
) -> None:
    others = [Database.connect(neo4j_settings) for _ in range(4)]
    try:
        results = await asyncio.gather(*(migrate(d, probe_migrations()) for d in [fresh, *others]))
    finally:
        for other in others:
            await other.close()
    applied = [name for result in results for name in result]
    assert sorted(applied) == ["V0001__probe_1.cypher", "V0002__probe_2.cypher"]
    assert [r["step"] for r in await fresh.run_read(TEST_PROBES)] == [1, 2]
    assert await fresh.run_read("MATCH (l:MigrationLock) RETURN l") == []


async def test_a_starter_retrying_after_a_lost_connection_keeps_its_own_lock(fresh: Database) -> None:
    # The attempt before took the lock and lost the database before it could release it.
    await fresh.run_write(TAKE_LOCK, {"owner": "starter-1", "ttl": LOCK_TTL_SECONDS})
    applied = await migrate(fresh, probe_migrations(), owner="starter-1")
    assert applied == ["V0001__probe_1.cypher", "V0002__probe_2.cypher"]
    assert await fresh.run_read("MATCH (l:MigrationLock) RETURN l") == []


async def test_a_lock_held_by_another_starter_is_waited_for_then_refused(fresh: Database) -> None:
    await fresh.run_write(TAKE_LOCK, {"owner": "starter-1", "ttl": LOCK_TTL_SECONDS})
    with pytest.raises(MigrationError, match="Another process has held the migration lock"):
        await migrate(fresh, probe_migrations(), wait=0, owner="starter-2")
    assert await fresh.run_read("MATCH (m:Migration) RETURN m") == []


async def test_failing_statement_names_file_and_is_not_recorded(fresh: Database) -> None:
    broken = Migration(
        1, "broken", "V0001__broken.cypher", "CREATE (:MigrationProbe {step: 1});\nNOT CYPHER;"
    )
    with pytest.raises(MigrationError, match=r"V0001__broken.cypher, statement 2 \('NOT CYPHER'\) failed"):
        await migrate(fresh, [broken])
    assert await fresh.run_read("MATCH (m:Migration) RETURN m") == []
    assert await fresh.run_read(TEST_PROBES) == [], "statement 1 was rolled back with the file"


def test_discover_refuses_badly_named_and_duplicate_files(tmp_path: Path) -> None:
    (tmp_path / "V0001__ok.cypher").write_text("RETURN 1;")
    (tmp_path / "V1__bad.cypher").write_text("RETURN 1;")
    with pytest.raises(MigrationError, match=r"V1__bad\.cypher: migration files are named"):
        discover(tmp_path)
    (tmp_path / "V1__bad.cypher").unlink()
    (tmp_path / "V0001__again.cypher").write_text("RETURN 2;")
    with pytest.raises(MigrationError, match="share version 1"):
        discover(tmp_path)


def test_statements_split_on_line_ending_semicolons() -> None:
    text = "// header\nCREATE (:A {x: 'a;b'});\nMATCH (n)\nRETURN n;\n"
    assert Migration(1, "x", "V0001__x.cypher", text).statements() == [
        "CREATE (:A {x: 'a;b'})",
        "MATCH (n)\nRETURN n",
    ]


SCHEMA = "SHOW INDEXES YIELD name RETURN collect(name) AS names"
HALF_WAY = {
    "in its schema part": "CREATE CONSTRAINT probe_dup IF NOT EXISTS FOR (p:ProbeY) REQUIRE p.z IS UNIQUE;\n"
    "CREATE CONSTRAINT probe_dup FOR (p:ProbeZ) REQUIRE p.z IS UNIQUE;",
    "in its data part": "CREATE (:MigrationProbe {step: 99, created: timestamp()});\n"
    "MATCH (p:MigrationProbe) RETURN p.step / 0 AS boom;",
}


@pytest.mark.parametrize("where", sorted(HALF_WAY))
async def test_a_migration_failing_half_way_leaves_the_database_as_it_was(
    fresh: Database, where: str
) -> None:
    await migrate(fresh, probe_migrations()[:1])
    before = sorted((await fresh.run_read(SCHEMA))[0]["names"])
    text = (
        "CREATE CONSTRAINT probe_key IF NOT EXISTS FOR (p:ProbeX) REQUIRE p.key IS UNIQUE;\n"
        "CREATE INDEX probe_step IF NOT EXISTS FOR (p:MigrationProbe) ON (p.step);\n" + HALF_WAY[where]
    )
    broken = Migration(2, "half_way", "V0002__half_way.cypher", text)

    with pytest.raises(MigrationError, match=r"V0002__half_way.cypher, statement 4 \('") as failure:
        await migrate(fresh, [probe_migrations()[0], broken])

    assert "nothing of this file was applied" in str(failure.value)
    assert sorted((await fresh.run_read(SCHEMA))[0]["names"]) == before
    assert [r["step"] for r in await fresh.run_read(TEST_PROBES)] == [1]
    versions = await fresh.run_read("MATCH (m:Migration) RETURN m.version AS v")
    assert [r["v"] for r in versions] == [1]
    assert await fresh.run_read("MATCH (l:MigrationLock) RETURN l") == []


async def test_serve_refuses_a_database_migrated_by_a_newer_release(
    db: Database, neo4j_settings: Neo4jSettings
) -> None:
    future = {"version": 9999, "name": "from_the_future", "checksum": "0" * 64}
    await db.run_write("CREATE (:Migration {version: $version, name: $name, checksum: $checksum})", future)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env |= {"NEO4J_URI": neo4j_settings.uri, "NEO4J_USER": neo4j_settings.user}
    env |= {"NEO4J_PASSWORD": neo4j_settings.password, "PORT": str(free_port())}
    try:
        served = await asyncio.to_thread(
            subprocess.run,
            [str(Path(sys.executable).with_name("opustrace")), "serve"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    finally:
        await db.run_write("MATCH (m:Migration {version: 9999}) DELETE m")
    assert served.returncode == 1
    assert "V9999__from_the_future applied, but this code does not know it" in served.stderr
    assert "at least as new as the database" in served.stderr and "Traceback" not in served.stderr


KEYSET_INDEXES = {
    "consent_valid_from",
    "grant_valid_from",
    "compliance_flag_detected_at",
    "api_key_created_at",
    "statement_period_created_at",
}


async def test_v0012_indexes_the_leading_key_of_each_append_only_list_once(db: Database) -> None:
    v0012 = next(m for m in discover() if m.version == 12)
    names = (await db.run_read(SCHEMA))[0]["names"]
    assert set(names) >= KEYSET_INDEXES
    # Applied again (IF NOT EXISTS), it changes nothing.
    for statement in v0012.statements():
        await db.run_autocommit(statement)
    assert sorted((await db.run_read(SCHEMA))[0]["names"]) == sorted(names)
