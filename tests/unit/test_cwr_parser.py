"""The CWR 2.1/2.2 parser against the real sample files and against records built inline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.gen_cwr import generate_cwr, write_cwr
from registry.catalogue_cwr import registration_from_cwr
from registry.cwr import (
    CwrFile,
    CwrParty,
    CwrReader,
    CwrRejection,
    CwrShares,
    CwrWork,
    parse_cwr,
    parse_cwr_text,
)
from registry.cwr.records import RECORD_LENGTHS
from registry.cwr.rules import RULES
from registry.errors import InvalidInput
from registry.identifiers import parse_ipi_name_number, parse_isrc, parse_iswc
from registry.shares import ShareRole
from tests.conftest import shared_data


def shares(performing: int, mechanical: int, synchronisation: int) -> CwrShares:
    return CwrShares(performing_bp=performing, mechanical_bp=mechanical, synchronisation_bp=synchronisation)


def sample(name: str, *, strict: bool = False) -> CwrFile:
    # CWR is ASCII; latin-1 never fails on a stray byte. Universal newlines take CRLF and LF alike.
    return parse_cwr_text(shared_data("cwr", name).read_text(encoding="latin-1"), strict=strict)


def work_by_id(parsed: CwrFile, submitter_work_id: str) -> CwrWork:
    return next(work for work in parsed.works if work.submitter_work_id == submitter_work_id)


def party(parties: tuple[CwrParty, ...], ip_number: str | None, name: str | None = None) -> CwrParty:
    return next(
        p for p in parties if p.interested_party_number == ip_number and (name is None or p.name == name)
    )


# --- every real file -------------------------------------------------------------------------


def documented_outcomes() -> dict[str, tuple[tuple[int, int], tuple[int, int]]]:
    """docs/cwr.md sample table: name -> ((lenient loaded, rejected), (strict loaded, rejected))."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "cwr.md").read_text(encoding="utf-8")
    outcomes = {}
    for line in doc.splitlines():
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].endswith((".V21", ".v22")) and cells[1][:1].isdigit():
            (loaded, rejected), (strict_loaded, strict_rejected) = (cell.split(" / ") for cell in cells[1:3])
            outcomes[cells[0]] = ((int(loaded), int(rejected)), (int(strict_loaded), int(strict_rejected)))
    return outcomes


@pytest.mark.parametrize("name", sorted(documented_outcomes()))
def test_every_2x_sample_loads_as_the_docs_say_in_both_modes(name: str) -> None:
    lenient, strict = documented_outcomes()[name]
    parsed = sample(name)
    assert (len(parsed.works), len(parsed.rejections)) == lenient
    strictly = sample(name, strict=True)
    assert (len(strictly.works), len(strictly.rejections)) == strict
    for work in parsed.works:
        for right in ("performing_bp", "mechanical_bp", "synchronisation_bp"):
            total = getattr(work.ownership_totals, right)
            assert total == 0 or 9994 <= total <= 10006


def test_all_sample_files_are_covered() -> None:
    names = {
        path.name for path in shared_data("cwr").iterdir() if path.suffix.lower() in (".v21", ".v22", ".sub")
    }
    assert set(documented_outcomes()) == names - {"dmp_CW220002DMP_0000_V3-0-0.SUB"}
    assert names == {
        "weso_nwrexample2.V21",
        "weso_revexample.V21",
        "dmp_CW220001DMP_000.V21",
        "dmp_CW220001000_DMP.V21",
        "mmedi_CW190001MPC_000.V21",
        "weso_demo_cwr_cleaned.v22",
        "dmp_CW220002DMP_0000_V3-0-0.SUB",
    }


def test_weso_nwr_example_writers_publishers_and_shares() -> None:
    parsed = sample("weso_nwrexample2.V21")
    assert parsed.header is not None
    assert (parsed.header.version, parsed.header.sender_type, parsed.header.sender_id) == (
        "2.1",
        "PB",
        "000000199",
    )
    assert parsed.header.sender_name == "THE SENDER"
    # Lines are right-trimmed: padded, and counted in one message that names the first.
    assert parsed.warnings == (
        "5 records are shorter than the specification's record length (right-trimmed lines; the first on "
        "line 3); padded with blanks",
    )
    work = parsed.works[0]
    assert (work.transaction_type, work.group_id, work.transaction_seq, work.record_seq) == ("NWR", 1, 0, 0)
    assert (work.title, work.submitter_work_id, work.iswc) == ("THE WORK", "CLAIMDIGITAL01", None)
    assert (work.distribution_category, work.version_type) == ("POP", "ORI")

    original, administrator = work.publishers
    assert (original.record_type, original.interested_party_number, original.name) == (
        "SPU",
        "HCJ3EBJT6",
        "THE PUBLISHER",
    )
    assert (original.role_code, original.role, original.publisher_chain) == ("E", ShareRole.PUBLISHER, 1)
    assert original.ipi_name_number == "00000000297"
    assert original.ownership == shares(2500, 5000, 5000)
    assert original.collection is None  # the administrator's SPT carries the collection
    assert (administrator.role, administrator.ownership) == (ShareRole.ADMINISTRATOR, shares(0, 0, 0))
    assert administrator.collection == shares(2500, 5000, 5000)
    assert administrator.collection_tis_code == 2136

    john, jane = work.writers
    assert (john.record_type, john.controlled, john.name, john.first_name) == ("SWR", True, "DOE", "JOHN")
    assert (john.ipi_name_number, john.pr_society, john.role) == (
        "00000000395",
        "010",
        ShareRole.COMPOSER_LYRICIST,
    )
    assert john.ownership == shares(2500, 0, 0)
    assert john.collection == shares(2500, 0, 0)
    assert john.publisher_ip_numbers == ("HCJ3EBJT6",)
    assert (jane.record_type, jane.controlled, jane.first_name) == ("OWR", False, "JANE")
    assert jane.ownership == shares(5000, 5000, 5000)
    assert (jane.collection, jane.territories) == (None, ())
    assert work.ownership_totals == shares(10000, 10000, 10000)


def test_weso_rev_example_titles_performers_and_other_writer() -> None:
    parsed = sample("weso_revexample.V21")
    the_one = work_by_id(parsed, "DMP000001")
    assert (the_one.transaction_type, the_one.title) == ("REV", "THE ONE")
    assert the_one.alternate_titles == (
        "THE ONE BED",
        "THE ONE DRUMS ONLY",
        "THE ONE NO DRUMS",
        "THE ONE STING",
    )
    assert the_one.performers == ("THE BAND",)
    assert len(the_one.recordings) == 1 and the_one.recordings[0].isrc is None
    (publisher,) = the_one.publishers
    assert (publisher.name, publisher.pr_society, publisher.ownership) == (
        "DMP DEMO PUBLISHING",
        "052",
        shares(5000, 10000, 10000),
    )
    (writer,) = the_one.writers
    assert (writer.name, writer.first_name, writer.ownership) == ("SMITH", "JOHN JAMES", shares(5000, 0, 0))

    second = work_by_id(parsed, "DMP000002")
    assert (second.transaction_seq, second.alternate_titles) == (1, ("SECOND PLACE",))
    adams = party(second.writers, "W000003")
    assert (adams.controlled, adams.name, adams.first_name) == (False, "ADAMS", "AARON")
    assert adams.ownership == shares(5000, 5000, 5000)
    assert party(second.writers, "W000001").ownership == shares(2500, 0, 0)
    assert second.publishers[0].ownership == shares(2500, 5000, 5000)


def test_dmp_registration_iswc_ipi_base_unknown_parties_and_ipi_header() -> None:
    parsed = sample("dmp_CW220001DMP_000.V21")  # CRLF line ends
    assert parsed.header is not None
    # `HDR09…`: an 11-digit IPI name number spills over the sender type.
    assert (parsed.header.sender_type, parsed.header.sender_id) == (None, "09000000020")
    (work,) = parsed.works
    assert (work.title, work.iswc, work.version_type) == ("MUSIC PUB CARTOONS", "T1234567894", "MOD")
    assert len(work.alternate_titles) == 5 and work.alternate_titles[0] == "MPC ACADEMY"

    publisher = party(work.publishers, "P000001")
    assert (publisher.ipi_name_number, publisher.ownership) == ("09000000020", shares(3750, 7500, 7500))
    other_publisher = party(work.publishers, None)
    assert (other_publisher.record_type, other_publisher.unknown, other_publisher.name) == ("OPU", True, None)
    assert (other_publisher.publisher_chain, other_publisher.ownership) == (2, shares(1250, 2500, 2500))

    kolaric = party(work.writers, "W000001")
    assert (kolaric.name, kolaric.role_code, kolaric.role) == ("KOLARIC", "AR", ShareRole.ARRANGER)
    assert kolaric.ipi_base_number == "I-123456789-3"
    assert kolaric.ipi_name_number == "00000000199"
    assert party(work.writers, "W000002").role == ShareRole.ADAPTER
    unknown_writer = party(work.writers, None)
    assert (unknown_writer.unknown, unknown_writer.ownership) == (True, shares(0, 0, 0))
    assert work.ownership_totals == shares(10000, 10000, 10000)
    assert work.warnings == ()


def test_dmp_acknowledgement_works_continue_the_ack_transaction() -> None:
    parsed = sample("dmp_CW220001000_DMP.V21")
    assert parsed.header is not None and parsed.header.sender_type == "SO"
    first, second = parsed.works
    assert (first.transaction_type, first.transaction_seq, first.record_seq) == ("REV", 0, 1)
    assert (first.submitter_work_id, first.acknowledgement_status, first.iswc) == (
        "MK000003",
        "AS",
        "T3005600277",
    )
    assert (second.transaction_seq, second.submitter_work_id) == (1, "MK000004")
    assert len(first.recordings) == 4
    # The publisher's IPI 00000000004 fails its check: dropped with a warning, the work kept.
    assert first.publishers[0].ipi_name_number is None
    assert any("00000000004" in warning for warning in first.warnings)
    writer = first.writers[0]
    assert (writer.name, writer.role_code, writer.ownership) == ("TESTIC", "C", shares(5000, 0, 0))
    # Trailers claim 20 transactions; the file holds 2.
    assert any("GRT transaction count says 20" in warning for warning in parsed.warnings)


def test_mmedi_planted_envelope_errors_are_repaired_and_only_the_bad_iswc_rejects() -> None:
    parsed = sample("mmedi_CW190001MPC_000.V21")
    repaired = {
        message.line_number: (message.rule, message.action)
        for work in parsed.works
        for message in work.messages
    }
    assert repaired == {
        3: ("first-transaction-sequence", "F"),  # blank transaction sequence on the first NWR
        5: ("record-sequence", "F"),  # SPT numbered 22 where 2 was due
        19: ("record-type", "F"),  # a record with a blank type: the SPU its SPT names
        20: ("record-sequence", "F"),  # record sequence 000000X2
        46: ("transaction-sequence", "F"),  # header says 33, its records say 2
        60: ("detail-transaction-sequence", "F"),  # transaction sequence 000000X3
    }
    blank = work_by_id(parsed, "KA0003")
    assert party(blank.publishers, "096200297").name == "SMITH REDDY PUBLISHING"
    assert (
        "line 19: (blank) record has a blank record type; read as SPU from the SPT that follows"
        in blank.warnings
    )
    (bad_iswc,) = parsed.rejections
    assert (bad_iswc.transaction_seq, bad_iswc.record_seq, bad_iswc.line_number, bad_iswc.rule) == (
        13, 0, 203, "iswc",
    )  # fmt: skip
    assert "T6473000158" in bad_iswc.reason and "check digit" in bad_iswc.reason
    assert (bad_iswc.submitter_work_id, bad_iswc.title) == ("PA0015", "PATRICIA NOTICED CHRISTIAN")
    assert bad_iswc.group_id == 1
    assert "PA0015" not in {work.submitter_work_id for work in parsed.works}


def test_mmedi_work_with_thirds_rounded_and_an_other_publisher() -> None:
    parsed = sample("mmedi_CW190001MPC_000.V21")
    work = work_by_id(parsed, "RU0008")
    assert (work.transaction_seq, work.title, work.iswc) == (6, "RUTH FELL IN LOVE WITH SHAWN", "T1224000080")
    assert work.duration_seconds == 222  # 000342
    assert work.ownership_totals == shares(10000, 9998, 9998)  # thirds: 33.34 + 33.34 + 33.30
    fitzloff = party(work.publishers, "093200047")
    assert (fitzloff.name, fitzloff.ipi_name_number) == ("DANIEL FITZLOFF PUBLISHING", "09320004757")
    assert fitzloff.ownership == shares(1667, 3334, 3334)
    assert fitzloff.collection == shares(1667, 3334, 3334)
    ritchie = next(p for p in work.publishers if p.record_type == "OPU")
    assert (ritchie.name, ritchie.interested_party_number, ritchie.ownership) == (
        "RITCHIE BURT PUBLISHING",
        None,
        shares(1665, 3330, 3330),
    )
    watterson = party(work.writers, "094400119")
    assert (watterson.name, watterson.first_name, watterson.ipi_name_number) == (
        "WATTERSON",
        "ROY",
        "09440011936",
    )
    assert watterson.publisher_ip_numbers == ("093200047",)
    assert party(work.writers, "097900316").controlled is False
    assert work.performers == ("RENEE BLACK",)


def test_mmedi_total_of_100_02_is_within_tolerance_and_isrc_read() -> None:
    parsed = sample("mmedi_CW190001MPC_000.V21")
    assert work_by_id(parsed, "YV0017").ownership_totals == shares(10002, 10002, 10002)
    isrcs = [rec.isrc for work in parsed.works for rec in work.recordings if rec.isrc]
    assert isrcs and all(parse_isrc(isrc)[0] == isrc for isrc in isrcs)


def test_weso_demo_v22_header_rejections_and_territories() -> None:
    parsed = sample("weso_demo_cwr_cleaned.v22")
    assert parsed.header is not None
    assert (parsed.header.version, parsed.header.revision) == ("2.2", 1)
    assert parsed.header.software_package == "CURVE ROYALTY SYSTEMS"
    reasons = {r.submitter_work_id: r.reason for r in parsed.rejections}
    assert set(reasons) == {"KEY003"}
    assert "mechanical shares add up to 125.00 %" in reasons["KEY003"]
    # Two XRF numbered 10: the second is renumbered, the work loads with the repair named.
    assert "line 20: XRF record has record sequence # '00000010'; expected 11; renumbered 11" in (
        work_by_id(parsed, "KEY002").warnings
    )

    first = work_by_id(parsed, "KEY001")
    assert first.iswc == "T0123456789"
    assert first.writers[0].ipi_name_number is None  # 00856545879 fails its check digits
    assert any("00856545879" in warning for warning in first.warnings)

    golden = work_by_id(parsed, "KEY005B")  # the REV after an ACK that carries no work
    crown = party(golden.publishers, "P00000001")
    assert [(t.tis_code, t.included) for t in crown.territories] == [(2136, True), (56, False)]
    assert (crown.collection_tis_code, crown.collection) == (2136, shares(5000, 10000, 10000))
    hops = party(golden.publishers, "P00000002")
    assert (hops.role, hops.collection_tis_code) == (ShareRole.SUB_PUBLISHER, 56)  # no World: first included
    assert any("ACK transaction without a work" in warning for warning in parsed.warnings)

    forgotten = work_by_id(parsed, "KEY006")
    assert [t.tis_code for t in forgotten.writers[0].territories] == [56, 528]
    assert forgotten.writers[0].collection_tis_code == 56


def test_cwr_3_is_refused_with_a_clear_message() -> None:
    lines = shared_data("cwr", "dmp_CW220002DMP_0000_V3-0-0.SUB").read_text(encoding="latin-1").splitlines()
    with pytest.raises(InvalidInput, match=r"CWR 3\.0 is not supported"):
        list(parse_cwr(lines))


# --- records built inline --------------------------------------------------------------------


def put(record_type: str, transaction_seq: int, record_seq: int, *fields: tuple[int, str]) -> str:
    """A record with each text placed at its 1-based start column, blank elsewhere."""
    chars = list(f"{record_type}{transaction_seq:08d}{record_seq:08d}")
    for start, text in fields:
        end = start - 1 + len(text)
        chars.extend(" " * max(0, end - len(chars)))
        chars[start - 1 : end] = text
    return "".join(chars)


def nwr(tx: int, *, iswc: str = "", work_id: str = "EDGE0001", record_type: str = "NWR", seq: int = 0) -> str:
    return put(
        record_type, tx, seq, (20, "EDGE WORK".ljust(60)), (82, work_id.ljust(14)), (96, iswc.ljust(11)),
        (127, "POP000330Y"), (143, "ORI"),
    )  # fmt: skip


def spu(tx: int, seq: int, ip: str = "P1", pr: str = "05000", mr: str = "10000", *, role: str = "E ") -> str:
    return put(
        "SPU", tx, seq, (20, "01"), (22, ip.ljust(9)), (31, "EDGE PUBLISHING".ljust(45)), (77, role),
        (88, "00000000297"), (116, pr), (124, mr), (132, mr),
    )  # fmt: skip


def spt(tx: int, seq: int, ip: str = "P1", pr: str = "05000", mr: str = "10000", tis: str = "2136") -> str:
    return put("SPT", tx, seq, (20, ip.ljust(9)), (35, pr + mr + mr), (50, "I" + tis + "N001"))


def swr(
    tx: int, seq: int, ip: str = "W1", pr: str = "05000", *, ipi: str = "00000000395", kind: str = "SWR"
) -> str:
    return put(
        kind, tx, seq, (20, ip.ljust(9)), (29, "SMITH".ljust(45)), (74, "JO".ljust(30)), (105, "CA"),
        (116, ipi), (130, pr), (138, "00000"), (146, "00000"),
    )  # fmt: skip


def swt(tx: int, seq: int, ip: str = "W1", pr: str = "05000") -> str:
    return put("SWT", tx, seq, (20, ip.ljust(9)), (29, pr + "00000" + "00000"), (44, "I2136N001"))


def pwr(tx: int, seq: int, publisher_ip: str = "P1", writer_ip: str = "W1") -> str:
    return put(
        "PWR", tx, seq, (20, publisher_ip.ljust(9)), (29, "EDGE PUBLISHING".ljust(45)), (102, writer_ip)
    )


def valid_work(tx: int, *, iswc: str = "", work_id: str = "EDGE0001") -> list[str]:
    return [nwr(tx, iswc=iswc, work_id=work_id), spu(tx, 1), spt(tx, 2), swr(tx, 3), swt(tx, 4), pwr(tx, 5)]


HDR = "HDRPB000000199EDGE SENDER".ljust(59) + "01.10" + "20250101" + "120000" + "20250101"


def full_length(line: str) -> str:
    lengths = RECORD_LENGTHS.get(line[:3])
    return line.ljust(lengths[0]) if lengths else line


def cwr_file(*transactions: list[str], version: str = "02.10") -> list[str]:
    body = [full_length(line) for transaction in transactions for line in transaction]
    return [
        full_length(HDR),
        f"GRHNWR00001{version}0000000000",
        *body,
        f"GRT00001{len(transactions):08d}{len(body) + 2:08d}",
        f"TRL00001{len(transactions):08d}{len(body) + 4:08d}",
    ]


def parse_lines(lines: list[str]) -> CwrFile:
    return parse_cwr_text(lines)


def only_rejection(parsed: CwrFile) -> CwrRejection:
    assert parsed.works == ()
    (rejection,) = parsed.rejections
    return rejection


def test_minimal_inline_work_parses_without_warnings() -> None:
    parsed = parse_lines(cwr_file(valid_work(0, iswc="T1234567894")))
    assert parsed.warnings == () and parsed.rejections == ()
    (work,) = parsed.works
    assert (work.iswc, work.duration_seconds) == ("T1234567894", 210)
    assert work.writers[0].publisher_ip_numbers == ("P1",)
    assert work.warnings == ()


def test_bad_iswc_rejects_the_transaction_and_the_next_one_still_parses() -> None:
    parsed = parse_lines(cwr_file(valid_work(0, iswc="T1234567895"), valid_work(1, work_id="EDGE0002")))
    (rejection,) = parsed.rejections
    assert (rejection.transaction_seq, rejection.record_seq, rejection.record_type) == (0, 0, "NWR")
    assert "check digit 5; expected 4" in rejection.reason
    assert [work.submitter_work_id for work in parsed.works] == ["EDGE0002"]


def test_record_too_short_rejects_the_transaction() -> None:
    lines = cwr_file(valid_work(0))
    lines[3] = lines[3][:120]  # the SPU stops before its MR and SR ownership shares
    rejection = only_rejection(parse_lines(lines))
    assert (rejection.record_type, rejection.record_seq, rejection.line_number) == ("SPU", 1, 4)
    assert "column 136" in rejection.reason


def test_right_trimmed_lines_and_crlf_and_bom_are_accepted() -> None:
    lines = [line.rstrip() + "\r\n" for line in cwr_file(valid_work(0))]
    lines[0] = "\ufeff" + lines[0]
    lines[-1] = lines[-1].rstrip("\r\n")  # no final newline
    parsed = parse_cwr_text(lines)
    assert len(parsed.works) == 1
    assert parsed.warnings == (
        "4 records are shorter than the specification's record length (right-trimmed lines; the first on "
        "line 3); padded with blanks",
    )


@pytest.mark.parametrize(
    ("writer_pr", "publisher_pr", "accepted"),
    [
        ("05000", "05000", True),
        ("04997", "05000", True),  # 99.97 %: thirds rounded, inside ±0.06
        ("05006", "05000", True),
        ("04993", "05000", False),  # 99.93 %
        ("05007", "05000", False),
        ("00000", "00000", True),  # nobody claims the performing right: a total of 0 is allowed
    ],
)
def test_ownership_total_tolerance(writer_pr: str, publisher_pr: str, accepted: bool) -> None:
    tx = [nwr(0), spu(0, 1, pr=publisher_pr), spt(0, 2, pr=publisher_pr), swr(0, 3, pr=writer_pr), pwr(0, 4)]
    parsed = parse_lines(cwr_file(tx))
    assert bool(parsed.works) is accepted
    if not accepted:
        assert "performing shares add up to" in parsed.rejections[0].reason


def test_publishers_may_not_own_more_than_half_the_performing_right() -> None:
    tx = [nwr(0), spu(0, 1, pr="06000"), swr(0, 2, pr="04000"), pwr(0, 3)]
    rejection = only_rejection(parse_lines(cwr_file(tx)))
    assert "publishers own 60.00 % of the performing right" in rejection.reason


@pytest.mark.parametrize(
    ("share", "message"),
    [
        ("05O00", "is not a share"),
        ("10001", "100.01 %; a share is at most 100.00 %"),
        (" 5000", "is not a share"),
    ],
)
def test_malformed_share_fields_reject(share: str, message: str) -> None:
    tx = [nwr(0), spu(0, 1, mr=share), swr(0, 2), pwr(0, 3)]
    assert message in only_rejection(parse_lines(cwr_file(tx))).reason


def test_invalid_writer_ipi_only_warns_and_is_dropped() -> None:
    tx = [nwr(0), spu(0, 1), swr(0, 2, ipi="00000000394"), pwr(0, 3)]
    (work,) = parse_lines(cwr_file(tx)).works
    assert work.writers[0].ipi_name_number is None
    assert parse_ipi_name_number("00000000395") == "00000000395"
    assert any("SWR W1: IPI name number 00000000394" in warning for warning in work.warnings)


def test_unimported_record_types_are_skipped_and_an_unknown_one_rejects() -> None:
    tx = [*valid_work(0)]
    for extra in ("EWT", "VER", "COM", "ORN", "INS", "IND", "XRF"):
        tx.append(put(extra, 0, len(tx), (20, "WHATEVER")))
    (work,) = parse_lines(cwr_file(tx)).works
    assert work.warnings == ()
    tx.append(put("ZZZ", 0, len(tx), (20, "WHATEVER")))
    rejection = only_rejection(parse_lines(cwr_file(tx)))
    assert (rejection.line_number, rejection.rule) == (16, "record-type-unknown")
    assert rejection.reason == "ZZZ is not a CWR 2.x record type"


def test_territory_record_of_another_party_rejects() -> None:
    tx = [nwr(0), spu(0, 1), spt(0, 2, ip="P2"), swr(0, 3), pwr(0, 4)]
    rejection = only_rejection(parse_lines(cwr_file(tx)))
    assert (rejection.record_type, rejection.record_seq) == ("SPT", 2)
    assert "IP # P2, but follows SPU P1" in rejection.reason


def test_pwr_naming_a_publisher_the_work_lacks_rejects() -> None:
    tx = [nwr(0), spu(0, 1), swr(0, 2), pwr(0, 3, publisher_ip="P9")]
    assert "publisher IP # P9, which no SPU/OPU" in only_rejection(parse_lines(cwr_file(tx))).reason


def test_record_sequence_gap_and_foreign_transaction_number_are_repaired_leniently() -> None:
    gap = [nwr(0), spu(0, 1), swr(0, 3), pwr(0, 4)]
    (work,) = parse_lines(cwr_file(gap)).works
    assert work.warnings == (
        "line 5: SWR record has record sequence # '00000003'; expected 2; renumbered 2",
        "line 6: PWR record has record sequence # '00000004'; expected 3; renumbered 3",
    )
    foreign = [nwr(0), spu(0, 1), swr(7, 2), pwr(0, 3)]
    (work,) = parse_lines(cwr_file(foreign)).works
    assert [message.rule for message in work.messages] == ["detail-transaction-sequence"]


def test_record_sequence_gap_rejects_the_whole_file_in_strict_mode() -> None:
    gap = [nwr(1), spu(1, 1), swr(1, 3), pwr(1, 4)]
    parsed = parse_cwr_text(cwr_file(valid_work(0), gap), strict=True)
    assert parsed.works == ()
    assert [(r.rule, r.line_number) for r in parsed.rejections] == [
        ("record-sequence", 3),
        ("record-sequence", 9),
    ]
    assert parsed.rejections[0].reason.startswith(
        "the file is rejected (CISAC level ER, strict mode): line 11:"
    )


def test_out_of_order_transaction_number_only_warns() -> None:
    parsed = parse_lines(cwr_file(valid_work(0), valid_work(5, work_id="EDGE0002")))
    assert len(parsed.works) == 2
    assert "transaction sequence # '00000005'; expected 1" in parsed.works[1].warnings[0]


def test_detail_record_outside_a_transaction_rejects() -> None:
    rejection = only_rejection(parse_lines(cwr_file([spu(0, 0)])))
    assert "SPU record outside a transaction" in rejection.reason


def test_acknowledgement_transaction_carries_status_and_agreements_are_skipped() -> None:
    ack = put("ACK", 0, 0, (20, "20250101120000"), (34, "00001"), (39, "00000000REV"), (158, "AS"))
    agr = put("AGR", 1, 0, (20, "AGREEMENT"))
    # The work continues the ACK's numbering: record sequence 2 onwards, after the ACK and MSG.
    renumbered = [line[:11] + f"{index + 2:08d}" + line[19:] for index, line in enumerate(valid_work(0))]
    transaction = [ack, put("MSG", 0, 1, (20, "F")), *renumbered]
    parsed = parse_lines(cwr_file(transaction, [agr, put("TER", 1, 1, (20, "X"))]))
    (work,) = parsed.works
    assert (work.acknowledgement_status, work.record_seq, work.transaction_seq) == ("AS", 2, 0)
    assert parsed.rejections == ()


def test_cwr_22_version_comes_from_the_group_header() -> None:
    reader = CwrReader(cwr_file(valid_work(0), version="02.20"))
    assert len(list(reader)) == 1
    assert reader.header is not None and reader.header.version == "2.2"


def test_a_file_without_hdr_is_refused() -> None:
    with pytest.raises(InvalidInput, match="starts with an HDR record"):
        list(parse_cwr(valid_work(0)))


def test_parse_cwr_streams_before_the_input_ends() -> None:
    consumed: list[int] = []

    def lines() -> Iterator[str]:
        for index, line in enumerate(cwr_file(valid_work(0), valid_work(1), valid_work(2))):
            consumed.append(index)
            yield line

    stream = parse_cwr(lines())
    first = next(stream)
    assert isinstance(first, CwrWork) and first.transaction_seq == 0
    assert len(consumed) < 12  # the first work came out after its own records plus one


def test_models_are_frozen() -> None:
    (work,) = parse_lines(cwr_file(valid_work(0))).works
    with pytest.raises(ValueError, match="frozen"):
        work.title = "OTHER"


# --- the benchmark generator -----------------------------------------------------------------


def test_generated_file_parses_with_zero_rejections(tmp_path: Path) -> None:
    out = tmp_path / "bench.V21"
    write_cwr(300, out, seed=7)
    with out.open(encoding="ascii") as stream:
        reader = CwrReader(stream)
        items = list(reader)
    assert reader.warnings == []
    assert all(isinstance(item, CwrWork) for item in items) and len(items) == 300
    works = [item for item in items if isinstance(item, CwrWork)]
    assert all(work.warnings == () for work in works)
    assert all(work.ownership_totals == shares(10000, 10000, 10000) for work in works)
    assert all(parse_iswc(work.iswc) == work.iswc for work in works if work.iswc)
    assert sum(1 for work in works if work.iswc) > 200
    assert all(rec.isrc for work in works for rec in work.recordings)
    assert any(not writer.controlled for work in works for writer in work.writers)
    assert max(len(work.writers) for work in works) == 4


def test_generated_records_have_their_full_21_length() -> None:
    for line in generate_cwr(50, seed=1):
        assert len(line) == RECORD_LENGTHS[line[:3]][0]


def test_the_docs_list_every_rule_with_its_level_and_lenient_action() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "cwr.md").read_text(encoding="utf-8")
    rows = {}
    for line in doc.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = (cells[2], cells[3])
    assert rows == {rule.code: (rule.level.code, rule.lenient.value) for rule in RULES.values()}


def test_publisher_chain_with_administrator_territory_and_writer_is_registered() -> None:
    (work,) = sample("weso_nwrexample2.V21").works
    _, registration = registration_from_cwr(work, "S")
    (chain,) = registration.chains
    original, administrator = chain.members
    assert (chain.number, original.holder.key, original.role_code, original.territories) == (
        1, "ipi:00000000297", "E", (),
    )  # fmt: skip
    assert (administrator.holder.key, administrator.role_code) == ("ipi:00000000199", "AM")
    (world,) = administrator.territories
    assert (world.tis_code, world.included, world.performing_bp, world.mechanical_bp) == (
        2136,
        True,
        2500,
        5000,
    )
    assert [ref.key for ref in chain.writers] == ["ipi:00000000395"]  # JOHN DOE's PWR; JANE DOE has none
