"""The Starlette application: `/graphql`, probes, `/metrics`, request logging, start-up migrations.

`app_from_environment` builds it from the settings alone, for `uvicorn --factory` and `serve --workers N`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from cross_web import HTTPException
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.trace.export import SpanExporter
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions.tracing import OpenTelemetryExtension

from graph.audit import AuditScope, auditing
from graph.database import Database, once_reachable
from graph.migrations import lock_owner, migrate
from graph.stores.provenance.writes import purge_abandoned_uploads
from graph.stores.system.api_keys import ensure_bootstrap_admin
from interchange.c2pa_credentials import CredentialConfig
from opustrace import explorer
from opustrace.attribution_webhook import attribution_webhook
from opustrace.audit_publication import checkpoint_key, daily_checkpoints, head_route, latest_checkpoint_route
from opustrace.bookmarks import BookmarkHeader
from opustrace.credentials_config import credential_config
from opustrace.heap import freeze_startup_objects, thaw
from opustrace.http_limits import (
    AbuseLimits,
    HttpLimits,
    authenticate_or_unavailable,
    authenticated_in,
    describe_storage,
)
from opustrace.logs import configure_logging
from opustrace.metrics import HttpMetrics, OperationMetrics, metrics_endpoint
from opustrace.openlineage_endpoint import openlineage_endpoint
from opustrace.request_log import RequestLog, current_request_id
from opustrace.runtime import running_neo4j
from opustrace.settings import Settings
from opustrace.tracing import UNTRACED_URLS, tracer_provider
from registry.api_keys import check_bootstrap_secret
from registry.errors import DomainError
from resolvers.access import upload_roles
from resolvers.context import Context
from resolvers.schema import Limits, build_schema

log = logging.getLogger("opustrace")
HEALTH_TIMEOUT_SECONDS = 3.0


class RegistryGraphQL(GraphQL[Context, None]):
    def __init__(
        self, db: Database, limits: Limits, credentials: CredentialConfig, *, ide: bool, observers: list[Any]
    ) -> None:
        # Multipart requests carry file uploads (importCwr); the HTTP limits cap their size.
        schema = build_schema(limits, observers)
        super().__init__(schema, graphql_ide="graphiql" if ide else None, multipart_uploads_enabled=True)
        self.db = db
        self.credentials = credentials
        self.upload_roles = upload_roles(schema)

    def decode_json(self, data: str | bytes) -> object:
        """The request's JSON, or a 400 that says what is wrong with it (never a 500)."""
        try:
            value = json.loads(data)
        except UnicodeDecodeError as exc:
            message = f"The body is not valid UTF-8 (byte {exc.start}); send UTF-8 JSON."
            raise HTTPException(400, message) from None
        except RecursionError:
            raise HTTPException(400, "The JSON body nests too deeply; send a flat GraphQL request.") from None
        if not isinstance(value, dict):
            raise HTTPException(400, 'The body must be a JSON object: {"query": "...", "variables": {...}}.')
        return value

    async def render_graphql_ide(self, request: Request) -> Response:
        return explorer.graphiql_response()  # the same page, its assets from this app (no CDN)

    async def get_context(self, request: Any, response: Any) -> Context:
        found = authenticated_in(request.scope)
        if found is None:  # only when the app runs without its middleware
            found = await authenticate_or_unavailable(self.db, request.headers.get("authorization"))
        principal, error = found
        return Context(
            request=request,
            response=response,
            db=self.db,
            request_id=current_request_id(),
            principal=principal,
            auth_error=error,
            credentials=self.credentials,
        )


async def start_up(db: Database, settings: Settings, run_migrations: bool, owner: str) -> None:
    """What the app does with the database before it serves; safe to repeat after a lost connection."""
    if run_migrations:
        applied = await migrate(db, owner=owner)
        log.info("migrations applied: %s", ", ".join(applied) or "none pending")
    if settings.admin_api_key is not None:
        secret = settings.admin_api_key.get_secret_value()
        check_bootstrap_secret(secret)
        await ensure_bootstrap_admin(db, secret)


async def purge_crashed_uploads(db: Database, idle_seconds: int, via: str = "SCHEDULE") -> list[str]:
    """Remnants of uploads whose process died (kill -9), removed on the audit trail: one event per run."""
    scope = AuditScope(actor="system", role="SYSTEM", via=via, action="System.purgeCrashedUploads")
    with auditing(scope):
        purged = await purge_abandoned_uploads(db, idle_seconds)
    if purged:
        log.warning("purged %d training run upload(s) left half-way by a crash: %s", len(purged), purged)
    return purged


async def scheduled_upload_purges(db: Database, every: float, idle_seconds: int) -> None:
    """At start-up, then every `every` seconds, in each worker and replica (safe side by side)."""
    via = "STARTUP"
    while True:
        try:
            await purge_crashed_uploads(db, idle_seconds, via)
        except DomainError as exc:  # the database is away: try again at the next round
            log.warning("crashed uploads not purged: %s", exc.message)
        via = "SCHEDULE"
        await asyncio.sleep(every)


def limits_from(settings: Settings) -> Limits:
    return Limits(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_query_aliases,
        max_tokens=settings.max_query_tokens,
        max_cost=settings.max_query_cost,
        max_repeats=settings.max_query_repeats,
        max_fields=settings.max_query_fields,
    )


def http_limits_from(settings: Settings) -> HttpLimits:
    return HttpLimits(
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        requests_per_minute=settings.rate_limit_per_minute,
        failed_auth_per_minute=settings.failed_auth_per_minute,
        storage=settings.rate_limit_storage,
    )


def storage_notice(settings: Settings) -> str:
    where = describe_storage(settings.rate_limit_storage)
    if where.startswith("memory://"):
        return (
            f"rate limit ({settings.rate_limit_per_minute}/min) counted in this process only ({where}): "
            "each worker and replica allows the full rate; set RATE_LIMIT_STORAGE=redis://… to share it"
        )
    return f"rate limit ({settings.rate_limit_per_minute}/min) shared through {where}"


def app_from_environment() -> Starlette:
    """The app from the settings alone: `uvicorn --factory opustrace.app:app_from_environment`."""
    settings = Settings()
    configure_logging(settings)
    return create_app(settings, Database.connect(running_neo4j(settings)))


def create_app(
    settings: Settings,
    db: Database,
    *,
    run_migrations: bool = True,
    span_exporter: SpanExporter | None = None,
) -> Starlette:
    """The app over `db`; it runs the migrations at start-up and closes `db` at shutdown."""
    tracing = tracer_provider(settings, span_exporter)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await once_reachable(
            partial(start_up, db, settings, run_migrations, lock_owner()),
            within=settings.neo4j_startup_wait_seconds,
            what="Start-up (NEO4J_STARTUP_WAIT_SECONDS)",
        )
        log.info(storage_notice(settings))
        log.info("tracing %s", "on" if tracing else "off (OTEL_TRACES_EXPORTER unset)")
        log.info("%d start-up objects frozen out of full collections", freeze_startup_objects())
        checkpoints = asyncio.create_task(daily_checkpoints(db, key)) if key is not None else None
        purges = asyncio.create_task(
            scheduled_upload_purges(
                db, settings.upload_purge_interval_seconds, settings.upload_abandoned_after_seconds
            )
        )
        try:
            yield
        finally:
            thaw()
            purges.cancel()
            if checkpoints is not None:
                checkpoints.cancel()
            await db.close()
            if tracing is not None:
                tracing.shutdown()

    async def readyz(request: Request) -> Response:
        try:
            version = await asyncio.wait_for(db.server_version(), HEALTH_TIMEOUT_SECONDS)
        except (DomainError, TimeoutError) as exc:
            reason = exc.message if isinstance(exc, DomainError) else "Neo4j did not answer in time"
            return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
        return JSONResponse({"status": "ok", "neo4j": version})

    key = checkpoint_key(settings.audit_checkpoint_key_file)

    async def livez(request: Request) -> Response:
        # The process answers: nothing else is asked, so a database outage never restarts the workers.
        return JSONResponse({"status": "ok"})

    observers: list[Any] = [OperationMetrics]
    if tracing is not None:
        observers.append(partial(OpenTelemetryExtension, tracer_provider=tracing))
    credentials = credential_config(settings)
    graphql = RegistryGraphQL(
        db, limits_from(settings), credentials, ide=settings.graphiql, observers=observers
    )
    limits = http_limits_from(settings)
    middleware = [
        Middleware(RequestLog),
        Middleware(HttpMetrics),
        Middleware(BookmarkHeader),
        Middleware(AbuseLimits, limits=limits, db=db, upload_roles=graphql.upload_roles),
    ]
    if tracing is not None:
        otel = Middleware(OpenTelemetryMiddleware, tracer_provider=tracing, excluded_urls=UNTRACED_URLS)
        middleware.insert(0, otel)
    app = Starlette(
        routes=[
            Route("/livez", livez, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/healthz", readyz, methods=["GET"]),  # kept for existing probes: same as /readyz
            Route("/metrics", metrics_endpoint, methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/api/v1/lineage", openlineage_endpoint(db, current_request_id), methods=["POST"]),
            Route("/audit/head", head_route(db), methods=["GET"]),
            Route("/audit/checkpoints/latest", latest_checkpoint_route(db), methods=["GET"]),
            Route(
                "/webhooks/attribution/{vendor_id}",
                attribution_webhook(db, current_request_id),
                methods=["POST"],
            ),
            *explorer.routes(),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.db = db
    return app
