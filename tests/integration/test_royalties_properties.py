"""Properties of distributions over random small graphs written to the real Neo4j.

For each random catalogue (creators who opted in, declined or said nothing; works with random shares;
a model's lineage with random weights; outputs with or without reports, above or below the threshold,
with unmatched references) and random pools:

- conservation: the statement's lines and suspense add up to its pool, to the minor unit;
- no line is negative;
- determinism: the same graph distributed twice gives the same lines;
- order irrelevance: the same graph written in another order gives the same lines.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.database import Database
from graph.stores.royalties import statement_reads, statements, usage
from graph.stores.royalties.records import StatementRecord
from registry.royalties import Stream
from registry.usage import Period, UsageInput
from tests.conftest import WIPE
from tests.integration.royalties_graph import Builder

pytestmark = pytest.mark.integration
PERIOD = Period.parse("2026-10")


@st.composite
def graphs(draw: st.DrawFn) -> dict[str, Any]:
    n_creators = draw(st.integers(1, 5))
    consents = {
        f"C{i}": draw(st.sampled_from(["OPT_IN", "OPT_IN", "OPT_IN", "DECLINE", None]))
        for i in range(n_creators)
    }
    works: dict[str, dict[str, int]] = {}
    for w in range(draw(st.integers(1, 6))):
        holders = draw(st.lists(st.sampled_from(sorted(consents)), min_size=1, max_size=3, unique=True))
        cuts = sorted(
            draw(st.lists(st.integers(1, 9999), min_size=len(holders) - 1, max_size=len(holders) - 1))
        )
        bounds = [0, *cuts, 10000]
        works[f"W{w}"] = {h: bounds[i + 1] - bounds[i] for i, h in enumerate(holders)}
    lineage = {
        w: draw(st.sampled_from(["1", "2", "0.5", "3"]))
        for w in draw(st.lists(st.sampled_from(sorted(works)), max_size=4, unique=True))
    }
    outputs = []
    for o in range(draw(st.integers(1, 4))):
        influenced = draw(st.lists(st.sampled_from(sorted(works)), max_size=4, unique=True))
        scores = {w: draw(st.sampled_from(["0.1", "0.25", "0.05", "0.2"])) for w in influenced}
        outputs.append(
            {
                "id": f"O{o}",
                "report": draw(st.booleans()),
                "scores": scores,
                "unmatched": {'{"vendor_work_id": "v1"}': "0.1"} if draw(st.booleans()) else {},
                "confidence": draw(st.sampled_from(["0.2", "0.9", None])),
                "amount": draw(st.integers(0, 10**7)),
            }
        )
    return {"consents": consents, "works": works, "lineage": lineage, "outputs": outputs}


async def write(db: Database, graph: dict[str, Any], rng: random.Random) -> None:
    """Write the graph, each collection in an order `rng` chooses."""
    b = Builder(db)
    await b.licence()
    consents = list(graph["consents"].items())
    rng.shuffle(consents)
    await b.creators(dict(consents))
    works = list(graph["works"].items())
    rng.shuffle(works)
    for work_id, holders in works:
        await b.work(work_id, holders)
    lineage = list(graph["lineage"].items())
    rng.shuffle(lineage)
    await b.model("M", dict(lineage))
    outputs = list(graph["outputs"])
    rng.shuffle(outputs)
    await b.outputs("M", [o["id"] for o in outputs])
    for o in outputs:
        if o["report"]:
            await b.report(
                f"R-{o['id']}", o["id"], o["scores"], confidence=o["confidence"], unmatched=o["unmatched"]
            )
        amount = f"{o['amount'] // 100}.{o['amount'] % 100:02d}"
        report = UsageInput.of(
            licensee_id="lic-1",
            stream="OUTPUT_USE",
            period=str(PERIOD),
            subject_id=o["id"],
            amount=amount,
            currency="EUR",
        )
        await usage.report_usage(db, report)


async def distribute(db: Database, statement_id: str) -> tuple[StatementRecord, list[dict[str, Any]]]:
    record = await statements.run_distribution(
        db,
        statement_id=statement_id,
        stream=Stream.OUTPUT_USE,
        period=PERIOD,
        currency="EUR",
        created_by="test",
        batch_size=2,  # several pages even for a handful of outputs: the paging is under test too
    )
    lines = [
        line
        for page in [p async for p in statement_reads.iter_lines(db, statement_id, page=3)]
        for line in page
    ]
    return record, [{k: v for k, v in line.items() if k != "statement_id"} for line in lines]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(graph=graphs(), seeds=st.tuples(st.integers(0, 2**16), st.integers(0, 2**16)))
async def test_distribution_properties(db: Database, graph: dict[str, Any], seeds: tuple[int, int]) -> None:
    await db.run_autocommit(WIPE)
    await write(db, graph, random.Random(seeds[0]))
    first, lines = await distribute(db, "st-a")
    assert first.paid + first.suspended == first.pool
    assert sum(line["amount"] for line in lines) == first.pool
    assert all(line["amount"] >= 0 for line in lines)
    assert len(lines) == first.line_count
    expected_pool = sum(o["amount"] // 10 + _half_even(o["amount"]) for o in graph["outputs"])
    assert first.pool == expected_pool
    _, again = await distribute(db, "st-b")
    assert again == lines
    await db.run_autocommit(WIPE)
    await write(db, graph, random.Random(seeds[1]))
    _, reordered = await distribute(db, "st-c")
    assert reordered == lines


def _half_even(amount: int) -> int:
    """The rounding part of amount * 0.10 (the licence's output rate), half to even."""
    floor, rest = divmod(amount, 10)
    return 1 if rest > 5 or (rest == 5 and floor % 2 == 1) else 0
