"""Royalties end to end on the real Neo4j, through GraphQL: each stream with amounts worked by hand.

The scenario (tests/integration/royalties_graph.py writes it as docs/graph-model.md says):
creators A and B opted in, D declined, N gave no consent; W1 = A 100 %, W2 = A 50 % + B 50 %,
W3 = D, W4 = N. Model M1 was trained (run-M1) on W1 and W2 with weight 1 each. Licence: service rate
0.15, output rate 0.10, confidence threshold 0.5, training split equally.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from graph.database import Database, QueryCounter
from graph.stores.catalogue.basis import CatalogueCache, catalogue_totals
from graph.stores.royalties.distribution import who_gets_paid
from registry.shares import Right
from tests.integration.royalties_graph import Builder
from tests.support import ADMIN_SECRET, GraphQLClient, GraphQLResult

pytestmark = pytest.mark.integration

REPORT = """mutation($i: ReportUsageInput!) {
  reportUsage(input: $i) { id amount currency corrections subjectId }
}"""
RUN = """mutation($i: RunDistributionInput!) {
  runDistribution(input: $i) {
    id status revenue pool paid suspended lineCount subjectCount correctsId
    suspenseTotals { reason amount }
  }
}"""
PAYEES = """query($id: ID!) {
  statement(id: $id) {
    status payees(first: 100) { totalCount edges { node { creatorId amount adjustment } } }
  }
}"""
EXPORT = "query($id: ID!, $f: ExportFormat!) { statementExport(id: $id, format: $f) }"
WHO = """query($o: ID!, $a: Money!) {
  whoGetsPaid(outputId: $o, amount: $a, currency: "EUR") {
    amount paid suspended
    lines { creatorId workId role shareBp basis influenceScore amount explanation path { label ref } }
    suspense { reason workRef amount explanation }
  }
}"""
OTHER_LICENSEE = "MERGE (l:Licensee {id: 'lic-2'}) SET l.name = 'Other AI', l.created_at = datetime()"
FINALISE = "mutation($id: ID!) { finaliseStatement(id: $id) { id status finalisedAt } }"
CORRECT = "mutation($id: ID!, $n: ID) { correctStatement(id: $id, newId: $n) { id status correctsId pool } }"
EARNINGS = """query($p: String!, $c: ID) {
  myEarnings(period: $p, creatorId: $c) {
    amount adjustment lineCount statement { id stream status }
    lines(first: 50) { totalCount edges { node { creatorId amount workId } } }
  }
}"""


async def scenario(db: Database) -> Builder:
    b = Builder(db)
    await b.licence()
    await b.creators({"A": "OPT_IN", "B": "OPT_IN", "D": "DECLINE", "N": None})
    await b.work("W1", {"A": 10000})
    await b.work("W2", {"A": 5000, "B": 5000})
    await b.work("W3", {"D": 10000})
    await b.work("W4", {"N": 10000})
    await b.model("M1", {"W1": "1", "W2": "1"})
    await b.outputs("M1", ["O1", "O2", "O3"])
    unmatched = {'{"iswc": "T0000000019"}': "0.05"}
    await b.report(
        "R1", "O1", {"W1": "0.5", "W2": "0.25", "W3": "0.1"}, confidence="0.9", unmatched=unmatched
    )
    await b.report("R2", "O2", {"W1": "0.9"}, confidence="0.3")  # below the 0.5 threshold
    await b.report("R3", "O3", {"W4": "1"}, confidence="0.9")
    return b


async def report(
    gql: GraphQLClient, key: str, stream: str, subject: str, amount: str, **extra: Any
) -> dict[str, Any]:
    i = {"stream": stream, "period": "2026-10", "subjectId": subject, "amount": amount, "currency": "EUR"}
    result = await gql(REPORT, {"i": i | extra}, key=key)
    data: dict[str, Any] = result.data["reportUsage"]
    # The report is stored as sent (callers often go on without looking at it).
    assert (data["subjectId"], data["currency"], Decimal(data["amount"])) == (subject, "EUR", Decimal(amount))
    return data


async def run(gql: GraphQLClient, stream: str, statement_id: str) -> dict[str, Any]:
    i = {"period": "2026-10", "stream": stream, "currency": "EUR", "id": statement_id}
    data: dict[str, Any] = (await gql(RUN, {"i": i}, key=ADMIN_SECRET)).data["runDistribution"]
    assert data["id"] == statement_id
    return data


async def payees(gql: GraphQLClient, statement_id: str) -> dict[str, str]:
    data = (await gql(PAYEES, {"id": statement_id}, key=ADMIN_SECRET)).data["statement"]["payees"]
    return {e["node"]["creatorId"]: e["node"]["amount"] for e in data["edges"]}


async def exported(gql: GraphQLClient, statement_id: str) -> list[dict[str, str]]:
    text = (await gql(EXPORT, {"id": statement_id, "f": "CSV"}, key=ADMIN_SECRET)).data["statementExport"]
    return list(csv.DictReader(io.StringIO(text)))


def tie_winner(salt: str, parties: list[str]) -> str:
    """Independently of registry.money: the smallest SHA-256 of salt, NUL, party wins a tie."""
    return min(parties, key=lambda party: hashlib.sha256(f"{salt}\x00{party}".encode()).digest())


def cents(amount: str) -> int:
    whole, _, part = amount.partition(".")
    return int(whole) * 100 + int(part or 0)


def suspense(statement: dict[str, Any]) -> dict[str, str]:
    return {s["reason"]: s["amount"] for s in statement["suspenseTotals"]}


async def test_output_use_end_to_end(db: Database, gql: GraphQLClient) -> None:
    await scenario(db)
    licensee = await gql.key_for("LICENSEE", "lic-1")
    for output, amount in (("O1", "1000.00"), ("O2", "500.00"), ("O3", "10.00")):
        await report(gql, licensee, "OUTPUT_USE", output, amount)
    statement = await run(gql, "OUTPUT_USE", "st-out")
    # Pools at the 0.10 output rate: 100.00 + 50.00 + 1.00.
    assert (statement["revenue"], statement["pool"], statement["status"]) == ("1510.00", "151.00", "DRAFT")
    # O1: A 50.00 (W1 0.5) + 12.50 (W2 0.25, half) + remainder 0.1 over the lineage: 5.00 + 2.50;
    # O2: report below threshold, analogy fallback: W1 25.00 -> A, W2 25.00 -> A 12.50, B 12.50.
    assert await payees(gql, "st-out") == {"A": "107.50", "B": "27.50"}
    assert suspense(statement) == {"NO_CONSENT": "1.00", "DECLINED": "10.00", "UNMATCHED_REFERENCE": "5.00"}
    assert (statement["paid"], statement["suspended"]) == ("135.00", "16.00")
    lines = await exported(gql, "st-out")
    assert len(lines) == statement["lineCount"]
    assert sum(cents(line["amount"]) for line in lines) == cents(statement["pool"])
    # Lines are summed over the period per rule, work, creator and role; each keeps its exact sum.
    assert sum(Fraction(line["exact"]) for line in lines) == cents(statement["pool"])
    fallback = [line for line in lines if line["basis"] == "ANALOGY_FALLBACK"]
    assert {(line["creator_id"], line["work_id"], line["subjects"]) for line in fallback} == {
        ("A", "W1", "1"),
        ("A", "W2", "1"),
        ("B", "W2", "1"),
    }


async def test_service_use_includes_fine_tune_lineage(db: Database, gql: GraphQLClient) -> None:
    b = await scenario(db)
    await b.model("M2", {"W1": "2"}, base="M1")
    licensee = await gql.key_for("LICENSEE", "lic-1")
    await report(gql, licensee, "SERVICE_USE", "M1", "2000.00")
    await report(gql, licensee, "SERVICE_USE", "M2", "100.00")
    statement = await run(gql, "SERVICE_USE", "st-svc")
    # M1: pool 300.00 over W1, W2 equally: A 150.00 + 75.00, B 75.00.
    # M2: pool 15.00 over its lineage W1 (1 + 2 = 3) and W2 (1): W1 11.25 -> A; W2 3.75 -> A 1.875,
    # B 1.875. Exact totals A 238.125, B 76.875: rounded once per payee, the odd cent goes to the payee
    # the statement's hash tie-break picks.
    assert statement["pool"] == "315.00"
    a_wins = tie_winner("SERVICE_USE|2026-10|EUR", ["c:A", "c:B"]) == "c:A"
    assert await payees(gql, "st-svc") == {
        "A": "238.13" if a_wins else "238.12",
        "B": "76.87" if a_wins else "76.88",
    }
    assert statement["suspended"] == "0.00"
    # The outside script of docs/royalties.md reproduces the payees from the CSV export alone.
    reproduce = _documented_script()
    assert reproduce(await exported(gql, "st-svc"), "SERVICE_USE|2026-10|EUR") == {
        f"c:{creator}": cents(amount) for creator, amount in (await payees(gql, "st-svc")).items()
    }


def _documented_script() -> Callable[[list[dict[str, str]], str], dict[str, int]]:
    """The `payees` function of the Python block in docs/royalties.md, executed as written."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "royalties.md").read_text()
    block = text.split("A script that reproduces", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    # The repository's own documentation, run as written: that is the point of the test.
    exec(compile(block, "docs/royalties.md", "exec"), namespace)  # noqa: S102
    found: Callable[[list[dict[str, str]], str], dict[str, int]] = namespace["payees"]
    return found


async def test_training_fee_with_a_declined_work_in_suspense(db: Database, gql: GraphQLClient) -> None:
    b = await scenario(db)
    await b.model("M3", {"W1": "1", "W3": "5"}, name="m3")
    licensee = await gql.key_for("LICENSEE", "lic-1")
    await report(gql, licensee, "TRAINING", "M1", "12000.00")
    await report(gql, licensee, "TRAINING", "M3", "100.00")
    statement = await run(gql, "TRAINING", "st-train")
    # Equal split (weights ignored): M1 6000.00 per work, W2 by mechanical shares; M3 50.00 each.
    assert statement["pool"] == "12100.00"
    assert await payees(gql, "st-train") == {"A": "9050.00", "B": "3000.00"}
    assert suspense(statement) == {"DECLINED": "50.00"}


async def test_who_gets_paid_sums_to_the_amount_with_paths(db: Database, gql: GraphQLClient) -> None:
    await scenario(db)
    result = (await gql(WHO, {"o": "O1", "a": "100.01"}, key=ADMIN_SECRET)).data["whoGetsPaid"]
    total = sum(cents(line["amount"]) for line in result["lines"] + result["suspense"])
    assert total == cents(result["amount"]) == 10001
    assert all(line["path"][0] == {"label": "Output", "ref": "O1"} for line in result["lines"])
    assert all(line["path"][-1]["label"] == "Creator" for line in result["lines"])
    reasons = {s["reason"] for s in result["suspense"]}
    assert reasons == {"DECLINED", "UNMATCHED_REFERENCE"}
    w1 = next(line for line in result["lines"] if line["workId"] == "W1" and line["basis"] == "ATTRIBUTION")
    assert (w1["creatorId"], w1["influenceScore"], w1["shareBp"]) == ("A", "1/2", 10000)


WHO_EXPLAINED = """query($o: ID!, $a: Money!) {
  whoGetsPaid(outputId: $o, amount: $a, currency: "EUR") {
    amount paid suspended
    lines { creatorId workId role shareBp basis influenceScore exact amount explanation path { label } }
    suspense { reason workRef exact amount message }
    payees { creatorId reason exact amount }
  }
}"""
WHO_BARE = """query($o: ID!, $a: Money!) {
  whoGetsPaid(outputId: $o, amount: $a, currency: "EUR") {
    amount paid suspended
    lines { creatorId workId role shareBp basis influenceScore exact amount }
    suspense { reason workRef exact amount }
    payees { creatorId reason exact amount }
  }
}"""


async def test_who_gets_paid_pays_the_same_without_its_explanations(db: Database, gql: GraphQLClient) -> None:
    # A query that selects no path, explanation or message is answered without building them (they
    # cost more than the arithmetic); every amount, exact ratio and payee stays the same.
    await scenario(db)
    variables = {"o": "O1", "a": "100.01"}
    full = (await gql(WHO_EXPLAINED, variables, key=ADMIN_SECRET)).data["whoGetsPaid"]
    bare = (await gql(WHO_BARE, variables, key=ADMIN_SECRET)).data["whoGetsPaid"]
    assert all(line.pop("explanation") and line.pop("path") for line in full["lines"])
    assert all(entry.pop("message") for entry in full["suspense"])
    assert bare == full and len(bare["lines"]) >= 3 and bare["suspense"]
    unexplained = await who_gets_paid(db, "O1", 10001, "EUR", explain=False)
    assert all(line.path == () for line in unexplained.lines)
    assert all(entry.path == () for entry in unexplained.suspense)


async def test_who_gets_paid_access(db: Database, gql: GraphQLClient) -> None:
    await scenario(db)
    own = await gql.key_for("LICENSEE", "lic-1")
    await db.run_write(OTHER_LICENSEE)
    other = await gql.key_for("LICENSEE", "lic-2")
    auditor = await gql.key_for("AUDITOR")
    assert (await gql(WHO, {"o": "O1", "a": "1.00"}, key=own)).data["whoGetsPaid"]["amount"] == "1.00"
    assert (await gql(WHO, {"o": "O1", "a": "1.00"}, key=other)).codes == ["NOT_FOUND"]
    assert (await gql(WHO, {"o": "nope", "a": "1.00"}, key=other)).codes == ["NOT_FOUND"]
    assert (await gql(WHO, {"o": "O1", "a": "1.00"}, key=auditor)).codes == ["FORBIDDEN"]
    assert (await gql(WHO, {"o": "O1", "a": "1.001"}, key=own)).codes == ["BAD_USER_INPUT"]


async def _who_queries(gql: GraphQLClient, db: Database, n: int) -> int:
    b = Builder(db)
    await b.licence()
    await b.creators({f"C{i}": "OPT_IN" for i in range(n)})
    for i in range(n):
        await b.work(f"X{i}", {f"C{i}": 10000})
    await b.model(f"MX{n}", {"X0": "1"})
    await b.outputs(f"MX{n}", [f"OX{n}"])
    await b.report(f"RX{n}", f"OX{n}", {f"X{i}": "0.01" for i in range(n)}, confidence="0.9")
    async with QueryCounter.counting() as queries:
        result = await gql(WHO, {"o": f"OX{n}", "a": "10.00"}, key=ADMIN_SECRET)
    assert len(result.data["whoGetsPaid"]["lines"]) == n + 1  # n influences + the remainder on X0
    return queries[0]


async def test_who_gets_paid_is_not_n_plus_one(db: Database, gql: GraphQLClient) -> None:
    assert await _who_queries(gql, db, 5) == await _who_queries(gql, db, 40)


async def test_statement_lifecycle_final_is_immutable_and_corrections_refer(
    db: Database, gql: GraphQLClient
) -> None:
    await scenario(db)
    licensee = await gql.key_for("LICENSEE", "lic-1")
    await report(gql, licensee, "OUTPUT_USE", "O1", "1000.00")
    await run(gql, "OUTPUT_USE", "st-1")
    assert (await gql(FINALISE, {"id": "st-1"}, key=ADMIN_SECRET)).data["finaliseStatement"][
        "status"
    ] == "FINAL"
    # A retry of finalise is harmless; running the period again is refused: correct it instead.
    assert (await gql(FINALISE, {"id": "st-1"}, key=ADMIN_SECRET)).data["finaliseStatement"][
        "status"
    ] == "FINAL"
    again = await gql(
        RUN, {"i": {"period": "2026-10", "stream": "OUTPUT_USE", "currency": "EUR"}}, key=ADMIN_SECRET
    )
    assert again.codes == ["CONFLICT"]
    # Re-running under the final statement's id changes nothing.
    assert (await run(gql, "OUTPUT_USE", "st-1"))["status"] == "FINAL"
    before = await exported(gql, "st-1")
    # The licensee corrects its report; the correction restates the period and carries adjustments.
    corrected = await report(gql, licensee, "OUTPUT_USE", "O1", "1200.00", correction=True)
    assert corrected["corrections"] == 1
    correction = (await gql(CORRECT, {"id": "st-1", "n": "st-2"}, key=ADMIN_SECRET)).data["correctStatement"]
    assert (correction["correctsId"], correction["status"], correction["pool"]) == ("st-1", "DRAFT", "120.00")
    adjustments = (await gql(PAYEES, {"id": "st-2"}, key=ADMIN_SECRET)).data["statement"]["payees"]["edges"]
    assert {e["node"]["creatorId"]: e["node"]["adjustment"] for e in adjustments} == {
        "A": "14.00",
        "B": "3.00",
    }
    assert await exported(gql, "st-1") == before
    assert (await gql(FINALISE, {"id": "st-2"}, key=ADMIN_SECRET)).data["finaliseStatement"][
        "status"
    ] == "FINAL"
    # st-1 is corrected by a final statement: only the latest may be corrected.
    assert (await gql(CORRECT, {"id": "st-1"}, key=ADMIN_SECRET)).codes == ["CONFLICT"]
    linked = await db.run_read("MATCH (:Statement {id: 'st-2'})-[:CORRECTS]->(s:Statement) RETURN s.id AS id")
    assert linked == [{"id": "st-1"}]
    # The latest of the chain, and one currency's statements, without reading the chain by hand.
    listed = (
        "query($l: Boolean!, $c: String) { statements(latestOnly: $l, currency: $c) "
        "{ edges { node { id } } } }"
    )

    def ids(result: GraphQLResult) -> list[str]:
        return [e["node"]["id"] for e in result.data["statements"]["edges"]]

    assert ids(await gql(listed, {"l": True}, key=ADMIN_SECRET)) == ["st-2"]
    assert sorted(ids(await gql(listed, {"l": False, "c": "eur"}, key=ADMIN_SECRET))) == ["st-1", "st-2"]
    assert ids(await gql(listed, {"l": False, "c": "USD"}, key=ADMIN_SECRET)) == []


async def test_creators_see_only_their_own_final_earnings(db: Database, gql: GraphQLClient) -> None:
    await scenario(db)
    licensee = await gql.key_for("LICENSEE", "lic-1")
    await report(gql, licensee, "OUTPUT_USE", "O1", "1000.00")
    await run(gql, "OUTPUT_USE", "st-e")
    creator_b = await gql.key_for("CREATOR", "B")
    assert (await gql(EARNINGS, {"p": "2026-10"}, key=creator_b)).data["myEarnings"] == []  # a draft
    assert (await gql(FINALISE, {"id": "st-e"}, key=ADMIN_SECRET)).data["finaliseStatement"][
        "status"
    ] == "FINAL"
    mine = (await gql(EARNINGS, {"p": "2026-10"}, key=creator_b)).data["myEarnings"]
    assert [(e["amount"], e["statement"]["id"]) for e in mine] == [("15.00", "st-e")]
    assert {edge["node"]["creatorId"] for edge in mine[0]["lines"]["edges"]} == {"B"}
    assert mine[0]["lines"]["totalCount"] == mine[0]["lineCount"] == 2
    assert (await gql(EARNINGS, {"p": "2026-10", "c": "A"}, key=creator_b)).codes == ["NOT_FOUND"]
    auditor = await gql.key_for("AUDITOR")
    assert (await gql(PAYEES, {"id": "st-e"}, key=auditor)).codes == ["FORBIDDEN"]


async def test_usage_report_retries_are_idempotent(db: Database, gql: GraphQLClient) -> None:
    await scenario(db)
    licensee = await gql.key_for("LICENSEE", "lic-1")
    first = await report(gql, licensee, "OUTPUT_USE", "O1", "10.00")
    assert await report(gql, licensee, "OUTPUT_USE", "O1", "10.0") == first
    other = await gql(REPORT, {"i": _usage("O1", "11.00")}, key=licensee)
    assert other.codes == ["CONFLICT"]
    count = await db.run_read("MATCH (u:UsageReport) RETURN count(u) AS n")
    assert count == [{"n": 1}]
    await db.run_write(OTHER_LICENSEE)
    stranger = await gql.key_for("LICENSEE", "lic-2")
    assert (await gql(REPORT, {"i": _usage("O1", "10.00")}, key=stranger)).codes == ["NOT_FOUND"]
    assert (await gql(REPORT, {"i": _usage("O1", "-1.00")}, key=licensee)).codes == ["BAD_USER_INPUT"]


def _usage(subject: str, amount: str) -> dict[str, str]:
    return {
        "stream": "OUTPUT_USE",
        "period": "2026-10",
        "subjectId": subject,
        "amount": amount,
        "currency": "EUR",
    }


UPLOAD = """mutation($p: String!, $f: Upload!) {
  uploadOutputUsageCsv(period: $p, file: $f) {
    lines created unchanged stored problems { line column reason }
  }
}"""


async def upload(gql: GraphQLClient, key: str, text: str) -> dict[str, Any]:
    operations = json.dumps({"query": UPLOAD, "variables": {"p": "2026-10", "f": None}})
    response = await gql.http.post(
        "/graphql",
        data={"operations": operations, "map": json.dumps({"0": ["variables.f"]})},
        files={"0": ("usage.csv", text.encode(), "text/csv")},
        headers={"Authorization": f"Bearer {key}"},
    )
    body = response.json()
    assert not body.get("errors"), body
    data: dict[str, Any] = body["data"]["uploadOutputUsageCsv"]
    return data


async def test_csv_upload_reports_each_bad_line_and_stores_nothing(db: Database, gql: GraphQLClient) -> None:
    await scenario(db)
    licensee = await gql.key_for("LICENSEE", "lic-1")
    bad = "output_id,amount,currency\nO1,10.00,EUR\nO9,1.00,EUR\nO2,1.001,EUR\nO1,2.00,EUR\nO3,5,XYZ\n"
    result = await upload(gql, licensee, bad)
    assert result["stored"] is False and result["created"] == 0
    problems = [(p["line"], p["column"]) for p in result["problems"]]
    assert problems == [(3, "output_id"), (4, "amount"), (5, "output_id"), (6, "currency")]
    assert await db.run_read("MATCH (u:UsageReport) RETURN count(u) AS n") == [{"n": 0}]
    good = "amount,output_id,currency\n10.00,O1,EUR\n2.50,O2,EUR\n"
    assert (await upload(gql, licensee, good))["created"] == 2
    again = await upload(gql, licensee, good)
    assert (again["created"], again["unchanged"], again["stored"]) == (0, 2, True)
    header = await upload(gql, licensee, "output,amount\nO1,1\n")
    assert {p["column"] for p in header["problems"]} == {"output", "output_id", "currency"}


CARRY_PAYEES = """query($id: ID!) {
  statement(id: $id) {
    pool paid suspended carriedIn carriedOut suspenseTotals { reason amount }
    payees(first: 50) {
      edges { node { creatorId amount carried exact rounding adjustment exactAdjustment } }
    }
  }
}"""


async def _run_period(gql: GraphQLClient, period: str, statement_id: str) -> None:
    i = {"period": period, "stream": "OUTPUT_USE", "currency": "EUR", "id": statement_id}
    assert (await gql(RUN, {"i": i}, key=ADMIN_SECRET)).data["runDistribution"]["status"] == "DRAFT"


async def _carry_view(gql: GraphQLClient, statement_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    data = (await gql(CARRY_PAYEES, {"id": statement_id}, key=ADMIN_SECRET)).data["statement"]
    by_creator = {e["node"]["creatorId"]: e["node"] for e in data.pop("payees")["edges"]}
    return data, by_creator


async def test_minimum_payout_carries_to_the_next_period_and_through_a_correction(
    db: Database, gql: GraphQLClient
) -> None:
    b = Builder(db)
    b.terms["minimum_payout"] = 200  # 2.00 EUR
    await b.licence()
    await b.creators({"A": "OPT_IN", "B": "OPT_IN", "D": "DECLINE"})
    await b.work("W1", {"A": 10000})
    await b.work("W2", {"A": 5000, "B": 5000})
    await b.work("W3", {"D": 10000})
    await b.model("M1", {"W1": "1", "W2": "1"})
    await b.outputs("M1", ["O1", "O2"])
    await b.report("R1", "O1", {"W1": "0.5", "W2": "0.3", "W3": "0.1"}, confidence="0.9")
    licensee = await gql.key_for("LICENSEE", "lic-1")
    october = {"period": "2026-10", "stream": "OUTPUT_USE", "subjectId": "O1", "currency": "EUR"}
    assert (await gql(REPORT, {"i": october | {"amount": "100.00"}}, key=licensee)).data["reportUsage"][
        "amount"
    ] == "100.00"
    # October, pool 10.00 (in cents): W1 500 -> A; W2 300 -> A 150, B 150; W3 100 DECLINED; the 0.1
    # remainder over W1 and W2: A 50 + 25, B 25. A 725 is paid; B 175 is below the 200 minimum: carried.
    await _run_period(gql, "2026-10", "st-oct")
    oct_totals, oct_payees = await _carry_view(gql, "st-oct")
    assert (oct_payees["B"]["amount"], oct_payees["B"]["carried"], oct_payees["B"]["exact"]) == (
        "0.00",
        "1.75",
        "175",
    )
    assert (oct_payees["A"]["amount"], oct_payees["A"]["carried"]) == ("7.25", "0.00")
    assert (oct_totals["carriedOut"], oct_totals["carriedIn"]) == ("1.75", "0.00")
    assert cents(oct_totals["paid"]) + cents(oct_totals["suspended"]) + 175 == cents(oct_totals["pool"])
    assert (await gql(FINALISE, {"id": "st-oct"}, key=ADMIN_SECRET)).data["finaliseStatement"][
        "status"
    ] == "FINAL"
    # November: O2 has no counting report (fallback over W1, W2 equally), pool 10.00: B earns 2.50,
    # plus the 1.75 carried from October, visibly, crosses the minimum and is paid.
    november = {"period": "2026-11", "stream": "OUTPUT_USE", "subjectId": "O2", "currency": "EUR"}
    assert (await gql(REPORT, {"i": november | {"amount": "100.00"}}, key=licensee)).data["reportUsage"][
        "amount"
    ] == "100.00"
    await _run_period(gql, "2026-11", "st-nov")
    nov_totals, nov_payees = await _carry_view(gql, "st-nov")
    assert (nov_payees["B"]["amount"], nov_payees["B"]["carried"]) == ("4.25", "0.00")
    assert (nov_totals["carriedIn"], nov_totals["pool"], nov_totals["paid"]) == ("1.75", "10.00", "11.75")
    carried = [line for line in await exported(gql, "st-nov") if line["kind"] == "CARRIED_IN"]
    assert [(c["creator_id"], c["amount"], c["statement_ref"]) for c in carried] == [("B", "1.75", "st-oct")]
    assert (await gql(FINALISE, {"id": "st-nov"}, key=ADMIN_SECRET)).data["finaliseStatement"][
        "status"
    ] == "FINAL"
    # B leaves before November is corrected: what October carried for B is held, not lost or given away.
    await db.run_write("MATCH (c:Creator {id: 'B'}) DETACH DELETE c")
    corrected = await gql(REPORT, {"i": november | {"amount": "110.00", "correction": True}}, key=licensee)
    assert corrected.data["reportUsage"]["corrections"] == 1
    correction = await gql(CORRECT, {"id": "st-nov", "n": "st-nov-2"}, key=ADMIN_SECRET)
    assert correction.data["correctStatement"]["correctsId"] == "st-nov"
    fix_totals, fix_payees = await _carry_view(gql, "st-nov-2")
    assert suspense(fix_totals) == {"CREATOR_LEFT": "1.75"}
    # A now holds all of W2: 11.00 against 7.50; the adjustment is the exact difference.
    assert (fix_payees["A"]["amount"], fix_payees["A"]["adjustment"]) == ("11.00", "3.50")
    assert fix_payees["A"]["exactAdjustment"] == "350"
    assert cents(fix_totals["paid"]) + cents(fix_totals["suspended"]) == cents(fix_totals["pool"]) + 175


async def test_catalogue_training_basis_spreads_the_fee_over_the_licensed_catalogue(
    db: Database, gql: GraphQLClient
) -> None:
    b = Builder(db)
    b.terms["training_basis"] = "CATALOGUE"
    await b.licence()
    await b.creators({"A": "OPT_IN", "B": "OPT_IN", "D": "DECLINE", "N": None})
    await b.work("W1", {"A": 10000})
    await b.work("W2", {"A": 5000, "B": 5000})
    await b.work("W3", {"D": 10000})
    await b.work("W4", {"N": 10000})
    await b.model("M1", {"W1": "1"})  # used one work; the licence pays the whole licensed catalogue
    licensee = await gql.key_for("LICENSEE", "lic-1")
    await report(gql, licensee, "TRAINING", "M1", "12000.00")
    statement = await run(gql, "TRAINING", "st-cat")
    # Licensed when the grant was made: W1 and W2 (W3 declined, W4 without consent): 6000.00 each.
    assert await payees(gql, "st-cat") == {"A": "9000.00", "B": "3000.00"}
    assert statement["suspended"] == "0.00"
    # The aggregation pages through the catalogue; one work per page sums to the same integers.
    at = datetime(2024, 1, 1, tzinfo=UTC)
    whole = await catalogue_totals(db, at, Right.MECHANICAL, CatalogueCache())
    assert whole == await catalogue_totals(db, at, Right.MECHANICAL, CatalogueCache(), page=1)
    assert (whole.licensable, whole.unshared) == (2, 0)


# The shape graph.stores.catalogue.writes stores for a CWR chain: P, original publisher, publishes for B.
CHAIN_ON_W2 = """
MATCH (w:Work {id: 'W2'}), (b:Creator {id: 'B'})
MERGE (p:Creator {id: 'P'}) ON CREATE SET p.name = 'P', p.created_at = datetime()
CREATE (w)-[:HAS_CHAIN]->(pc:PublisherChain {number: 1})
CREATE (p)-[:IN_CHAIN {position: 1, role_code: 'E', tis_codes: [2136], included: [true],
                       performing_bp: [5000], mechanical_bp: [10000], synchronisation_bp: [10000]}]->(pc)
CREATE (pc)-[:PUBLISHES_FOR]->(b)
"""
WHO_CHAIN = """query($o: ID!, $a: Money!) {
  whoGetsPaid(outputId: $o, amount: $a, currency: "EUR") {
    lines { creatorId workId basis collectedFor chain chainPublisherId amount }
  }
}"""


async def test_a_publisher_chain_collects_its_writer_s_share_and_the_statement_says_so(
    db: Database, gql: GraphQLClient
) -> None:
    await scenario(db)
    await db.run_write(CHAIN_ON_W2)
    # Without the licence's rule B is paid; the chain is evidence on B's lines.
    lines = (await gql(WHO_CHAIN, {"o": "O1", "a": "100.00"}, key=ADMIN_SECRET)).data["whoGetsPaid"]["lines"]
    assert {
        (x["creatorId"], x["collectedFor"], x["chain"], x["chainPublisherId"])
        for x in lines
        if x["workId"] == "W2"
    } == {
        ("A", None, None, None),
        ("B", None, 1, "P"),
    }
    await db.run_write("MATCH (v:LicenceVersion {id: 'cal-1'}) SET v.publisher_collects = true")
    licensee = await gql.key_for("LICENSEE", "lic-1")
    await report(gql, licensee, "OUTPUT_USE", "O1", "1000.00")
    assert (await run(gql, "OUTPUT_USE", "st-chain"))["pool"] == "100.00"
    # Pool 100.00. O1: W1 0.5 -> A 50.00; W2 0.25 -> A 12.50, B's 12.50 to P; remainder 0.1 over W1, W2:
    # A 5.00 + 2.50, B's 2.50 to P. So A 70.00 and P 15.00 (for B); B itself gets nothing.
    assert await payees(gql, "st-chain") == {"A": "70.00", "P": "15.00"}
    collected = [line for line in await exported(gql, "st-chain") if line["creator_id"] == "P"]
    assert {
        (
            x["basis"],
            x["work_id"],
            x["role"],
            x["collected_for"],
            x["chain"],
            x["chain_publisher"],
            x["amount"],
        )
        for x in collected
    } == {
        ("ATTRIBUTION", "W2", "COMPOSER", "B", "1", "P", "12.50"),
        ("UNATTRIBUTED_REMAINDER", "W2", "COMPOSER", "B", "1", "P", "2.50"),
    }
    assert all("PublisherChain 1" in x["explanation"] for x in collected)
