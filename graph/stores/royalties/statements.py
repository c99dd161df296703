"""Statements: a distribution of one period, stream and currency, from draft to final, and corrections.

```
(:Statement {id, stream, period, currency, status, pool, revenue, paid, suspended, ...})
(:Statement)-[:PAYS {amount, lines, adjustment}]->(:Creator)      one per creator paid
(:StatementLine {statement_id, n, party, kind, subject_id, basis, ...})   one per settled leaf
(:Statement)-[:CORRECTS]->(:Statement)                             a correction -> what it corrects
```

Lines are nodes keyed by (statement_id, n), not edges of the statement: a period of 100,000 outputs
has millions of them, and an index on (statement_id, n) pages them in order without a dense node.
`party` is `c:<creator id>` or `s:<suspense reason>`, indexed with the statement id, so a creator's
lines and the suspense lines are read without scanning the statement.

Lifecycle: RUNNING while lines are written (batch by batch, in sort order, never the period in
memory), DRAFT when complete (totals and PAYS set), FINAL when an admin finalises it; a FINAL statement
is immutable, every write refuses it with CONFLICT. A correction is a new statement for the same
period, stream and currency, recomputed from the graph as it is now, that CORRECTS the final one;
its PAYS edges carry `adjustment`, what each creator is owed on top of (or back from) the corrected
statement. One final original per (period, stream, currency); one final correction per statement.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from graph.database import Database, Tx
from graph.metrics import DISTRIBUTION_REPORTS
from graph.stores.royalties.distribution import BATCH_SIZE, settle_period
from graph.stores.royalties.records import StatementRecord
from graph.stores.royalties.statement_reads import GET
from registry.errors import Conflict, NotFound
from registry.royalties import CarriedLine, Line, Stream, SuspenseLine, SuspenseReason
from registry.royalties import Payee as RoundedPayee
from registry.royalties.export import line_row, ratio_text
from registry.royalties.period import PeriodLines
from registry.royalties.rules import AnyLeaf
from registry.usage import Period

LINE_WRITE_BATCH = 10_000
DELETE_BATCH = 10_000

# Serialises every lifecycle change of one (period, stream, currency), so two admins cannot finalise
# two originals, or two corrections of one statement, at the same moment.
LOCK = """
MERGE (k:StatementLock {key: $key})
SET k.seq = coalesce(k.seq, 0) + 1
"""
FINAL_ORIGINAL = """
MATCH (s:Statement {period: $period, stream: $stream, currency: $currency})
WHERE s.status = 'FINAL' AND s.corrects_id IS NULL AND s.id <> $id
RETURN s.id AS id LIMIT 1
"""
FINAL_CORRECTION_OF = """
MATCH (c:Statement)-[:CORRECTS]->(:Statement {id: $corrects_id})
WHERE c.status = 'FINAL' AND c.id <> $id
RETURN c.id AS id LIMIT 1
"""
BEGIN = """
MERGE (s:Statement {id: $id})
ON CREATE SET s += $props, s.status = 'RUNNING', s.created_at = datetime()
WITH s
FOREACH (_ IN CASE WHEN s.status = 'RUNNING' THEN [1] ELSE [] END | SET s.run_token = $token)
WITH s
OPTIONAL MATCH (o:Statement {id: $corrects_id})
FOREACH (_ IN CASE WHEN o IS NOT NULL AND s.corrects_id = o.id THEN [1] ELSE [] END |
  MERGE (s)-[:CORRECTS]->(o))
RETURN s {.*} AS statement
"""
DELETE_LINES = """
MATCH (l:StatementLine) WHERE l.statement_id = $id AND l.n >= 0
WITH l LIMIT $limit
DETACH DELETE l
RETURN count(*) AS deleted
"""
DELETE_PAYS = "MATCH (:Statement {id: $id})-[p:PAYS]->() DELETE p"
WRITE_LINES = """
MATCH (s:Statement {id: $id}) WHERE s.status = 'RUNNING' AND s.run_token = $token
UNWIND $lines AS line
CREATE (l:StatementLine)
SET l = line
RETURN count(*) AS written
"""
LINE_COUNT = """
MATCH (l:StatementLine) WHERE l.statement_id = $id AND l.n >= 0
RETURN count(l) AS lines, max(l.n) AS last
"""
# One PAYS per creator payee, from the statement's rounding (Python holds one row per payee, not per line).
PAYS = """
MATCH (s:Statement {id: $id})
UNWIND $payees AS p
MATCH (c:Creator {id: p.creator_id})
CREATE (s)-[:PAYS {amount: p.amount, carried: p.carried, exact: p.exact, rounding: p.rounding,
                   lines: p.lines, adjustment: p.adjustment, exact_adjustment: p.exact_adjustment}]->(c)
"""
# The statement whose carried-out lines a new period takes in: the latest final statement of an
# earlier period for the stream and currency, and of its correction chain the final head.
PREVIOUS_FINAL = """
MATCH (s:Statement {stream: $stream, currency: $currency})
WHERE s.period < $period AND s.status = 'FINAL'
  AND NOT EXISTS { MATCH (:Statement {status: 'FINAL'})-[:CORRECTS]->(s) }
RETURN s.id AS id ORDER BY s.period DESC, s.finalised_at DESC LIMIT 1
"""
CARRIED = """
MATCH (l:StatementLine) WHERE l.statement_id = $id AND l.n >= 0 AND l.kind = $kind
RETURN l.holder_id AS creator_id, l.amount AS amount, l.statement_ref AS ref,
       EXISTS { MATCH (:Creator {id: l.holder_id}) } AS present
ORDER BY l.n
"""
CORRECTED_PAYS = """
MATCH (:Statement {id: $id})-[q:PAYS]->(c:Creator)
RETURN c.id AS creator_id, q.amount AS amount, coalesce(q.exact, toString(q.amount)) AS exact
"""
COMPLETE = """
MATCH (s:Statement {id: $id}) WHERE s.status = 'RUNNING' AND s.run_token = $token
SET s += $totals, s.status = 'DRAFT', s.completed_at = datetime()
REMOVE s.run_token
RETURN s {.*} AS statement
"""
FINALISE = """
MATCH (s:Statement {id: $id}) WHERE s.status = 'DRAFT'
SET s.status = 'FINAL', s.finalised_at = datetime()
RETURN s {.*} AS statement
"""


@dataclass
class _Totals:
    """What a run accumulates as it streams: a few integers; the lines themselves are in PeriodLines."""

    revenue: int = 0
    subjects: int = 0
    minimum_payout: int = 0

    def properties(
        self, lines: list[AnyLeaf], payees: list[RoundedPayee], carried_in: int, carried_out: int
    ) -> dict[str, Any]:
        total = sum(p.amount for p in payees)
        suspense = {p.party[2:]: p.amount for p in payees if p.party.startswith("s:")}
        paid = total - sum(suspense.values()) - carried_out
        if sum(line.amount for line in lines) != total:
            raise ArithmeticError("Statement lines do not add up to the payees' amounts.")
        ordered = {r.value: suspense[r.value] for r in SuspenseReason if suspense.get(r.value)}
        return {
            "pool": total - carried_in,
            "revenue": self.revenue,
            "paid": paid,
            "suspended": sum(suspense.values()),
            "carried_in": carried_in,
            "carried_out": carried_out,
            "minimum_payout": self.minimum_payout,
            "subject_count": self.subjects,
            "line_count": len(lines),
            "suspense_line_count": sum(1 for line in lines if isinstance(line, SuspenseLine)),
            "suspense_totals": json.dumps(ordered),
        }


def _key(stream: Stream, period: Period, currency: str) -> str:
    return f"{stream.value}|{period}|{currency}"


# --- running a distribution -----------------------------------------------------------------------


async def run_distribution(
    db: Database,
    *,
    statement_id: str,
    stream: Stream,
    period: Period,
    currency: str,
    created_by: str,
    corrects_id: str | None = None,
    batch_size: int = BATCH_SIZE,
    on_page: Callable[[int, int], None] | None = None,
) -> StatementRecord:
    """Distribute the period's usage reports into a DRAFT statement; a retry with the same id is safe.

    `on_page(subjects, lines)` is told the running counts after each group of subjects is summed (progress).

    A statement already DRAFT or FINAL under the id is returned as it is; one left RUNNING (a run that
    died) is started again from its first line.
    """
    begun, token = await _begin(db, statement_id, stream, period, currency, created_by, corrects_id)
    if begun.status != "RUNNING":
        return begun
    await _clear(db, statement_id)
    totals = _Totals()
    period_lines = PeriodLines()
    carried = await _carried_in(db, stream, period, currency, corrects_id)
    for line in carried:
        period_lines.carry_in(line)
    async for batch in settle_period(db, stream, period, currency, batch_size=batch_size):
        for settled in batch:
            totals.subjects += 1
            totals.revenue += settled.revenue
            totals.minimum_payout = max(totals.minimum_payout, settled.minimum_payout)
            if settled.output is not None:
                period_lines.add_output(settled.pool, *settled.output)
            else:
                period_lines.add(settled.leaves, settled.pool)
        DISTRIBUTION_REPORTS.inc(len(batch))
        if on_page is not None:
            on_page(totals.subjects, len(period_lines))
    settled_lines, payees = period_lines.settle(_key(stream, period, currency))
    carried_out = period_lines.carry_out(payees, totals.minimum_payout, statement_id)
    stored = [*settled_lines, *carried_out]
    rows = [line_row(statement_id, n, leaf, period_lines.subjects(leaf)) for n, leaf in enumerate(stored)]
    await _write_lines(db, statement_id, token, rows)
    carried_in_total = sum(line.amount for line in carried)
    carried_out_total = sum(line.amount for line in carried_out)
    properties = totals.properties(settled_lines, payees, carried_in_total, carried_out_total)
    carried_by = {line.creator_id: line.amount for line in carried_out}
    pays = await _payee_rows(db, settled_lines, payees, carried_by, corrects_id)
    return await _complete(db, statement_id, token, properties, pays, len(rows))


async def _carried_in(
    db: Database, stream: Stream, period: Period, currency: str, corrects_id: str | None
) -> list[CarriedLine]:
    """What earlier statements carried into this one (docs/royalties.md, "Minimum payout").

    A new period takes the carried-out lines of the latest final statement of an earlier period (the
    final head of its correction chain); a correction takes what the statement it corrects took.
    A creator no longer registered gets nothing: the amount is held as suspense CREATOR_LEFT.
    """
    if corrects_id is not None:
        source, kind = corrects_id, "CARRIED_IN"
    else:
        params = {"stream": stream.value, "currency": currency, "period": str(period)}
        found = await db.run_read(PREVIOUS_FINAL, params)
        if not found:
            return []
        source, kind = found[0]["id"], "CARRIED_OUT"
    rows = await db.run_read(CARRIED, {"id": source, "kind": kind})
    return [
        CarriedLine(
            "IN",
            row["creator_id"],
            row["ref"] if kind == "CARRIED_IN" else source,
            Fraction(row["amount"]),
            row["amount"],
            left=not row["present"],
        )
        for row in rows
    ]


async def _payee_rows(
    db: Database,
    lines: list[AnyLeaf],
    payees: list[RoundedPayee],
    carried_by: dict[str, int],
    corrects_id: str | None,
) -> list[dict[str, Any]]:
    """One row per creator; for a correction, adjustments of the amount paid, exact and rounded.

    A carried creator is paid 0 and its total is in `carried`. A creator of the corrected statement
    who is paid nothing now gets a row with amount 0 and the earlier amount as a negative adjustment.
    """
    counts: dict[str, int] = {}
    for line in lines:
        if isinstance(line, Line):
            counts[line.holder_id] = counts.get(line.holder_id, 0) + 1
    before: dict[str, tuple[int, Fraction]] = {}
    if corrects_id is not None:
        for row in await db.run_read(CORRECTED_PAYS, {"id": corrects_id}):
            before[row["creator_id"]] = (row["amount"], Fraction(row["exact"]))
    rows = []
    for payee in payees:
        if not payee.party.startswith("c:"):
            continue
        creator = payee.party[2:]
        was = before.pop(creator, (0, Fraction(0)))
        carried = carried_by.get(creator, 0)
        rows.append(_pays(creator, payee, carried, counts.get(creator, 0), was))
    nothing = RoundedPayee("", Fraction(0), 0)
    rows += [_pays(creator, nothing, 0, 0, was) for creator, was in before.items()]
    return rows


def _pays(
    creator: str, payee: RoundedPayee, carried: int, lines: int, was: tuple[int, Fraction]
) -> dict[str, Any]:
    paid = payee.amount - carried
    return {
        "creator_id": creator,
        "amount": paid,
        "carried": carried,
        "exact": ratio_text(payee.exact),
        "rounding": ratio_text(payee.rounding),
        "lines": lines,
        "adjustment": paid - was[0],
        "exact_adjustment": ratio_text(payee.exact - was[1]),
    }


async def _begin(
    db: Database,
    statement_id: str,
    stream: Stream,
    period: Period,
    currency: str,
    created_by: str,
    corrects_id: str | None,
) -> tuple[StatementRecord, str]:
    token = secrets.token_hex(8)
    props = {
        "stream": stream.value,
        "period": str(period),
        "currency": currency,
        "corrects_id": corrects_id,
        "created_by": created_by,
    }

    async def work(tx: Tx) -> dict[str, Any]:
        await tx.run(LOCK, {"key": _key(stream, period, currency)})
        await _require_open(tx, statement_id, stream, period, currency, corrects_id)
        row = await tx.single(
            BEGIN, {"id": statement_id, "props": props, "token": token, "corrects_id": corrects_id}
        )
        assert row is not None
        stored: dict[str, Any] = row["statement"]
        _require_same(statement_id, stored, props)
        tx.touch(statement_id)
        return stored

    return StatementRecord.from_row(await db.write(work)), token


def _require_same(statement_id: str, stored: dict[str, Any], sent: dict[str, Any]) -> None:
    keys = ("stream", "period", "currency", "corrects_id")
    differing = [k for k in keys if stored.get(k) != sent[k]]
    if differing:
        raise Conflict(
            f"Statement {statement_id!r} already exists for another {', '.join(differing)}; "
            "a new statement needs a new id.",
            details={"id": statement_id, "fields": differing},
        )


async def _require_open(
    tx: Tx, statement_id: str, stream: Stream, period: Period, currency: str, corrects_id: str | None
) -> None:
    """A period with a final statement is changed only by correcting it, and only its latest version."""
    existing = await tx.run(GET, {"ids": [statement_id]})
    if existing and existing[0]["statement"]["status"] != "RUNNING":
        return  # an idempotent retry of a finished run: nothing is started
    if corrects_id is None:
        final = await tx.single(
            FINAL_ORIGINAL,
            {"id": statement_id, "period": str(period), "stream": stream.value, "currency": currency},
        )
        if final is not None:
            raise Conflict(
                f"Statement {final['id']} is final for {stream.value} {period} {currency}; "
                "correct it (correctStatement) instead of running the period again.",
                details={"final": final["id"]},
            )
        return
    await _require_correctable(tx, statement_id, corrects_id)


async def _require_correctable(tx: Tx, statement_id: str, corrects_id: str) -> None:
    rows = await tx.run(GET, {"ids": [corrects_id]})
    if not rows:
        raise NotFound(f"No statement has id {corrects_id!r}.")
    if rows[0]["statement"]["status"] != "FINAL":
        raise Conflict(
            f"Statement {corrects_id} is not final: re-run or finalise it instead of correcting it."
        )
    later = await tx.single(FINAL_CORRECTION_OF, {"id": statement_id, "corrects_id": corrects_id})
    if later is not None:
        raise Conflict(
            f"Statement {corrects_id} is already corrected by {later['id']}; correct {later['id']} instead.",
            details={"latest": later["id"]},
        )


async def _clear(db: Database, statement_id: str) -> None:
    """Remove what a dead run left, in bounded transactions."""
    while True:
        rows = await db.run_write(DELETE_LINES, {"id": statement_id, "limit": DELETE_BATCH})
        if rows[0]["deleted"] == 0:
            break
    await db.run_write(DELETE_PAYS, {"id": statement_id})


async def _write_lines(db: Database, statement_id: str, token: str, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), LINE_WRITE_BATCH):
        chunk = rows[start : start + LINE_WRITE_BATCH]

        async def work(tx: Tx, chunk: list[dict[str, Any]] = chunk) -> None:
            written = await tx.run(WRITE_LINES, {"id": statement_id, "token": token, "lines": chunk})
            if not written or written[0]["written"] != len(chunk):
                raise Conflict(
                    f"Statement {statement_id} is no longer being run by this request (finished, "
                    "finalised, or restarted by another); nothing more was written."
                )
            tx.touch(statement_id)

        await db.write(work)


async def _complete(
    db: Database,
    statement_id: str,
    token: str,
    properties: dict[str, Any],
    pays: list[dict[str, Any]],
    line_count: int,
) -> StatementRecord:
    async def work(tx: Tx) -> dict[str, Any]:
        await _require_lines(tx, statement_id, line_count)
        await tx.run(DELETE_PAYS, {"id": statement_id})
        for start in range(0, len(pays), LINE_WRITE_BATCH):
            await tx.run(PAYS, {"id": statement_id, "payees": pays[start : start + LINE_WRITE_BATCH]})
        row = await tx.single(COMPLETE, {"id": statement_id, "token": token, "totals": properties})
        if row is None:
            raise Conflict(f"Statement {statement_id} was restarted by another run; this one stops.")
        tx.touch(statement_id)
        stored: dict[str, Any] = row["statement"]
        return stored

    return StatementRecord.from_row(await db.write(work))


async def _require_lines(tx: Tx, statement_id: str, expected: int) -> None:
    """Lines are CREATEd (MERGE costs an index lookup per line); this check catches the rare batch a
    driver retry wrote twice, before the statement can become a draft."""
    row = await tx.single(LINE_COUNT, {"id": statement_id})
    found = (row or {}).get("lines", 0)
    last = (row or {}).get("last")
    if found != expected or (expected and last != expected - 1):
        raise Conflict(
            f"Statement {statement_id} has {found} lines stored where {expected} were written; "
            "run the distribution again with the same id to rewrite it."
        )


# --- lifecycle ------------------------------------------------------------------------------------


async def finalise(db: Database, statement_id: str) -> StatementRecord:
    """DRAFT -> FINAL; finalising a FINAL statement again returns it unchanged (an idempotent retry)."""

    async def work(tx: Tx) -> dict[str, Any]:
        current = await _get(tx, statement_id)
        if current["status"] == "FINAL":
            return current
        if current["status"] != "DRAFT":
            raise Conflict(f"Statement {statement_id} is still running; finalise it when it is a draft.")
        stream, period = Stream(current["stream"]), Period.parse(current["period"])
        await tx.run(LOCK, {"key": _key(stream, period, current["currency"])})
        await _require_single_final(tx, current)
        row = await tx.single(FINALISE, {"id": statement_id})
        assert row is not None
        tx.touch(statement_id)
        stored: dict[str, Any] = row["statement"]
        return stored

    return StatementRecord.from_row(await db.write(work))


async def _require_single_final(tx: Tx, current: dict[str, Any]) -> None:
    if current.get("corrects_id"):
        await _require_correctable(tx, current["id"], current["corrects_id"])
        return
    params = {"id": current["id"], "period": current["period"], "stream": current["stream"]}
    final = await tx.single(FINAL_ORIGINAL, params | {"currency": current["currency"]})
    if final is not None:
        raise Conflict(
            f"Statement {final['id']} is already final for this period, stream and currency; "
            f"correct it instead of finalising {current['id']}.",
            details={"final": final["id"]},
        )


async def _get(tx: Tx, statement_id: str) -> dict[str, Any]:
    rows = await tx.run(GET, {"ids": [statement_id]})
    if not rows:
        raise NotFound(f"No statement has id {statement_id!r}.")
    found: dict[str, Any] = rows[0]["statement"]
    return found


async def correct(
    db: Database, statement_id: str, *, new_id: str, created_by: str, batch_size: int = BATCH_SIZE
) -> StatementRecord:
    """A new DRAFT statement for the same period, stream and currency, recomputed now, that CORRECTS it."""
    original = StatementRecord.from_row(await db.read(lambda tx: _get(tx, statement_id)))
    return await run_distribution(
        db,
        statement_id=new_id,
        stream=original.stream,
        period=Period.parse(original.period),
        currency=original.currency,
        created_by=created_by,
        corrects_id=statement_id,
        batch_size=batch_size,
    )
