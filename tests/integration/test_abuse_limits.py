from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from graphql import parse

from graph.database import Database
from graph.stores.system.api_keys import ensure_bootstrap_admin
from opustrace.app import create_app
from opustrace.http_limits import AbuseLimits, HttpLimits
from opustrace.settings import Settings
from registry.access import Role
from resolvers.access import upload_roles
from resolvers.schema import build_schema
from tests.support import ADMIN_SECRET, GraphQLClient

pytestmark = pytest.mark.integration
Client = Callable[..., AbstractAsyncContextManager[GraphQLClient]]


@pytest.fixture
def client(db: Database) -> Client:
    @asynccontextmanager
    async def make(**settings: Any) -> AsyncIterator[GraphQLClient]:
        await ensure_bootstrap_admin(db, ADMIN_SECRET)
        app = create_app(Settings(**settings), db, run_migrations=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
            yield GraphQLClient(http)

    return make


async def test_cost_limit_counts_pages_and_reads_variables(client: Client) -> None:
    query = "query($f: Int) { apiKeys(first: $f) { edges { node { id role } } } }"
    async with client(max_query_cost=50) as gql:
        expensive = await gql(query, {"f": 100}, key=ADMIN_SECRET)
        assert expensive.codes == ["BAD_USER_INPUT"]
        assert "would cost 401 (the limit is 50)" in expensive.messages[0]
        cheap = await gql(query, {"f": 2}, key=ADMIN_SECRET)
        assert cheap.data["apiKeys"]["edges"][0]["node"]["role"] == "ADMIN"
        # The same text, once validated clean, is still costed with each request's own variables.
        again = await gql(query, {"f": 100}, key=ADMIN_SECRET)
        assert again.codes == ["BAD_USER_INPUT"] and "would cost 401" in again.messages[0]
        # Fragments count as if written inline.
        spread = await gql(
            "{ apiKeys(first: 100) { ...E } } fragment E on ApiKeyConnection { edges { node { id } } }",
            key=ADMIN_SECRET,
        )
        assert spread.codes == ["BAD_USER_INPUT"] and "would cost 301" in spread.messages[0]


async def test_oversized_bodies_are_refused(client: Client) -> None:
    async with client(max_body_bytes=2048) as gql:
        padding = "#" + "x" * 4000 + "\n"
        declared = await gql.http.post("/graphql", json={"query": padding + "{ serviceInfo { name } }"})
        assert declared.status_code == 413
        assert declared.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"query": "' + b"#" * 3000
            yield b'\\n{ serviceInfo { name } }"}'

        streamed = await gql.http.post(
            "/graphql", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413
        fine = await gql("{ serviceInfo { name } }")
        assert fine.data == {"serviceInfo": {"name": "opustrace"}}


async def test_rate_limit_per_key(client: Client) -> None:
    async with client(rate_limit_per_minute=3) as gql:
        statuses = [(await gql.http.post("/graphql", json={"query": "{ serviceInfo { name } }"})).status_code]
        statuses += [
            (await gql.http.post("/graphql", json={"query": "{ serviceInfo { name } }"})).status_code
        ]
        statuses += [
            (await gql.http.post("/graphql", json={"query": "{ serviceInfo { name } }"})).status_code
        ]
        limited = await gql.http.post("/graphql", json={"query": "{ serviceInfo { name } }"})
        assert statuses == [200, 200, 200]
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert limited.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        # Another caller has its own allowance; health checks are never limited.
        other = await gql("{ viewer { role } }", key=ADMIN_SECRET)
        assert other.data == {"viewer": {"role": "ADMIN"}}
        assert (await gql.http.get("/healthz")).status_code == 200


async def test_rate_limit_counts_the_key_however_the_header_spells_it(client: Client) -> None:
    async with client(rate_limit_per_minute=3) as gql:
        spellings = [f"Bearer {ADMIN_SECRET}", f"bearer   {ADMIN_SECRET}", f"BEARER {ADMIN_SECRET}  "]
        query = {"query": "{ viewer { role } }"}
        answers = [
            await gql.http.post("/graphql", json=query, headers={"Authorization": h}) for h in spellings
        ]
        assert [a.json()["data"]["viewer"]["role"] for a in answers] == ["ADMIN"] * 3
        fourth = await gql.http.post(
            "/graphql", json=query, headers={"Authorization": f"Bearer  {ADMIN_SECRET}"}
        )
        assert fourth.status_code == 429, fourth.text


async def test_failed_credentials_are_limited_per_address(client: Client) -> None:
    async with client(failed_auth_per_minute=2) as gql:
        query = {"query": "{ serviceInfo { name } }"}
        bad = [
            await gql.http.post("/graphql", json=query, headers={"Authorization": f"Bearer otk_guess{i}"})
            for i in range(3)
        ]
        assert [r.status_code for r in bad] == [200, 200, 429]
        assert bad[0].json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "failed credentials" in bad[2].json()["errors"][0]["message"]


async def test_cost_counts_variable_defaults(client: Client) -> None:
    query = "query($f: Int = 100) { apiKeys(first: $f) { edges { node { id role } } } }"
    async with client(max_query_cost=50) as gql:
        defaulted = await gql(query, key=ADMIN_SECRET)
        assert defaulted.codes == ["BAD_USER_INPUT"]
        assert "would cost 401 (the limit is 50)" in defaulted.messages[0]
        given = await gql(query, {"f": 2}, key=ADMIN_SECRET)
        assert given.data["apiKeys"]["edges"][0]["node"]["role"] == "ADMIN"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"[" * 200_000 + b"]" * 200_000, "nests too deeply"),
        (b'"{ serviceInfo { name } }"', "must be a JSON object"),
        (b'{"query": "{ serviceInfo { name } }", "x": "\xff\xfe"}', "not valid UTF-8"),
    ],
)
async def test_malformed_bodies_are_400s_without_a_traceback(
    client: Client, body: bytes, says: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with client(max_body_bytes=1_048_576) as gql:
        response = await gql.http.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400 and says in response.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_uploads_are_refused_before_the_body_is_read(client: Client, db: Database) -> None:
    sent: list[int] = []

    def body() -> AsyncIterator[bytes]:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(64):
                sent.append(1)
                yield b"x" * 65536

        return chunks()

    headers = {"content-type": "multipart/form-data; boundary=b"}
    async with client() as gql:
        anonymous = await gql.http.post("/graphql", content=body(), headers=headers)
        assert anonymous.status_code == 401 and "valid API key" in anonymous.text
        assert len(sent) <= 1, f"{len(sent)} chunks of the anonymous upload were read"
        await db.run_write("MERGE (:Creator {id: 'cre'})")
        creator = await gql.key_for("CREATOR", "cre")

    # Every role may call some upload mutation today (inspectAudio takes a file from any key), so the
    # role check is shown on the same middleware with a narrower set: a creator's body stays unread.
    assert upload_roles(build_schema()) == frozenset(Role)
    app = AbuseLimits(
        create_app(Settings(), db, run_migrations=False), HttpLimits(), db, frozenset({Role.ADMIN})
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://registry.test"
    ) as http:
        sent.clear()
        refused = await http.post(
            "/graphql", content=body(), headers=headers | {"Authorization": f"Bearer {creator}"}
        )
    assert refused.status_code == 403 and "may not upload" in refused.text
    assert len(sent) <= 1


async def test_ids_outside_the_one_alphabet_are_refused_at_the_boundary(client: Client, db: Database) -> None:
    create = "mutation($i: CreateVendorInput!) { createVendor(input: $i) { vendor { id } } }"
    async with client() as gql:
        for bad in ("ven/1", "ven\u202e1", "ven\x001", "ven 1"):
            result = await gql(create, {"i": {"id": bad, "name": "V", "format": "SUREEL"}}, key=ADMIN_SECRET)
            assert result.codes == ["BAD_USER_INPUT"], (bad, result.body)
            assert "not allowed in an id" in result.messages[0]
        literal = await gql('{ model(id: "m/1") { id } }', key=ADMIN_SECRET)
        assert literal.codes == ["BAD_USER_INPUT"] and "SOLIDUS" in literal.messages[0]
        fine = await gql(create, {"i": {"id": "ven-1", "name": "V", "format": "SUREEL"}}, key=ADMIN_SECRET)
        assert fine.data["createVendor"]["vendor"]["id"] == "ven-1"
        # The same text, once validated clean, still has each request's variables checked.
        again = await gql(create, {"i": {"id": "ven/2", "name": "V", "format": "SUREEL"}}, key=ADMIN_SECRET)
        assert again.codes == ["BAD_USER_INPUT"] and "not allowed in an id" in again.messages[0]
    assert await db.run_read("MATCH (v:Vendor) RETURN collect(v.id) AS ids") == [{"ids": ["ven-1"]}]


async def test_a_cheap_request_is_not_held_up_while_heavy_ones_are_refused(client: Client) -> None:
    """1,240 copies of one field (under the token cap) once held the event loop for seconds in validation.

    Relative, not absolute: what a heavy document may still cost is its parse (linear, bounded by the token
    cap), timed here in the same run. The cheap request beside two heavy ones must wait no more than three
    times their two parses plus five times its own latency alone (at least one second); the old behaviour
    (validation, seconds per heavy request, hundreds of times its parse) fails that on any machine.
    """
    heavy_query = "{ " + " ".join(["serviceInfo { name }"] * 1240) + " }"
    heavy, cheap = {"query": heavy_query}, {"query": "{ serviceInfo { name } }"}
    async with client(rate_limit_per_minute=1000) as gql:

        async def timed(body: dict[str, str]) -> tuple[float, httpx.Response]:
            started = time.perf_counter()
            response = await gql.http.post("/graphql", json=body)
            return time.perf_counter() - started, response

        alone = sorted([(await timed(cheap))[0] for _ in range(5)])[2]
        parse_heavy = sorted(_parse_time(heavy_query) for _ in range(3))[1]
        first, second = asyncio.create_task(timed(heavy)), asyncio.create_task(timed(heavy))
        await asyncio.sleep(0)
        beside, answer = await timed(cheap)
        refused = [(await first)[1], (await second)[1]]
    assert answer.json()["data"] == {"serviceInfo": {"name": "opustrace"}}
    for response in refused:
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT" and "1240 times" in error["message"]
    # A floor of one second absorbs scheduling noise (a clean CI run once measured 0.23 s against a
    # relative bound of 0.17 s); the old behaviour held the loop for seconds per heavy request.
    bound = max(1.0, 3 * (2 * parse_heavy) + 5 * alone)
    held_up = (
        f"cheap request: {beside:.3f} s beside heavy ones; bound {bound:.3f} s (parse {parse_heavy:.3f} s)"
    )
    assert beside <= bound, held_up


def _parse_time(document: str) -> float:
    started = time.perf_counter()
    parse(document)
    return time.perf_counter() - started
