"""CWR import into the real graph: the sample files of ../shared/data/cwr, checked against what they say."""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from neo4j.time import DateTime

from graph.bulk_gc import DEFERRED_THRESHOLD
from graph.database import Database
from graph.stores.catalogue.cwr_import import ImportReport, import_cwr
from registry.cwr import CwrFile, CwrReader, parse_cwr_text, strict_reader
from registry.cwr.ack import write_ack
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


async def load_acknowledged(db: Database, name: str, *, strict: bool = False) -> tuple[ImportReport, CwrFile]:
    """Import a sample with an acknowledgement, and the acknowledgement as the project's parser reads it."""
    lines = shared_data("cwr", name).read_text(encoding="latin-1").splitlines()
    reader = strict_reader(lambda: lines) if strict else CwrReader(lines)
    report = await import_cwr(db, reader, acknowledge=True)
    ack = list(
        write_ack(report.acknowledgements or [], reader.header, datetime(2026, 12, 2, 1, 0, tzinfo=UTC))
    )
    return report, parse_cwr_text(ack)


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
    # The planted envelope errors are repaired; only the bad ISWC costs its work.
    assert (mmedi.works_loaded, mmedi.works_repaired, mmedi.works_rejected) == (99, 4, 1)
    (bad_iswc,) = mmedi.rejections
    assert (bad_iswc.transaction_seq, bad_iswc.record_type, bad_iswc.line_number, bad_iswc.rule) == (
        13, "NWR", 203, "iswc",
    )  # fmt: skip
    assert any(w.startswith("line 19: (blank) record has a blank record type") for w in mmedi.warnings)
    demo = reports["weso_demo_cwr_cleaned.v22"]
    # KEY002 repeats KEY001's ISWC under another work number: kept as a claim on KEY001's work.
    assert demo.works_loaded == 8
    assert [r.submitter_work_id for r in demo.rejections] == ["KEY003"]
    over = next(r for r in demo.rejections if r.transaction_seq == 2)
    assert "mechanical shares add up to 125.00 %" in over.reason
    # No trace of a rejected transaction: its submitter work id names no work.
    assert over.submitter_work_id is not None
    assert await db.run_read(WORK, {"swid": over.submitter_work_id}) == []
    # Every loaded work's split adds up per right to 100 % (±0.06) or 0, but for the ones claimed twice.
    totals = await db.run_read(
        "MATCH (w:Work) OPTIONAL MATCH (w)<-[s:HOLDS_SHARE]-() "
        "RETURN w.id AS id, sum(s.performing_bp) AS pr, sum(s.mechanical_bp) AS mr, "
        "sum(s.synchronisation_bp) AS sr, coalesce(w.disputed, false) AS disputed"
    )
    assert len(totals) == sum(r.works_loaded for r in reports.values()) - _same_work_twice(reports)
    assert sorted(row["id"] for row in totals if row["disputed"]) == [
        "cwr:000000052:MK000003",  # MK000004 claims it too (dmp_CW220001000_DMP.V21)
        "cwr:000000DP1:KEY001",
    ]
    for row in (row for row in totals if not row["disputed"]):
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


async def test_the_import_reads_with_full_collections_deferred_and_gives_them_back(db: Database) -> None:
    """A 10,000-work import spent a quarter of its time in full collections; the file is read deferred."""
    before = gc.get_threshold()
    seen: list[int] = []

    text = shared_data("cwr", "mmedi_CW190001MPC_000.V21").read_text(encoding="latin-1")

    def lines() -> Iterator[str]:
        for line in text.splitlines():
            seen.append(gc.get_threshold()[2])
            yield line

    report = await import_cwr(db, CwrReader(lines()), batch_size=10)
    assert report.works_created == 99
    assert set(seen) == {DEFERRED_THRESHOLD}
    assert gc.get_threshold() == before


async def test_small_batches_give_the_same_graph(db: Database) -> None:
    whole = await load(db, "mmedi_CW190001MPC_000.V21", batch_size=1000)
    before = await fingerprint(db, stable)
    await db.run_autocommit(
        "MATCH (n) WHERE n:Work OR n:Creator OR n:Recording OR n:PublisherChain OR n:Claim DETACH DELETE n"
    )
    batched = await load(db, "mmedi_CW190001MPC_000.V21", batch_size=7)
    assert batched.works_created == whole.works_created == 99
    # Generated ids and timestamps differ between the two loads; every other property may not.
    assert await fingerprint(db, stable) == before


async def test_two_works_of_one_file_on_one_iswc_are_one_work_with_two_claims(db: Database) -> None:
    report = await load(db, "dmp_CW220001000_DMP.V21")
    assert (report.works_created, report.rejections) == (2, [])
    assert report.work_ids[0] == report.work_ids[1]  # the second registration claims the first's work
    work = (await db.run_read("MATCH (w:Work {iswc: 'T3005600277'}) RETURN w {.*} AS w"))[0]["w"]
    assert (work["submitter_work_id"], work["title"]) == ("MK000003", "THE MODIFIED WORK")
    assert (work["disputed"], work["disputed_rights"]) == (
        True,
        ["PERFORMING", "MECHANICAL", "SYNCHRONISATION"],
    )
    claims = await db.run_read("MATCH (k:Claim)-[:CLAIMS]->(:Work {iswc: 'T3005600277'}) RETURN k.id AS id")
    assert [row["id"] for row in claims] == [work["id"].replace("MK000003", "MK000004")]


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
    assert len(loaded) == report.works_loaded == 99
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


async def test_acknowledgement_round_trip_gives_each_transaction_its_status(db: Database) -> None:
    report, ack = await load_acknowledged(db, "mmedi_CW190001MPC_000.V21")
    assert ack.rejections == () and ack.header is not None and ack.header.sender_type == "SO"
    statuses = [(a.submitter_work_id, a.status) for a in ack.acknowledgements]
    assert len(statuses) == 100
    assert statuses.count(("PA0015", "RJ")) == 1  # the bad ISWC
    repaired = {a.submitter_work_id for a in ack.acknowledgements if a.status == "AC"}
    assert len(repaired) == report.works_repaired == 4
    assert {status for _, status in statuses} == {"AS", "AC", "RJ"}
    rejected = next(a for a in ack.acknowledgements if a.status == "RJ")
    assert rejected.messages == ("ISWC T6473000158 has check digit 8; expected 9",)
    assert rejected.recipient_work_id is None
    # An accepted work comes back as registered: its NWR, the registry's id, its ISWC and split.
    stored = {
        row["id"]: row["iswc"]
        for row in await db.run_read("MATCH (w:Work) RETURN w.id AS id, w.iswc AS iswc")
    }
    accepted = [a for a in ack.acknowledgements if a.status in ("AS", "AC")]
    assert {a.recipient_work_id: a.iswc for a in accepted} == stored
    echoed = {work.submitter_work_id: work for work in ack.works}
    assert len(echoed) == 99
    assert echoed["RU0008"].ownership_totals.performing_bp == 10000
    first = next(a for a in ack.acknowledgements if a.submitter_work_id == "EM0002")
    assert first.messages[0].startswith("line 3: NWR transaction header has transaction sequence #")


async def test_acknowledgement_of_a_store_refusal_and_of_a_strict_file_rejection(db: Database) -> None:
    report, ack = await load_acknowledged(db, "dmp_CW220001000_DMP.V21")
    assert [(a.submitter_work_id, a.status) for a in ack.acknowledgements] == [
        ("MK000003", "AC"),  # loaded; the publisher's IPI was dropped (FR)
        ("MK000004", "CO"),  # the same ISWC as MK000003: a claim taking the work over 100 %, in conflict
    ]
    claim = ack.acknowledgements[1]
    assert claim.recipient_work_id == ack.acknowledgements[0].recipient_work_id  # the claimed work's id
    assert report.work_ids[0] == report.work_ids[1]  # the claim is counted on the work it claims
    conflict = f"claims on work {report.work_ids[0]} add up to more than 100 % of performing, mechanical"
    assert claim.messages[-1].startswith(conflict)
    _, strict = await load_acknowledged(db, "mmedi_CW190001MPC_000.V21", strict=True)
    assert {a.status for a in strict.acknowledgements} == {"RJ"} and len(strict.acknowledgements) == 100
    assert (
        strict.acknowledgements[0]
        .messages[-1]
        .startswith("the file is rejected (CISAC level ER, strict mode)")
    )
    assert await db.run_read("MATCH (w:Work {submitter_work_id: 'EM0002'}) RETURN w") == []
