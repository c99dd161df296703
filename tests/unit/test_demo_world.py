"""The demo world is the same for the same seed, and its records are valid registry records."""

from __future__ import annotations

from opustrace import demo_world
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
    assert [r["id"] for r in world.runs if r["grantId"] is None] == ["run-cadence-gen-1-ft"]
    bench = next(
        p for p in world.reports["vendor-sureel"] if p["output"]["reference"] == demo_world.BENCH_OUTPUT
    )
    assert len(bench["attributions"]) == 100
    assert world.correction["correction"] is True
    assert {u["period"] for u in world.usage} == set(demo_world.PERIODS)
