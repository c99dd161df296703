"""`POST /api/v1/lineage`: OpenLineage run events declare training runs (docs/openlineage.md).

The standard endpoint path of OpenLineage's HTTP transport, authenticated by the licensee's API key
(`Authorization: Bearer`). START opens an UPLOADING run (invisible to readers); COMPLETE, with the
manifest its input datasets list, completes it through the same store and rules as `declareTrainingRun`;
FAIL and ABORT discard it; RUNNING and OTHER change nothing. Facets not read here are kept with the run.
Each event is written under an audit scope with via OPENLINEAGE.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from graph.audit import AuditScope, auditing
from graph.database import Database
from graph.stores.provenance import writes as provenance
from interchange.openlineage_events import EventType, RunEvent, parse_event
from opustrace.json_errors import error_response
from registry.access import Principal, Role
from registry.audit import digest_input
from registry.errors import DomainError, Forbidden, InvalidInput, Unauthenticated
from registry.provenance import RunInput
from registry.record_ids import qualified
from resolvers.context import authenticate

MAX_EVENT_BYTES = 8 * 1024 * 1024
Endpoint = Callable[[Request], Awaitable[Response]]


async def _licensee(db: Database, request: Request) -> Principal:
    principal, error = await authenticate(db, request.headers.get("authorization"))
    if error is not None:
        raise error
    if principal is None:
        raise Unauthenticated("Send the licensee's API key: `Authorization: Bearer <api key>`.")
    if principal.role != Role.LICENSEE:
        raise Forbidden(
            f"OpenLineage events come from a licensee's key; this key's role is {principal.role}."
        )
    return principal


async def apply_event(db: Database, licensee_id: str, event: RunEvent) -> dict[str, Any]:
    """What the event does to the run it names; the answer the client gets. The run's id is the event's,
    in the licensee's namespace (an OpenLineage client makes its run UUIDs without knowing the registry)."""
    run_id, kept = (
        qualified(licensee_id, event.run_id),
        {f"openlineage_{event.eventType.value.lower()}": event.kept_facets()},
    )
    if event.eventType is EventType.START:
        if event.model_id is None:
            raise InvalidInput(
                "START needs run.facets.opustrace_training.modelId: the model the run produces."
            )
        kept |= {
            "openlineage_run_id": event.run.runId,
            "openlineage_job": f"{event.job.namespace}/{event.job.name}",
        }
        await provenance.open_run(db, run_id, licensee_id, event.model_id, event.grant_id, event.at, kept)
        return {"run": run_id, "status": "UPLOADING"}
    if event.eventType is EventType.COMPLETE:
        started = await provenance.announced_run(db, run_id, licensee_id)
        run = RunInput(
            id=run_id,
            licensee_id=licensee_id,
            model_id=started["model_id"],
            grant_id=started.get("grant_id"),
            started_at=started["started_at"].to_native(),
            finished_at=event.at,
        )
        record = await provenance.declare_training_run(db, run, provenance.items_of(event.manifest_items()))
        await provenance.keep_openlineage(db, run_id, kept)
        return {
            "run": record.id,
            "status": "COMPLETE",
            "compliant": record.compliant,
            "items": record.item_count,
        }
    if event.eventType in (EventType.FAIL, EventType.ABORT):
        discarded = await provenance.discard_open_run(db, run_id, licensee_id)
        return {"run": run_id, "status": "DISCARDED" if discarded else "UNKNOWN"}
    return {"run": run_id, "status": "IGNORED"}


def openlineage_endpoint(db: Database, request_id: Callable[[], str] = lambda: "-") -> Endpoint:
    """The endpoint over `db`; the composition root mounts it at /api/v1/lineage."""

    async def endpoint(request: Request) -> Response:
        try:
            principal = await _licensee(db, request)
            body = await request.body()
            if len(body) > MAX_EVENT_BYTES:
                raise InvalidInput(
                    f"An event is at most {MAX_EVENT_BYTES} bytes; list large manifests in files."
                )
            event = parse_event(body)
            scope = AuditScope(
                actor=principal.key_id,
                role=str(principal.role),
                via="OPENLINEAGE",
                action=f"openlineage {event.eventType.value}",
                request_id=request_id(),
                input_digest=digest_input(body.decode("utf-8", "replace")),
            )
            with auditing(scope):
                answer = await apply_event(db, principal.scope_id or "", event)
        except DomainError as exc:
            return error_response(exc)
        return JSONResponse(answer)

    return endpoint
