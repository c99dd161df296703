"""A domain error as the JSON answer of the plain HTTP endpoints (webhooks, OpenLineage): code, message,
details, and the HTTP status its code stands for."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from registry.errors import DomainError

STATUS = {
    "BAD_USER_INPUT": 400,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "UNAVAILABLE": 503,
}


def error_response(exc: DomainError) -> JSONResponse:
    body: dict[str, Any] = {"error": {"code": exc.code, "message": exc.message}}
    if exc.details:
        body["error"]["details"] = exc.details
    return JSONResponse(body, status_code=STATUS.get(exc.code, 400))
