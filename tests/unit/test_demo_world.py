"""The demo world is the same for the same seed, and its records are valid registry records."""

from __future__ import annotations

import hashlib
import io
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

from opustrace import demo_world
from opustrace.cli import cli
from registry.identifiers import parse_ipi_name_number, parse_iswc


def test_the_same_seed_builds_the_same_world_and_another_seed_another() -> None:
    assert demo_world.build(7, demo_world.SMALL) == demo_world.build(7, demo_world.SMALL)
    assert demo_world.build(7, demo_world.SMALL).works != demo_world.build(8, demo_world.SMALL).works


def test_full_size_is_what_the_readme_says() -> None:
    world = demo_world.build()
    assert (len(world.creators), len(world.works), len(world.outputs)) == (308, 3000, 2000)
    assert len({w["iswc"] for w in world.works}) == 3000
    assert len({c["ipi"] for c in world.creators}) == 308


def test_identifiers_are_valid_and_every_split_adds_up() -> None:
    world = demo_world.build(3, demo_world.SMALL)
    for creator in world.creators:
        assert parse_ipi_name_number(creator["ipi"]) == creator["ipi"]
    for work in world.works:
        assert parse_iswc(work["iswc"]) == work["iswc"]
        for right in ("performingBp", "mechanicalBp", "synchronisationBp"):
            assert sum(share[right] for share in work["shares"]) == 10_000, work


def test_one_run_breaks_the_rules_and_the_bench_output_has_100_influences() -> None:
    world = demo_world.build()
    assert [r["id"] for r in world.runs if r["grantId"] is None] == ["lic-cadence:run-cadence-gen-1-ft"]
    bench = next(
        p for p in world.reports["vendor-sureel"] if p["output"]["reference"] == demo_world.BENCH_OUTPUT
    )
    assert len(bench["attributions"]) == 100
    assert world.correction["correction"] is True
    assert {u["period"] for u in world.usage} == set(demo_world.PERIODS)


def test_each_output_has_its_own_audio_whose_hash_is_its_content_hash() -> None:
    world = demo_world.build(7, demo_world.TINY)
    for output in world.outputs:
        audio = demo_world.audio(7, demo_world.output_number(output["id"]))
        assert hashlib.sha256(audio).hexdigest() == output["contentHash"]
        with wave.open(io.BytesIO(audio)) as track:
            assert (track.getnchannels(), track.getframerate(), track.getnframes()) == (1, 8000, 804)
    assert len({o["contentHash"] for o in demo_world.build(7).outputs}) == demo_world.Size().outputs
    with pytest.raises(ValueError, match="not a demo output id"):
        demo_world.output_number("w-00003")


def test_demo_audio_writes_an_outputs_track(tmp_path: Path) -> None:
    out = tmp_path / "track.wav"
    result = CliRunner().invoke(
        cli, ["demo", "audio", "lic-aurora:out-00006", "--seed", "7", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == demo_world.audio(7, 6)
    refused = CliRunner().invoke(cli, ["demo", "audio", "nope", "--out", str(out)])
    assert refused.exit_code == 2 and "not a demo output id" in refused.output
