"""Production shape against real servers: several workers and replicas over one Neo4j, a real Redis for the
shared rate limit, bookmarks across processes, Prometheus metrics, JSON logs and the probes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from graph.database import Neo4jSettings
from tests.e2e.conftest import Served, serve_env, start_serve
from tests.redis_server import running_redis
from tests.support import ADMIN_SECRET

pytestmark = pytest.mark.e2e
PUBLIC = "{ serviceInfo { name } }"
ADMIN = {"Authorization": f"Bearer {ADMIN_SECRET}"}


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


def _stop(replica: Served) -> None:
    if replica.process.poll() is None:
        replica.interrupt()


@contextmanager
def replicas(
    tmp_path: Path, neo4j: Neo4jSettings, count: int, workers: str, **settings: str
) -> Iterator[list[Served]]:
    """`count` separate `opustrace serve --workers N` processes over the test session's Neo4j."""
    with ExitStack() as stack:
        served = []
        for index in range(count):
            env = serve_env(tmp_path / f"data{index}")
            env |= {"NEO4J_URI": neo4j.uri, "NEO4J_USER": neo4j.user, "NEO4J_PASSWORD": neo4j.password}
            env |= settings
            replica = start_serve(env, tmp_path / f"serve{index}.log", workers)
            stack.callback(_stop, replica)
            served.append(replica)
        for replica in served:
            replica.wait_ready()
        yield served


def test_replicas_share_one_rate_limit_through_redis(
    tmp_path: Path, neo4j_settings: Neo4jSettings, redis_url: str
) -> None:
    limits = {"RATE_LIMIT_STORAGE": redis_url, "RATE_LIMIT_PER_MINUTE": "6"}
    with replicas(tmp_path, neo4j_settings, 2, "2", **limits) as (first, second):
        statuses = [
            httpx.post(f"{replica.base_url}/graphql", json={"query": PUBLIC}, timeout=30).status_code
            for replica in (first, first, first, first, second, second, second, second)
        ]
        assert "shared through redis://127.0.0.1" in first.log.read_text()
    # One count for both replicas (and their two workers each): six pass in all, not six each.
    assert statuses == [200] * 6 + [429] * 2


async def _write_then_read(writer: str, reader: str, creator_id: str) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        mutation = (
            f'mutation {{ upsertCreator(input: {{id: "{creator_id}", name: "N {creator_id}"}}) {{ id }} }}'
        )
        wrote = await client.post(f"{writer}/graphql", json={"query": mutation}, headers=ADMIN)
        assert wrote.json()["data"]["upsertCreator"]["id"] == creator_id
        bookmarks = wrote.headers["x-neo4j-bookmarks"]
        query = f'{{ creator(id: "{creator_id}") {{ name }} }}'
        headers = ADMIN | {"X-Neo4j-Bookmarks": bookmarks}
        read = await client.post(f"{reader}/graphql", json={"query": query}, headers=headers)
        assert read.json()["data"]["creator"] == {"name": f"N {creator_id}"}


def test_two_workers_read_each_others_writes_at_once(tmp_path: Path, neo4j_settings: Neo4jSettings) -> None:
    with replicas(tmp_path, neo4j_settings, 2, "1", RATE_LIMIT_PER_MINUTE="100000") as (first, second):
        a, b = first.base_url, second.base_url

        async def both_ways() -> None:
            writes = [_write_then_read(a, b, f"from-a-{i}") for i in range(5)]
            writes += [_write_then_read(b, a, f"from-b-{i}") for i in range(5)]
            await asyncio.gather(*writes)

        asyncio.run(both_ways())
        malformed = httpx.post(
            f"{a}/graphql", json={"query": PUBLIC}, headers={"X-Neo4j-Bookmarks": "not a bookmark!"}
        )
        assert malformed.status_code == 400
        assert "X-Neo4j-Bookmarks" in malformed.json()["errors"][0]["message"]


def _samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def _json_records(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def test_workers_metrics_json_logs_probes_and_graphiql_off(
    tmp_path: Path, neo4j_settings: Neo4jSettings
) -> None:
    settings = {"GRAPHIQL": "false", "LOG_FORMAT": "json", "RATE_LIMIT_PER_MINUTE": "100000"}
    with replicas(tmp_path, neo4j_settings, 1, "2", **settings) as (served,):
        url = served.base_url
        assert httpx.get(f"{url}/livez").json() == {"status": "ok"}
        ready = httpx.get(f"{url}/readyz").json()
        assert ready["status"] == "ok" and ready["neo4j"].startswith("Neo4j/5")
        assert "graphiql" not in httpx.get(f"{url}/graphql", headers={"Accept": "text/html"}).text.lower()
        for index in range(8):
            body = {"query": "query ProbeOp { viewer { role } }", "operationName": "ProbeOp"}
            headers = ADMIN | {"X-Request-ID": f"probe-{index}"}
            assert httpx.post(f"{url}/graphql", json=body, headers=headers).json()["data"]["viewer"]
        refused = httpx.post(f"{url}/graphql", json={"query": "query Anon { viewer { role } }"}).json()
        assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        metrics = httpx.get(f"{url}/metrics").text
        records = _json_records(served.log)

    # Both workers' samples add up, whichever answered the scrape.
    operations = _samples(metrics, "opustrace_graphql_operations_total")
    assert operations[(("operation", "ProbeOp"), ("type", "query"))] == 8
    errors = _samples(metrics, "opustrace_graphql_errors_total")
    assert errors[(("code", "UNAUTHENTICATED"),)] >= 1
    assert sum(_samples(metrics, "opustrace_neo4j_queries_total").values()) >= 8
    latency = _samples(metrics, "opustrace_graphql_operation_seconds_count")
    assert latency[(("operation", "ProbeOp"),)] == 8
    requests = _samples(metrics, "opustrace_http_requests_total")
    assert requests[(("method", "POST"), ("route", "/graphql"), ("status", "200"))] >= 9

    logged = [r for r in records if r.get("request_id") == "probe-3"]
    assert logged and logged[0]["path"] == "/graphql" and logged[0]["status"] == 200
