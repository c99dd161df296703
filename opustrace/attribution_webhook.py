"""`POST /webhooks/attribution/{vendor_id}`: a vendor pushes a report, signed (docs/attribution-formats.md).

Order of checks: the body fits (413; this endpoint's own cap, above the API's general one), the signature
matches one of the vendor's secrets and is fresh and new (401; the Neo4j replay guard; an unknown vendor
answers exactly as a wrong signature, so vendor ids cannot be enumerated), the payload parses in the
vendor's format (400), the report is stored under an audit scope with via WEBHOOK (404 an output that is
unknown or whose licensee has not engaged the vendor, alike; 409 conflicting report). Nothing is parsed
before the signature is verified, and the replay guard's write is not itself audited: only what a
verified delivery stored is.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from secrets import token_bytes

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from attribution_adapters.formats import adapter_for
from attribution_adapters.signatures import SIGNATURE_HEADER, WebhookRejected, verify_webhook
from graph.audit import AuditScope, auditing
from graph.database import Database
from graph.stores.attribution import vendors
from graph.stores.attribution.webhook_deliveries import Neo4jReplayGuard
from graph.stores.attribution.writes import store_reports
from opustrace.json_errors import error_response
from registry.errors import DomainError

log = logging.getLogger("opustrace.webhook")

# The largest vendor body (a month of generic CSV); JSON reports are far smaller.
MAX_BODY_BYTES = 20 * 1024 * 1024

Endpoint = Callable[[Request], Awaitable[Response]]
UNKNOWN_VENDOR_SECRET = token_bytes(32)


class _TooLarge(Exception):
    pass


async def _read_capped(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():  # counted as it arrives: a lying Content-Length changes nothing
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def attribution_webhook(db: Database, request_id: Callable[[], str] = lambda: "-") -> Endpoint:
    """The endpoint over `db`; the composition root mounts it at /webhooks/attribution/{vendor_id}."""
    guard = Neo4jReplayGuard(db)

    async def endpoint(request: Request) -> Response:
        vendor_id = request.path_params["vendor_id"]
        try:
            config = await vendors.webhook_verification(db, vendor_id)
            body = await _read_capped(request)
            header = request.headers.get(SIGNATURE_HEADER)
            # An unknown vendor is checked against a secret no one holds: it fails exactly as a wrong
            # signature does (header, freshness, then MAC), and says nothing more.
            secrets = config.secrets if config is not None else (UNKNOWN_VENDOR_SECRET,)
            delivery = await verify_webhook(header, body, secrets, vendor_id=vendor_id, replay_guard=guard)
            assert config is not None  # a signature verified against some secret of the vendor's
            scope = AuditScope(
                actor=f"vendor:{vendor_id}",
                role="VENDOR",
                via="WEBHOOK",
                action="Webhook.attribution",
                request_id=request_id(),
                input_digest=hashlib.sha256(body).hexdigest(),
            )
            with auditing(scope):
                parsed = adapter_for(config.format)(body, vendor_id=vendor_id)
                stored = await store_reports(db, parsed, "WEBHOOK")
        except _TooLarge:
            message = f"The body is larger than {MAX_BODY_BYTES} bytes; split the delivery."
            return JSONResponse({"error": {"code": "PAYLOAD_TOO_LARGE", "message": message}}, 413)
        except WebhookRejected as exc:
            log.info("webhook of vendor %s refused: %s", vendor_id, exc.reason)
            return error_response(exc)
        except DomainError as exc:
            return error_response(exc)
        log.info(
            "webhook of vendor %s signed at %s stored %d report(s)",
            vendor_id,
            delivery.timestamp,
            len(stored),
        )
        reports = [
            {"id": s.id, "output_id": s.output_id, "duplicate": s.duplicate, "current": s.current}
            for s in stored
        ]
        first = reports[0]["id"] if reports else None
        return JSONResponse({"report_id": first, "reports": reports}, status_code=200)

    return endpoint
