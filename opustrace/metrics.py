"""Prometheus metrics of the HTTP and GraphQL layers, and the `/metrics` endpoint.

Several workers (`serve --workers N`) write their samples to `PROMETHEUS_MULTIPROC_DIR`, and `/metrics`
in any of them answers for all; one process answers from its own registry.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

HTTP_REQUESTS = Counter("opustrace_http_requests", "HTTP requests answered", ["method", "route", "status"])
HTTP_SECONDS = Histogram("opustrace_http_request_seconds", "HTTP request latency", ["method", "route"])
OPERATIONS = Counter("opustrace_graphql_operations", "GraphQL operations", ["operation", "type"])
OPERATION_SECONDS = Histogram(
    "opustrace_graphql_operation_seconds", "GraphQL operation latency", ["operation"]
)
GRAPHQL_ERRORS = Counter("opustrace_graphql_errors", "GraphQL errors by public code", ["code"])

ROUTES = ("/graphql", "/webhooks/attribution/", "/readyz", "/livez", "/healthz", "/metrics")
SANE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
# Operation names are the client's choice: past this many distinct ones a process files the rest as
# "other", so a client cannot grow the metrics without bound.
MAX_OPERATION_NAMES = 200
_seen_names: set[str] = set()


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if not SANE_NAME.match(name):
        return "other"
    if name not in _seen_names and len(_seen_names) >= MAX_OPERATION_NAMES:
        return "other"
    _seen_names.add(name)
    return name


def route_label(path: str) -> str:
    for route in ROUTES:
        if path == route or (route.endswith("/") and path.startswith(route)):
            return route + "{vendor_id}" if route.endswith("/") else route
    return "other"


class HttpMetrics:
    """ASGI middleware: counts every HTTP request by route and status, and times it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        route = route_label(scope["path"])
        try:
            await self.app(scope, receive, recording_send)
        finally:
            HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
            HTTP_SECONDS.labels(scope["method"], route).observe(time.perf_counter() - started)


class OperationMetrics(SchemaExtension):
    """Counts and times each GraphQL operation by name, and its errors by their public code."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        name = operation_label(context.operation_name)
        # A document that did not parse has no operation type (strawberry raises when asked).
        kind = context.operation_type.value if context.graphql_document is not None else "unknown"
        OPERATIONS.labels(name, kind).inc()
        OPERATION_SECONDS.labels(name).observe(time.perf_counter() - started)
        result = context.result
        for error in getattr(result, "errors", None) or context.pre_execution_errors or []:
            code = (error.extensions or {}).get("code", "INTERNAL_SERVER_ERROR")
            GRAPHQL_ERRORS.labels(str(code)).inc()


def metrics_endpoint(request: Request) -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
