from __future__ import annotations

from typing import Any

import httpx
import pytest

from graph.local_server import port_is_free
from tests.e2e.conftest import Served, start_serve
from tests.support import ADMIN_SECRET

pytestmark = pytest.mark.e2e
INTROSPECTION = "{ __schema { queryType { name } types { name } } }"
CREATE_KEY = 'mutation { createApiKey(input: {role: AUDITOR, name: "kept"}) { secret } }'


def post(served: Served, query: str, key: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = httpx.post(f"{served.base_url}/graphql", json={"query": query}, headers=headers, timeout=30)
    assert response.status_code == 200
    assert response.headers["x-request-id"]
    body: dict[str, Any] = response.json()
    return body


def test_serve_answers_and_ctrl_c_stops_what_it_started(serve: Served) -> None:
    serve.wait_ready()
    health = httpx.get(f"{serve.base_url}/healthz").json()
    assert health["status"] == "ok" and health["neo4j"].startswith("Neo4j/5.26")
    schema = post(serve, INTROSPECTION)["data"]["__schema"]
    assert schema["queryType"]["name"] == "Query"
    assert {"ServiceInfo", "ApiKey"} <= {t["name"] for t in schema["types"]}
    ide = httpx.get(f"{serve.base_url}/graphql", headers={"Accept": "text/html"})
    assert ide.status_code == 200 and "graphiql" in ide.text.lower()
    secret = post(serve, CREATE_KEY, ADMIN_SECRET)["data"]["createApiKey"]["secret"]
    bolt_port = int(serve.env["NEO4J_LOCAL_PORT"])

    assert serve.interrupt() == 0
    assert port_is_free(bolt_port), "Ctrl-C must stop the Neo4j that serve started"

    # A second `serve` over the same data dir keeps what was written.
    again = start_serve(serve.env, serve.log)
    try:
        again.wait_ready()
        viewer = post(again, "{ viewer { role name } }", secret)
        assert viewer["data"]["viewer"] == {"role": "AUDITOR", "name": "kept"}
    finally:
        again.interrupt()


def test_outage_gives_503_and_unavailable_then_recovers(serve: Served) -> None:
    serve.wait_ready()
    assert serve.cli("neo4j", "stop").returncode == 0
    down = httpx.get(f"{serve.base_url}/healthz", timeout=30)
    assert down.status_code == 503 and "not reachable" in down.json()["reason"]
    body = post(serve, "{ viewer { role } }", ADMIN_SECRET)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAVAILABLE"]
    assert "Traceback" not in str(body)
    # Public fields that need no database still answer.
    assert post(serve, "{ serviceInfo { name } }")["data"]["serviceInfo"]["name"] == "opustrace"

    assert serve.cli("neo4j", "start").returncode == 0
    serve.wait_ready()
    assert post(serve, "{ viewer { role } }", ADMIN_SECRET)["data"]["viewer"]["role"] == "ADMIN"
