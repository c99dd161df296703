"""CWR import into the real graph: the sample files of ../shared/data/cwr, checked against what they say."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from neo4j.time import DateTime

from graph.database import Database
from graph.stores.cwr_import import ImportReport, import_cwr
from registry.cwr import CwrReader
from registry.errors import InvalidInput
from tests.conftest import shared_data

pytestmark = pytest.mark.integration
ISRC = re.compile(r"[A-Z]{2}[A-Z0-9]{3}[0-9]{7}")  # ../shared/data/IDENTIFIERS.md

CWR_FILES = (
    "weso_nwrexample2.V21",
    "weso_revexample.V21",
    "weso_demo_cwr_cleaned.v22",
    "dmp_CW220001DMP_000.V21",
    "dmp_CW220001000_DMP.V21",
    "mmedi_CW190001MPC_000.V21",
)
SHARES_OF_WORK = """
MATCH (c:Creator)-[s:HOLDS_SHARE]->(w:Work {submitter_work_id: $swid})
RETURN c.name AS name, c.first_name AS first_name, c.ipi AS ipi, c.kind AS kind, s.role AS role,
       s.performing_bp AS pr, s.mechanical_bp AS mr, s.synchronisation_bp AS sr
ORDER BY name, first_name, role
"""
WORK = "MATCH (w:Work {submitter_work_id: $swid}) RETURN w {.*} AS w"
# Everything in the graph but the bookkeeping, as a comparable fingerprint: node and edge properties,
# each edge with both its ends.
FINGERPRINT = """
CALL () {
  MATCH (n) WHERE NOT n:Migration AND NOT n:MigrationLock AND NOT n:ApiKey
  RETURN collect([labels(n), properties(n)]) AS nodes
}
CALL () {
  MATCH (a)-[r]->(b)
  RETURN collect([labels(a), properties(a), type(r), properties(r), labels(b), properties(b)]) AS edges
}
RETURN nodes, edges
"""
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


async def load(db: Database, name: str, batch_size: int = 500) -> ImportReport:
    path: Path = shared_data("cwr", name)
    with path.open(encoding="latin-1", newline="") as lines:
        return await import_cwr(db, CwrReader(lines), batch_size=batch_size)


def same(props: dict[str, Any]) -> dict[str, Any]:
    return props


def stable(props: dict[str, Any]) -> dict[str, Any]:
    """Properties without what each load generates anew: random ids and write timestamps."""
    return {
        key: value
        for key, value in props.items()
        if not (key == "id" and UUID.fullmatch(str(value))) and not isinstance(value, DateTime)
    }


async def fingerprint(
    db: Database, keep: Callable[[dict[str, Any]], dict[str, Any]] = same
) -> tuple[list[str], list[str]]:
    row = (await db.run_read(FINGERPRINT))[0]
    nodes = [repr([labels, keep(props)]) for labels, props in row["nodes"]]
    edges = [
        repr([a_labels, keep(a), kind, keep(props), b_labels, keep(b)])
        for a_labels, a, kind, props, b_labels, b in row["edges"]
    ]
    return sorted(nodes), sorted(edges)


async def shares(db: Database, swid: str) -> list[tuple[Any, ...]]:
    return [tuple(row.values()) for row in await db.run_read(SHARES_OF_WORK, {"swid": swid})]


async def test_nwr_example_loads_writers_publishers_and_shares(db: Database) -> None:
    report = await load(db, "weso_nwrexample2.V21")
    assert (report.works_created, report.works_updated, report.rejections) == (1, 0, [])
    work = (await db.run_read(WORK, {"swid": "CLAIMDIGITAL01"}))[0]["w"]
    assert work["title"] == "THE WORK"
    assert work["id"] == "cwr:000000199:CLAIMDIGITAL01"
    assert await shares(db, "CLAIMDIGITAL01") == [
        ("DOE", "JANE", None, "PERSON", "COMPOSER_LYRICIST", 5000, 5000, 5000),
        ("DOE", "JOHN", "00000000395", "PERSON", "COMPOSER_LYRICIST", 2500, 0, 0),
        ("THE PUBLISHER", None, "00000000297", "PUBLISHER", "PUBLISHER", 2500, 5000, 5000),
        ("THE SENDER", None, "00000000199", "PUBLISHER", "ADMINISTRATOR", 0, 0, 0),
    ]


async def test_iswc_alternate_titles_and_unknown_writer(db: Database) -> None:
    report = await load(db, "dmp_CW220001DMP_000.V21")
    assert report.works_created == 1
    work = (await db.run_read(WORK, {"swid": "DMP000001"}))[0]["w"]
    assert work["iswc"] == "T1234567894"
    assert work["title"] == "MUSIC PUB CARTOONS"
    assert work["alternate_titles"] == [
        "MPC ACADEMY",
        "MUSIC PUB CARTOONS SUFFIX",
        "MUSIC PUB CARTOONS SUFFIX CO-SUFFIX",
        "WORK RECORDING",
        "WORK RECORDING FEAT. TESTING",
    ]
    got = await shares(db, "DMP000001")
    assert ("KOLARIC", "MATIJA", "00000000199", "PERSON", "ARRANGER", 2500, 0, 0) in got
    assert ("OTHER", "ANN", "00000000297", "PERSON", "ADAPTER", 2500, 0, 0) in got
    assert ("TEST PUBLISHER", None, "09000000020", "PUBLISHER", "PUBLISHER", 3750, 7500, 7500) in got
    # Unknown other parties (OWR/OPU flagged unknown, no name) are share holders of this work only.
    assert (None, None, None, "PERSON", "COMPOSER_LYRICIST", 0, 0, 0) in got
    assert (None, None, None, "PUBLISHER", "PUBLISHER", 1250, 2500, 2500) in got
    assert len(got) == 5
    for right in (5, 6, 7):
        assert sum(row[right] for row in got) == 10000


async def test_every_sample_file_loads_and_reports_its_rejections(db: Database) -> None:
    reports = {name: await load(db, name) for name in CWR_FILES}
    mmedi = reports["mmedi_CW190001MPC_000.V21"]
    assert mmedi.works_loaded == 95
    assert len(mmedi.rejections) == 5
    first = mmedi.rejections[0]
    assert (first.transaction_seq, first.record_seq, first.record_type) == (None, 0, "NWR")
    assert first.line_number > 1
    assert "transaction sequence" in first.reason
    demo = reports["weso_demo_cwr_cleaned.v22"]
    assert demo.works_loaded == 7
    over = next(r for r in demo.rejections if r.transaction_seq == 2)
    assert "mechanical shares add up to 125.00 %" in over.reason
    # No trace of a rejected transaction: its submitter work id names no work.
    assert over.submitter_work_id is not None
    assert await db.run_read(WORK, {"swid": over.submitter_work_id}) == []
    # Every loaded work's split adds up per right to 100 % (±0.06) or 0.
    totals = await db.run_read(
        "MATCH (w:Work) OPTIONAL MATCH (w)<-[s:HOLDS_SHARE]-() "
        "RETURN w.id AS id, sum(s.performing_bp) AS pr, sum(s.mechanical_bp) AS mr, "
        "sum(s.synchronisation_bp) AS sr"
    )
    assert len(totals) == sum(r.works_loaded for r in reports.values()) - _same_work_twice(reports)
    for row in totals:
        for right in ("pr", "mr", "sr"):
            assert row[right] == 0 or abs(row[right] - 10000) <= 6, row


def _same_work_twice(reports: dict[str, ImportReport]) -> int:
    ids = [i for r in reports.values() for i in r.work_ids]
    return len(ids) - len(set(ids))


async def test_importing_twice_changes_nothing(db: Database) -> None:
    # Some sample files revise the same works (same sender, same submitter work ids), so each file is
    # repeated right after its own first import.
    for name in CWR_FILES:
        first = await load(db, name)
        before = await fingerprint(db)
        again = await load(db, name)
        assert (again.works_created, again.works_updated) == (0, 0), name
        assert again.works_unchanged == first.works_loaded
        assert [r.reason for r in again.rejections] == [r.reason for r in first.rejections]
        assert await fingerprint(db) == before, name


async def test_small_batches_give_the_same_graph(db: Database) -> None:
    whole = await load(db, "mmedi_CW190001MPC_000.V21", batch_size=1000)
    before = await fingerprint(db, stable)
    await db.run_autocommit("MATCH (n) WHERE n:Work OR n:Creator OR n:Recording DETACH DELETE n")
    batched = await load(db, "mmedi_CW190001MPC_000.V21", batch_size=7)
    assert batched.works_created == whole.works_created == 95
    # Generated ids and timestamps differ between the two loads; every other property may not.
    assert await fingerprint(db, stable) == before


async def test_two_works_of_one_file_on_one_iswc_are_not_merged(db: Database) -> None:
    report = await load(db, "dmp_CW220001000_DMP.V21")
    assert report.works_created == 1
    (rejection,) = report.rejections
    assert (rejection.submitter_work_id, rejection.transaction_seq) == ("MK000004", 1)
    assert "ISWC T3005600277 is already registered in this file" in rejection.reason
    work = (await db.run_read("MATCH (w:Work {iswc: 'T3005600277'}) RETURN w {.*} AS w"))[0]["w"]
    assert (work["submitter_work_id"], work["title"]) == ("MK000003", "THE MODIFIED WORK")


def recordings_in_file(name: str) -> set[tuple[str, str]]:
    """(ISRC, submitter work id) of each REC with a well-formed ISRC, read straight from the fixed-width
    lines (positions from ../shared/data/cwr/LAYOUT.md), independently of the project's parser."""
    found: set[tuple[str, str]] = set()
    work = ""
    with shared_data("cwr", name).open(encoding="latin-1") as lines:
        for line in lines:
            if line[:3] in ("NWR", "REV"):
                work = line[81:95].strip()  # Submitter Work # 82/14
            elif line[:3] == "REC" and ISRC.fullmatch(isrc := line[249:261].strip()):  # ISRC 250/12
                found.add((isrc, work))
    return found


async def test_recordings_embody_their_works(db: Database) -> None:
    report = await load(db, "mmedi_CW190001MPC_000.V21")
    works = await db.run_read("MATCH (w:Work) RETURN w.submitter_work_id AS work")
    loaded = {w["work"] for w in works}
    assert len(loaded) == report.works_loaded == 95
    expected = {
        (isrc, work) for isrc, work in recordings_in_file("mmedi_CW190001MPC_000.V21") if work in loaded
    }
    rows = await db.run_read(
        "MATCH (r:Recording)-[:EMBODIES]->(w:Work) RETURN r.isrc AS isrc, w.submitter_work_id AS work"
    )
    # Every loaded work is embodied by exactly the recordings its REC lines name.
    assert {(r["isrc"], r["work"]) for r in rows} == expected
    assert len(rows) == len({(r["isrc"], r["work"]) for r in rows})  # one edge per pair


async def test_cwr3_file_is_refused_with_a_clear_message(db: Database) -> None:
    with pytest.raises(InvalidInput, match=r"CWR 3\.0 is not supported"):
        await load(db, "dmp_CW220002DMP_0000_V3-0-0.SUB")
    assert await db.run_read("MATCH (w:Work) RETURN w") == []
