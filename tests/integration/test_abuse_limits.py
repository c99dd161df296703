from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest

from graph.database import Database
from graph.stores.api_keys import ensure_bootstrap_admin
from opustrace.app import create_app
from opustrace.settings import Settings
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
