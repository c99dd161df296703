"""Errors as callers see them: `extensions.code` and a message a person can act on.

Domain errors keep their message; GraphQL validation errors are the caller's to fix; anything else is
masked, and logged with the request id so an operator can find it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from pydantic import ValidationError
from strawberry.extensions import SchemaExtension

from registry.errors import DomainError

log = logging.getLogger("opustrace.errors")
INTERNAL = "INTERNAL_SERVER_ERROR"


def describe_validation_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "input"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def public_error(error: GraphQLError, request_id: str) -> GraphQLError:
    original = error.original_error
    if original is None:
        # Parse and validation errors (including the depth, alias and token limits) describe the query.
        return _with(error, error.message, "BAD_USER_INPUT")
    if isinstance(original, DomainError):
        extensions: dict[str, object] = {"code": original.code}
        if original.details:
            extensions["details"] = original.details
        return _with(error, original.message, original.code, extensions)
    if isinstance(original, ValidationError):
        return _with(error, describe_validation_error(original), "BAD_USER_INPUT")
    if isinstance(original, GraphQLError):
        return public_error(original, request_id)
    log.error("unexpected error in %s [request %s]", error.path, request_id, exc_info=original)
    message = f"Internal server error; quote request id {request_id} to the operator."
    return _with(error, message, INTERNAL, {"code": INTERNAL, "requestId": request_id})


def _with(
    error: GraphQLError, message: str, code: str, extensions: dict[str, object] | None = None
) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions or {"code": code},
    )


class PublicErrors(SchemaExtension):
    """Rewrites every error of a result into its public form before it leaves the schema."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            context = self.execution_context.context
            request_id = getattr(context, "request_id", "-")
            result.errors = [public_error(e, request_id) for e in errors]
