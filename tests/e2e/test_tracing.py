"""OpenTelemetry against the real server: one trace from the caller's httpx through the ASGI request to the
GraphQL operation and its resolvers, exported to the SDK's in-memory exporter; and no tracing by default."""

from __future__ import annotations

import time

import httpx
import pytest
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from graph.database import Neo4jSettings
from opustrace.settings import Settings
from opustrace.tracing import tracer_provider
from tests.e2e.served import served_app
from tests.support import ADMIN_SECRET

pytestmark = pytest.mark.e2e


def test_one_trace_from_client_to_resolver(neo4j_settings: Neo4jSettings) -> None:
    exporter = InMemorySpanExporter()
    settings = Settings(admin_api_key=ADMIN_SECRET)
    try:
        with served_app(neo4j_settings, settings, span_exporter=exporter) as url:
            exporter.clear()  # the readiness polls before this point
            body = {"query": "query Traced { viewer { role } }", "operationName": "Traced"}
            headers = {"Authorization": f"Bearer {ADMIN_SECRET}"}
            answer = httpx.post(f"{url}/graphql", json=body, headers=headers, timeout=30)
            assert answer.json()["data"]["viewer"]["role"] == "ADMIN"
            spans = _when_finished(exporter, "POST /graphql")
    finally:
        HTTPXClientInstrumentor().uninstrument()

    names = [span.name for span in spans]
    client = next(span for span in spans if span.name == "POST" and span.parent is None)
    server = next(span for span in spans if span.name == "POST /graphql")
    operation = next(span for span in spans if span.name == "GraphQL Query: Traced")
    # The caller's span context travelled in `traceparent`: everything is one trace.
    assert {span.context.trace_id for span in (client, server, operation)} == {client.context.trace_id}, names
    assert server.parent is not None and server.parent.span_id == client.context.span_id
    assert any(span.name == "GraphQL Resolving: viewer" for span in spans), names
    assert server.resource.attributes["service.name"] == "opustrace"


def _when_finished(exporter: InMemorySpanExporter, name: str) -> tuple[ReadableSpan, ...]:
    """The server ends its request span after the last body chunk is sent, so the caller can hold the
    answer a moment before that span is exported: wait for it rather than race it."""
    deadline = time.monotonic() + 10
    while True:
        spans = exporter.get_finished_spans()
        if any(span.name == name for span in spans) or time.monotonic() > deadline:
            return spans
        time.sleep(0.05)


def test_tracing_is_off_unless_an_exporter_is_configured() -> None:
    assert tracer_provider(Settings()) is None
    assert tracer_provider(Settings(otel_traces_exporter="console")) is not None
    HTTPXClientInstrumentor().uninstrument()
