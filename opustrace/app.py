"""The Starlette application: `/graphql`, `/healthz`, request logging, start-up migrations."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from graph.audit import AuditScope, auditing
from graph.database import Database
from graph.migrations import migrate
from graph.stores.api_keys import ensure_bootstrap_admin
from graph.stores.provenance import purge_abandoned_uploads
from opustrace import explorer
from opustrace.http_limits import AbuseLimits, HttpLimits, authenticate_or_unavailable, authenticated_in
from opustrace.request_log import RequestLog, current_request_id
from opustrace.settings import Settings
from registry.api_keys import check_bootstrap_secret
from registry.errors import DomainError
from resolvers.access import upload_roles
from resolvers.attribution.webhook import attribution_webhook
from resolvers.context import Context
from resolvers.schema import Limits, build_schema

log = logging.getLogger("opustrace")
HEALTH_TIMEOUT_SECONDS = 3.0


class RegistryGraphQL(GraphQL[Context, None]):
    def __init__(self, db: Database, limits: Limits) -> None:
        # Multipart requests carry file uploads (importCwr); the HTTP limits cap their size.
        schema = build_schema(limits)
        super().__init__(schema, graphql_ide="graphiql", multipart_uploads_enabled=True)
        self.db = db
        self.upload_roles = upload_roles(schema)

    def decode_json(self, data: str | bytes) -> object:
        """The request's JSON, or a 400 that says what is wrong with it (never a 500)."""
        try:
            value = json.loads(data)
        except UnicodeDecodeError as exc:
            raise HTTPException(
                400, f"The body is not valid UTF-8 (byte {exc.start}); send UTF-8 JSON."
            ) from None
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
        )


async def purge_crashed_uploads(db: Database) -> list[str]:
    """Remnants of uploads whose process died (kill -9), removed on the audit trail at start-up."""
    scope = AuditScope(actor="system", role="SYSTEM", via="STARTUP", action="Startup.purgeCrashedUploads")
    with auditing(scope):
        purged = await purge_abandoned_uploads(db)
    if purged:
        log.warning("purged %d training run upload(s) left half-way by a crash: %s", len(purged), purged)
    return purged


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
    )


def create_app(settings: Settings, db: Database, *, run_migrations: bool = True) -> Starlette:
    """The app over `db`; it runs the migrations at start-up and closes `db` at shutdown."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if run_migrations:
            applied = await migrate(db)
            log.info("migrations applied: %s", ", ".join(applied) or "none pending")
        if settings.admin_api_key is not None:
            secret = settings.admin_api_key.get_secret_value()
            check_bootstrap_secret(secret)
            await ensure_bootstrap_admin(db, secret)
        await purge_crashed_uploads(db)
        try:
            yield
        finally:
            await db.close()

    async def healthz(request: Request) -> Response:
        try:
            version = await asyncio.wait_for(db.server_version(), HEALTH_TIMEOUT_SECONDS)
        except (DomainError, TimeoutError) as exc:
            reason = exc.message if isinstance(exc, DomainError) else "Neo4j did not answer in time"
            return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
        return JSONResponse({"status": "ok", "neo4j": version})

    graphql = RegistryGraphQL(db, limits_from(settings))
    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route(
                "/webhooks/attribution/{vendor_id}",
                attribution_webhook(db, current_request_id),
                methods=["POST"],
            ),
            *explorer.routes(),
        ],
        middleware=[
            Middleware(RequestLog),
            Middleware(
                AbuseLimits, limits=http_limits_from(settings), db=db, upload_roles=graphql.upload_roles
            ),
        ],
        lifespan=lifespan,
    )
    app.state.db = db
    return app
