"""Reading statements: headers by id, pages of statements, lines in order, a creator's or the suspense
lines, payees and a creator's earnings (the graph is described in graph/stores/royalties/statements.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from neo4j.time import DateTime

from graph.database import Database
from graph.stores._pages import Keyed, KeysetQuery, KeyWindow, keyed_page, keyset_query
from graph.stores.royalties.records import Earnings, Payee, StatementRecord
from registry.errors import NotFound
from registry.royalties import Stream
from registry.royalties.export import party_of_creator
from registry.usage import Period

GET = "UNWIND $ids AS id MATCH (s:Statement {id: id}) RETURN s {.*} AS statement"
# Latest period first, then latest written; a statement's period and creation never change.
LIST = keyset_query(
    """
MATCH (s:Statement)
WHERE ($period IS NULL OR s.period = $period) AND ($stream IS NULL OR s.stream = $stream)
  AND ($status IS NULL OR s.status = $status) AND ($currency IS NULL OR s.currency = $currency)
  AND (NOT $latest OR NOT EXISTS { MATCH (:Statement)-[:CORRECTS]->(s) })
""",
    order="s.period DESC, s.created_at DESC, s.id DESC",
    row="s {.*}",
    kinds=(str, DateTime, str),
)
# A statement's lines in order: `n` counts them from 0 as they are written, on the (statement_id, n)
# index. Their counts are on the statement (line_count, suspense_line_count) and its PAYS (lines).
LINES = keyset_query("MATCH (l:StatementLine) WHERE l.statement_id = $id", "l.n", "l {.*}", (int,))
LINES_OF_PARTY = keyset_query(
    "MATCH (l:StatementLine) WHERE l.statement_id = $id AND l.party = $party", "l.n", "l {.*}", (int,)
)
SUSPENSE_LINES = keyset_query(
    "MATCH (l:StatementLine) WHERE l.statement_id = $id AND l.party STARTS WITH 's:'", "l.n", "l {.*}", (int,)
)
PAYEES = keyset_query(
    "MATCH (s:Statement {id: $id})-[p:PAYS]->(c:Creator)",
    order="c.id",
    row="""{creator_id: c.id, amount: p.amount, lines: p.lines, adjustment: p.adjustment,
         carried: coalesce(p.carried, 0), exact: coalesce(p.exact, toString(p.amount)),
         rounding: coalesce(p.rounding, '0'),
         exact_adjustment: coalesce(p.exact_adjustment, toString(p.adjustment))}""",
    kinds=(str,),
)
EARNINGS = """
MATCH (s:Statement)-[p:PAYS]->(:Creator {id: $creator_id})
WHERE s.period = $period AND ($stream IS NULL OR s.stream = $stream) AND s.status IN $statuses
RETURN s {.*} AS statement, p.amount AS amount, p.adjustment AS adjustment, p.lines AS lines
ORDER BY s.stream, s.created_at, s.id
"""


async def statements_by_id(db: Database, ids: list[str]) -> dict[str, StatementRecord]:
    rows = await db.run_read(GET, {"ids": ids})
    return {r["statement"]["id"]: StatementRecord.from_row(r["statement"]) for r in rows}


async def get_statement(db: Database, statement_id: str) -> StatementRecord:
    found = await statements_by_id(db, [statement_id])
    if statement_id not in found:
        raise NotFound(f"No statement has id {statement_id!r}.")
    return found[statement_id]


async def list_statements(
    db: Database,
    *,
    period: str | None,
    stream: Stream | None,
    status: str | None,
    window: KeyWindow,
    currency: str | None = None,
    latest: bool = False,
) -> tuple[int | None, list[Keyed[StatementRecord]]]:
    """A page of statements; `latest` keeps only the last of each correction chain (none corrects it)."""
    params = {
        "period": period,
        "stream": stream.value if stream else None,
        "status": status,
        "currency": currency,
        "latest": latest,
    }
    query, page = window.bind(LIST)
    rows = await db.run_read(query, params | page)
    return keyed_page(rows, StatementRecord.from_row)


async def lines(db: Database, statement_id: str, window: KeyWindow) -> list[Keyed[dict[str, Any]]]:
    return await _lines(db, LINES, {"id": statement_id}, window)


async def creator_lines(
    db: Database, statement_id: str, creator_id: str, window: KeyWindow
) -> list[Keyed[dict[str, Any]]]:
    params = {"id": statement_id, "party": party_of_creator(creator_id)}
    return await _lines(db, LINES_OF_PARTY, params, window)


async def suspense_lines(db: Database, statement_id: str, window: KeyWindow) -> list[Keyed[dict[str, Any]]]:
    return await _lines(db, SUSPENSE_LINES, {"id": statement_id}, window)


async def _lines(
    db: Database, lines: KeysetQuery, params: dict[str, Any], window: KeyWindow
) -> list[Keyed[dict[str, Any]]]:
    query, page = window.bind(lines)
    rows = await db.run_read(query, params | page | {"count": False})
    return keyed_page(rows, dict)[1]


async def payees(db: Database, statement_id: str, window: KeyWindow) -> tuple[int | None, list[Keyed[Payee]]]:
    query, page = window.bind(PAYEES)
    rows = await db.run_read(query, {"id": statement_id} | page)
    return keyed_page(rows, lambda p: Payee(**p))


async def earnings(
    db: Database, creator_id: str, period: Period, stream: Stream | None, *, include_drafts: bool
) -> list[Earnings]:
    statuses = ["FINAL", "DRAFT"] if include_drafts else ["FINAL"]
    params = {
        "creator_id": creator_id,
        "period": str(period),
        "stream": stream.value if stream else None,
        "statuses": statuses,
    }
    rows = await db.run_read(EARNINGS, params)
    return [
        Earnings(StatementRecord.from_row(r["statement"]), r["amount"], r["adjustment"], r["lines"])
        for r in rows
    ]


async def iter_lines(
    db: Database, statement_id: str, page: int = 5000
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every line in order, a page at a time (for exports: never the whole statement in memory)."""
    after = None
    while rows := await lines(db, statement_id, KeyWindow(after, page, count=False)):
        yield [row.row for row in rows]
        after = rows[-1].key


PAYEE = """
MATCH (:Statement {id: $id})-[p:PAYS]->(c:Creator {id: $creator_id})
RETURN {creator_id: c.id, amount: p.amount, lines: p.lines, adjustment: p.adjustment,
        carried: coalesce(p.carried, 0), exact: coalesce(p.exact, toString(p.amount)),
        rounding: coalesce(p.rounding, '0'),
        exact_adjustment: coalesce(p.exact_adjustment, toString(p.adjustment))} AS payee
"""


async def payee(db: Database, statement_id: str, creator_id: str) -> Payee | None:
    rows = await db.run_read(PAYEE, {"id": statement_id, "creator_id": creator_id})
    return Payee(**rows[0]["payee"]) if rows else None
