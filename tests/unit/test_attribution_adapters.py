"""Vendor payloads to canonical reports: Sureel, Musical AI, generic JSON and CSV, and the docs' examples."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import tests.attribution_samples as samples
from attribution_adapters import generic, musical_ai, sureel
from attribution_adapters.formats import VENDOR_ADAPTERS, adapter_for
from registry.attribution import RightType
from registry.errors import InvalidInput

DOCS = Path(__file__).resolve().parents[2] / "docs" / "attribution-formats.md"


def as_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode()


def fields(exc: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [item["field"] for item in exc.value.details["errors"]]


# --- Sureel ----------------------------------------------------------------------------------------


def test_sureel_payload_becomes_a_report() -> None:
    report = sureel.parse(as_bytes(samples.SUREEL_RESULT), vendor_id="ven_sureel")
    assert report.vendor_id == "ven_sureel"
    assert report.vendor_report_id == "sa_01HZX4K2"
    assert (report.method, report.method_version) == ("sureel-attribution", "3.2.1")
    assert report.computed_at.isoformat() == "2025-06-01T09:30:00+00:00"
    assert (report.output_id, report.output_content_hash) == ("out_01", samples.OUTPUT_HASH)
    first, second, third = report.influences
    assert first.score == Decimal("0.315") and first.confidence == Decimal("0.92")
    assert first.reference.vendor_work_id == "sr_ast_001" and first.reference.iswc == "T0345246801"
    assert first.segments[0].output_end == Decimal("12.5") and first.segments[0].source_start == 40
    assert second.score == Decimal("0.0825") and second.reference.creators == ("Di",)
    assert third.right_type is RightType.MASTER and third.reference.isrc == "GBAYE6700001"
    assert report.unattributed(RightType.COMPOSITION) == Decimal("0.6025")


def test_sureel_bytes_and_mapping_give_the_same_digest() -> None:
    from_bytes = sureel.parse(as_bytes(samples.SUREEL_RESULT), vendor_id="v")
    from_mapping = sureel.parse(samples.sureel(), vendor_id="v")
    assert from_bytes.digest() == from_mapping.digest()


def test_sureel_unfinished_analysis_is_refused() -> None:
    with pytest.raises(InvalidInput, match="only completed analyses"):
        sureel.parse(samples.sureel(status="processing"), vendor_id="v")


def test_sureel_problems_name_sureel_fields() -> None:
    payload = samples.sureel()
    payload["attributions"][0]["asset"]["iswc"] = "T-034.524.680-2"
    payload["attributions"][2]["asset"]["isrc"] = "GB-AYE-67"
    with pytest.raises(InvalidInput) as exc:
        sureel.parse(payload, vendor_id="v")
    assert fields(exc) == ["attributions[0].asset.iswc", "attributions[2].asset.isrc"]
    assert "check digit" in exc.value.message


def test_sureel_percentage_out_of_range() -> None:
    payload = samples.sureel()
    payload["attributions"][1]["influence_pct"] = "101"
    with pytest.raises(InvalidInput) as exc:
        sureel.parse(payload, vendor_id="v")
    assert fields(exc) == ["attributions[1].influence_pct"]


def test_sureel_percentages_over_100_per_type_are_refused() -> None:
    payload = samples.sureel()
    payload["attributions"][1]["influence_pct"] = "70"
    with pytest.raises(InvalidInput, match=r"COMPOSITION scores add up to 1\.015"):
        sureel.parse(payload, vendor_id="v")


def test_sureel_unknown_asset_type() -> None:
    payload = samples.sureel()
    payload["attributions"][0]["asset"]["type"] = "lyrics"
    with pytest.raises(
        InvalidInput, match=r"attributions\[0\]\.asset\.type: must be one of composition, recording"
    ):
        sureel.parse(payload, vendor_id="v")


def test_sureel_missing_field() -> None:
    payload = samples.sureel()
    del payload["attributions"][0]["influence_pct"]
    with pytest.raises(InvalidInput, match=r"attributions\[0\]\.influence_pct: is required"):
        sureel.parse(payload, vendor_id="v")


def test_floats_in_a_mapping_are_refused() -> None:
    payload = samples.sureel()
    payload["attributions"][0]["influence_pct"] = 31.5
    with pytest.raises(InvalidInput, match="not a float"):
        sureel.parse(payload, vendor_id="v")


def test_invalid_json_names_line_and_column() -> None:
    with pytest.raises(InvalidInput, match="line 2, column 3") as exc:
        sureel.parse(b'{"status": "completed",\n  oops}', vendor_id="v")
    assert exc.value.details == {"line": 2, "column": 3}


def test_json_nan_is_refused() -> None:
    with pytest.raises(InvalidInput, match="NaN"):
        sureel.parse(b'{"status": NaN}', vendor_id="v")


# --- Musical AI ------------------------------------------------------------------------------------


def test_musical_ai_keeps_composition_and_master_apart() -> None:
    report = musical_ai.parse(as_bytes(samples.MUSICAL_AI_RESULT), vendor_id="ven_mai")
    assert report.vendor_report_id == "mai_att_7781"
    assert report.total(RightType.COMPOSITION) == Decimal("0.9333")
    assert report.unattributed(RightType.COMPOSITION) == Decimal("0.0667")
    assert report.total(RightType.MASTER) == 1
    master = report.influences_for(RightType.MASTER)[0]
    assert master.reference.isrc == "USS1Z9900001" and master.reference.creators == ("Bo Band",)
    writer = report.influences_for(RightType.COMPOSITION)[0]
    assert writer.reference.creators == ("Ada Writer",) and writer.segments[0].source_end == 30


def test_musical_ai_side_must_add_up_to_100() -> None:
    payload = samples.musical_ai()
    payload["composition"]["unattributed"] = "5"
    with pytest.raises(
        InvalidInput, match=r"composition\.shares: shares and unattributed add up to 98\.33 %"
    ):
        musical_ai.parse(payload, vendor_id="v")


def test_musical_ai_two_place_rounding_is_accepted() -> None:
    payload = samples.musical_ai()
    payload["composition"]["unattributed"] = "6.68"  # 100.01 %
    report = musical_ai.parse(payload, vendor_id="v")
    assert report.total(RightType.COMPOSITION) == Decimal("0.9333")


def test_musical_ai_master_only() -> None:
    payload = samples.musical_ai()
    del payload["composition"]
    report = musical_ai.parse(payload, vendor_id="v")
    assert report.influences_for(RightType.COMPOSITION) == ()


def test_musical_ai_needs_a_side() -> None:
    payload = samples.musical_ai()
    del payload["composition"], payload["master"]
    with pytest.raises(InvalidInput, match="give composition or master"):
        musical_ai.parse(payload, vendor_id="v")


def test_musical_ai_problems_name_its_fields() -> None:
    payload = samples.musical_ai()
    payload["master"]["shares"][0]["source"]["isrc"] = "XX"
    payload["output"] = {"content_sha256": "not-a-hash"}
    with pytest.raises(InvalidInput) as exc:
        musical_ai.parse(payload, vendor_id="v")
    assert fields(exc) == ["output.content_sha256", "master.shares[0].source.isrc"]


# --- generic JSON ----------------------------------------------------------------------------------


def test_generic_json_single_report_uses_callers_vendor() -> None:
    data = samples.canonical_report()
    del data["vendor_id"]
    [report] = generic.parse_json(as_bytes(data), vendor_id="ven_g")
    assert report.vendor_id == "ven_g" and len(report.influences) == 3


def test_generic_json_refuses_another_vendors_name() -> None:
    with pytest.raises(InvalidInput, match="not 'vendor_x'"):
        generic.parse_json(samples.canonical_report(), vendor_id="ven_g")


def test_generic_json_accepts_percent_strings_and_lowercase_right_types() -> None:
    data = samples.canonical_report(vendor_id="v")
    data["influences"][0].update(score="50%", right_type="composition")
    [report] = generic.parse_json(data, vendor_id="v")
    assert (
        report.digest()
        == generic.parse_json(samples.canonical_report(vendor_id="v"), vendor_id="v")[0].digest()
    )


def test_generic_json_many_reports_locate_problems() -> None:
    good = samples.canonical_report(vendor_id="v")
    bad = samples.canonical_report(vendor_id="v", vendor_report_id="rep_2")
    bad["influences"][1]["score"] = "250%"
    with pytest.raises(InvalidInput, match=r"reports\[1\]\.influences\[1\]\.score: must be a percentage"):
        generic.parse_json({"format": generic.FORMAT_ID, "reports": [good, bad]}, vendor_id="v")
    bad["influences"][1]["score"] = "2"
    with pytest.raises(InvalidInput) as exc:
        generic.parse_json({"reports": [good, bad]}, vendor_id="v")
    assert fields(exc) == ["reports[1].influences[1].score"]


def test_generic_json_wrong_format_id() -> None:
    with pytest.raises(InvalidInput, match=r"format: must be 'opustrace\.attribution\.v1'"):
        generic.parse_json({"format": "other/v9", "reports": []}, vendor_id="v")


# --- generic CSV -----------------------------------------------------------------------------------

CSV_HEADER = (
    "report_id,output_id,method,method_version,computed_at,right_type,iswc,isrc,title,creators,score,segments"
)


def csv_body(*rows: str) -> bytes:
    return ("\n".join([CSV_HEADER, *rows]) + "\n").encode()


ROW_A = f"r1,out_01,m,1,2025-06-01T09:30:00Z,COMPOSITION,{samples.ISWC_A},,,,0.5,0-12.5"
ROW_B = "r1,out_01,m,1,2025-06-01T09:30:00Z,composition,,,Second Song,Bo Composer; Cy Lyricist,25%,"
ROW_C = f"r2,out_02,m,1,2025-06-02T09:30:00Z,MASTER,,{samples.ISRC_A},,,0.4,30-42@61-73"


def test_csv_groups_rows_into_reports() -> None:
    first, second = generic.parse_csv(b"\xef\xbb\xbf" + csv_body(ROW_A, "", ROW_B, ROW_C), vendor_id="v")
    assert first.vendor_report_id == "r1" and second.vendor_report_id == "r2"
    assert [i.score for i in first.influences] == [Decimal("0.5"), Decimal("0.25")]
    assert first.influences[1].reference.creators == ("Bo Composer", "Cy Lyricist")
    assert second.influences[0].segments[0].source_start == 61


def test_csv_and_json_of_one_report_have_one_digest() -> None:
    row = (
        "rep_1,out_01,influence-embedding,2.1.0,2025-06-01T09:30:00Z,COMPOSITION,"
        f"{samples.ISWC_A},,First Song,Ada Writer,0.5,0-12.5"
    )
    data = samples.canonical_report(vendor_id="v")
    data["influences"] = data["influences"][:1]
    del data["influences"][0]["confidence"]
    [from_csv] = generic.parse_csv(csv_body(row), vendor_id="v")
    [from_json] = generic.parse_json(data, vendor_id="v")
    assert from_csv.digest() == from_json.digest()


def test_csv_report_without_influences() -> None:
    [report] = generic.parse_csv(csv_body("r9,out_09,m,1,2025-06-01T09:30:00Z,,,,,,,"), vendor_id="v")
    assert report.influences == ()


@pytest.mark.parametrize(
    ("row", "where"),
    [
        ("r1,out_01,m,1,2025-06-01T09:30:00Z,COMPOSITION,T-034.524.680-9,,,,0.5,", "line 3, column iswc"),
        ("r1,out_01,m,1,2025-06-01T09:30:00Z,COMPOSITION,,,Lone Title,,0.5,", "line 3, column iswc/isrc"),
        ("r1,out_01,m,1,2025-06-01T09:30:00Z,COMPOSITION,,,T,C,abc,", "line 3, column score"),
        ("r1,out_01,m,1,2025-06-01T09:30:00Z,COMPOSITION,,,T,C,0.1,5-x", "line 3, column segments"),
        ("r1,out_01,m,2,2025-06-01T09:30:00Z,COMPOSITION,,,T,C,0.1,", "line 3, column method_version"),
        ("r1,out_01,m,1,2025-06-01T09:30:00Z,LYRICS,,,T,C,0.1,", "line 3, column right_type"),
        ("r1,out_01,m,1,2025-06-01T09:30:00Z,COMPOSITION,,,T,C,0.6,", "report r1"),
        (",out_01,m,1,2025-06-01T09:30:00Z,COMPOSITION,,,T,C,0.1,", "line 3, column report_id"),
        ("r1,out_01,m,1,2025-06-01T09:30:00Z,COMPOSITION,,,T,C,0.1,,surplus", "line 3"),
    ],
)
def test_csv_problems_name_line_and_column(row: str, where: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        generic.parse_csv(csv_body(ROW_A, row), vendor_id="v")
    assert where in exc.value.message


def test_csv_report_level_time_problem_names_first_line() -> None:
    with pytest.raises(InvalidInput, match=r"line 2, column computed_at \(report r1\)"):
        generic.parse_csv(csv_body("r1,out_01,m,1,2025-06-01,COMPOSITION,,,T,C,0.1,"), vendor_id="v")


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("report_id,output_id,method,method_version,computed_at,right_type,scroe", "unknown column(s) scroe"),
        ("report_id,output_id,method,method_version,computed_at,right_type", "missing column(s) score"),
        ("report_id,method,method_version,computed_at,right_type,score", "output_id or output_content_hash"),
    ],
)
def test_csv_header_is_checked(header: str, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(fragment)):
        generic.parse_csv(f"{header}\n".encode(), vendor_id="v")


def test_csv_without_rows_or_header() -> None:
    with pytest.raises(InvalidInput, match="no rows"):
        generic.parse_csv(f"{CSV_HEADER}\n".encode(), vendor_id="v")
    with pytest.raises(InvalidInput, match="header"):
        generic.parse_csv(b"", vendor_id="v")


# --- the table of formats, and the docs ---------------------------------------------------------------


def test_vendor_adapters_table() -> None:
    assert set(VENDOR_ADAPTERS) == {"sureel", "musical_ai", "generic_json", "generic_csv"}
    reports = adapter_for("sureel")(as_bytes(samples.SUREEL_RESULT), vendor_id="v")
    assert len(reports) == 1
    with pytest.raises(InvalidInput, match="known formats: generic_csv, generic_json, musical_ai, sureel"):
        adapter_for("acme")
    with pytest.raises(InvalidInput, match="raw CSV body"):
        adapter_for("generic_csv")({"a": 1}, vendor_id="v")


def doc_example(name: str) -> str:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"<!-- example: {name} -->\n```\w*\n(.*?)```", text, re.DOTALL)
    assert match, f"docs example {name} is missing"
    return match.group(1)


@pytest.mark.parametrize(
    ("name", "count"), [("sureel", 1), ("musical_ai", 1), ("generic_json", 1), ("generic_csv", 2)]
)
def test_documented_examples_parse(name: str, count: int) -> None:
    reports = VENDOR_ADAPTERS[name](doc_example(name).encode(), vendor_id="ven_doc")
    assert len(reports) == count
    assert all(r.vendor_id == "ven_doc" for r in reports)


def test_documented_sureel_example_matches_the_test_sample() -> None:
    documented = sureel.parse(doc_example("sureel").encode(), vendor_id="v")
    assert documented.digest() == sureel.parse(samples.SUREEL_RESULT, vendor_id="v").digest()
