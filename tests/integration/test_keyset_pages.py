"""The append-only lists page by key: rows added between two pages neither skip nor repeat a row.

Each list is walked two rows a page while rows are added between pages where they hurt an offset: before
the cursor (newest-first lists get newer rows, the others rows that sort first). Paged by offset, each
added row would shift the list and repeat a row; paged by key, the walk is the list as it stood.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from graph.database import Database
from graph.stores.licensing import licences
from graph.stores.provenance import writes as provenance
from graph.stores.royalties import usage
from registry.licensing import GrantInput
from registry.provenance import OutputInput
from registry.royalties.model import Stream
from registry.usage import Period, UsageInput
from tests.integration.provenance_graph import (
    add_report,
    add_works,
    content_hash,
    licensee_with_grant,
    model,
    opt_in,
    output,
)
from tests.support import ADMIN_SECRET, GraphQLClient

pytestmark = pytest.mark.integration

Grow = Callable[[], Awaitable[None]]


async def walk(gql: GraphQLClient, query: str, path: tuple[str, ...], grow: Grow) -> list[str]:
    """The `key` of every node of the connection at `path`, two a page, growing the list between pages."""
    keys: list[str] = []
    after = None
    while True:
        page: Any = (await gql(query, {"after": after}, key=ADMIN_SECRET)).data
        for name in path:
            page = page[name]
        keys += [edge["node"]["key"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return keys
        await grow()
        after = page["pageInfo"]["endCursor"]


async def listed(gql: GraphQLClient, query: str, path: tuple[str, ...]) -> list[str]:
    """The list as it stands, walked without growing it."""

    async def still() -> None:
        return None

    return await walk(gql, query, path, still)


def counter() -> Callable[[], int]:
    made = iter(range(1, 1000))
    return lambda: next(made)


async def assert_walk_is_the_list(gql: GraphQLClient, query: str, path: tuple[str, ...], grow: Grow) -> None:
    before = await listed(gql, query, path)
    assert len(before) >= 5, before
    walked = await walk(gql, query, path, grow)
    assert walked == before
    after = await listed(gql, query, path)
    assert len(after) > len(before), "the list grew while it was walked"


USAGE = """query($after: String) { usageReports(first: 2, after: $after) {
  edges { node { key: id } } pageInfo { hasNextPage endCursor } } }"""


async def test_usage_reports_walk_once_while_reports_that_sort_first_arrive(
    db: Database, gql: GraphQLClient
) -> None:
    await licensee_with_grant(db)
    m = await model(db)
    made = counter()

    async def report(period: str) -> None:
        out = await output(db, f"o{made()}", m.id)
        await usage.report_usage(
            db, UsageInput("lic-1", Stream.OUTPUT_USE, Period.parse(period), out.id, 100, "EUR")
        )

    for _ in range(5):
        await report("2026-02")

    async def grow() -> None:
        await report("2026-01")  # an earlier month sorts before every report already listed

    await assert_walk_is_the_list(gql, USAGE, ("usageReports",), grow)


REPORTS = """query($after: String) { attributionReports(first: 2, after: $after) {
  edges { node { key: id } } pageInfo { hasNextPage endCursor } } }"""


async def test_attribution_reports_walk_once_while_newer_computations_arrive(
    db: Database, gql: GraphQLClient
) -> None:
    await licensee_with_grant(db)
    await add_works(db, ["w1"], "c1")
    m = await model(db)
    out = await output(db, "o1", m.id)
    made = counter()

    async def grow() -> None:
        await add_report(db, f"r{made()}", "v1", out.id, {"w1": "0.5"})  # computed now: the newest

    for _ in range(5):
        await grow()
    await assert_walk_is_the_list(gql, REPORTS, ("attributionReports",), grow)


CONSENTS = """query($after: String) { consents(first: 2, after: $after) {
  edges { node { key: id } } pageInfo { hasNextPage endCursor } } }"""


async def test_consent_history_walks_once_while_newer_consents_are_given(
    db: Database, gql: GraphQLClient
) -> None:
    await add_works(db, ["w1"], "c1")
    made = counter()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for day in range(5):
        await opt_in(db, f"k{made()}", "c1", since=start + timedelta(days=day))

    async def grow() -> None:
        await opt_in(db, f"k{made()}", "c1", since=datetime(2025, 1, made(), tzinfo=UTC))

    await assert_walk_is_the_list(gql, CONSENTS, ("consents",), grow)


INFLUENCED = """query($after: String) { workProvenance(workId: "w1") { outputs(first: 2, after: $after) {
  edges { node { key: reportId } } pageInfo { hasNextPage endCursor } } } }"""


async def test_outputs_a_work_influenced_walk_once_while_newer_outputs_arrive(
    db: Database, gql: GraphQLClient
) -> None:
    await licensee_with_grant(db)
    await add_works(db, ["w1"], "c1")
    m = await model(db)
    made = counter()

    async def grow() -> None:
        number = made()
        generated = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=number)  # the newest output
        declared = OutputInput(
            id=f"lic-1:o{number}",
            licensee_id="lic-1",
            model_id=m.id,
            content_hash=content_hash(f"o{number}"),
            generated_at=generated,
        )
        out = await provenance.declare_output(db, declared)
        await add_report(db, f"r{number}", "v1", out.id, {"w1": "0.5"})

    for _ in range(5):
        await grow()
    await assert_walk_is_the_list(gql, INFLUENCED, ("workProvenance", "outputs"), grow)


GRANTS = """query($after: String) { grants(first: 2, after: $after) {
  edges { node { key: id } } pageInfo { hasNextPage endCursor } } }"""


async def test_grants_walk_once_while_later_grants_are_made(db: Database, gql: GraphQLClient) -> None:
    await licensee_with_grant(db)
    made = counter()

    async def grant(start: datetime) -> None:
        number = made()
        made_grant = GrantInput(
            id=f"g-{number}",
            licensee_id="lic-1",
            licence_version_id="cal",
            model_name=f"m{number}",
            model_version="1",
            valid_from=start,
            valid_to=datetime(2030, 1, 1, tzinfo=UTC),
        )
        await licences.create_grant(db, made_grant)

    for month in range(1, 5):
        await grant(datetime(2024, month + 1, 1, tzinfo=UTC))

    async def grow() -> None:
        await grant(datetime(2026, 1, made(), tzinfo=UTC))  # the latest start is listed first

    await assert_walk_is_the_list(gql, GRANTS, ("grants",), grow)


STATEMENT = """
MERGE (s:Statement {id: 'st-1'})
SET s.stream = 'OUTPUT_USE', s.period = '2026-01', s.currency = 'EUR', s.status = 'RUNNING',
    s.created_at = datetime(), s.line_count = 0, s.suspense_line_count = 0
"""
PAYEE = """
MATCH (s:Statement {id: 'st-1'})
MERGE (c:Creator {id: $creator}) ON CREATE SET c.name = $creator, c.kind = 'PERSON'
CREATE (s)-[:PAYS {amount: 100, lines: 1, adjustment: 0}]->(c)
"""
LINE = """
MATCH (s:Statement {id: 'st-1'})
CREATE (:StatementLine {statement_id: 'st-1', n: s.line_count, kind: 'OUTPUT', basis: 'ATTRIBUTION',
        party: 's:test', amount: 1, explanation: 'a line'})
SET s.line_count = s.line_count + 1
"""
PAYEES = """query($after: String) { statement(id: "st-1") { payees(first: 2, after: $after) {
  edges { node { key: creatorId } } pageInfo { hasNextPage endCursor } } } }"""
LINES = """query($after: String) { statement(id: "st-1") { lines(first: 2, after: $after) {
  edges { node { key: explanation n } } pageInfo { hasNextPage endCursor } } } }"""


async def test_statement_payees_walk_once_while_payees_that_sort_first_are_added(
    db: Database, gql: GraphQLClient
) -> None:
    await db.run_write(STATEMENT)
    for name in "bcdef":
        await db.run_write(PAYEE, {"creator": f"c-{name}"})
    made = counter()

    async def grow() -> None:
        await db.run_write(PAYEE, {"creator": f"c-a{made()}"})  # sorts before every payee listed

    await assert_walk_is_the_list(gql, PAYEES, ("statement", "payees"), grow)


async def test_statement_lines_walk_in_order_while_lines_are_written(
    db: Database, gql: GraphQLClient
) -> None:
    """A statement's lines only ever come after the last (`n` counts them): a walk sees each once."""
    await db.run_write(STATEMENT)
    for _ in range(5):
        await db.run_write(LINE)

    ns: list[int] = []

    async def grow() -> None:
        await db.run_write(LINE)

    after = None
    while True:
        page = (await gql(LINES, {"after": after}, key=ADMIN_SECRET)).data["statement"]["lines"]
        ns += [edge["node"]["n"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        await grow()
        after = page["pageInfo"]["endCursor"]
    lines = await db.run_read("MATCH (l:StatementLine) RETURN count(l) AS n")
    assert ns == list(range(lines[0]["n"]))


# --- cursors ----------------------------------------------------------------------------------------

KEYSET_ROOTS = [
    "usageReports",
    "attributionReports",
    "consents",
    "statements",
    "grants",
    "apiKeys",
    "complianceFlags",
    "audioDisputes",
    "auditEvents",
]


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize("field", KEYSET_ROOTS)
async def test_an_offset_cursor_of_an_earlier_version_is_refused_saying_what_to_do(
    gql: GraphQLClient, field: str
) -> None:
    answer = await gql(f'{{ {field}(after: "{_cursor("offset:24")}") {{ totalCount }} }}', key=ADMIN_SECRET)
    assert answer.codes == ["BAD_USER_INPUT"]
    assert "now pages by key" in answer.messages[0] and "endCursor" in answer.messages[0]


@pytest.mark.parametrize(
    "cursor", ["garbage", _cursor("key:not json"), _cursor("key:[]"), _cursor("key:[[1]]"), _cursor("seq:3")]
)
async def test_a_forged_cursor_is_refused(gql: GraphQLClient, cursor: str) -> None:
    answer = await gql(f'{{ usageReports(after: "{cursor}") {{ totalCount }} }}', key=ADMIN_SECRET)
    assert answer.codes == ["BAD_USER_INPUT"]
    assert answer.messages == [f"Cursor {cursor!r} is not one this API gave out; use an endCursor."]


OTHER_SHAPES = [(field, 'key:[{"t": "2026-01-01T00:00:00Z"}, 1, 2, 3, 4, 5]') for field in KEYSET_ROOTS] + [
    ("usageReports", "key:[5]"),
    ("auditEvents", 'key:["5"]'),
    ("consents", 'key:["2024-01-01", "k1"]'),
    ("attributionReports", 'key:[{"t": "not a time"}, "r1"]'),
]


@pytest.mark.parametrize(("field", "key"), OTHER_SHAPES)
async def test_a_cursor_of_another_shape_is_refused_as_not_this_lists(
    gql: GraphQLClient, field: str, key: str
) -> None:
    """Well formed, but not a key of this list (another list's, or made up): a clear refusal, not an
    empty page."""
    forged = _cursor(key)
    answer = await gql(f'{{ {field}(after: "{forged}") {{ totalCount }} }}', key=ADMIN_SECRET)
    assert answer.codes == ["BAD_USER_INPUT"]
    assert answer.messages == [
        "The cursor is not one this list gave out; pass the endCursor of the page before."
    ]
