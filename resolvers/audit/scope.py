"""Puts every root mutation under an audit scope, so each write transaction it makes is recorded."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from inspect import isawaitable
from typing import Any

import strawberry
from graphql.execution.values import VariableValues, get_argument_values
from starlette.datastructures import UploadFile
from strawberry.extensions import FieldExtension
from strawberry.types.base import get_object_definition

from graph.audit import AuditScope, auditing
from registry.audit import digest_input


def jsonable(value: Any) -> Any:
    """Mutation arguments as plain JSON values, for the input digest."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UploadFile):
        return {"upload": value.filename, "size": value.size}
    return value if value is None or isinstance(value, str | int | bool) else str(value)


class AuditMutation(FieldExtension):
    """Runs one root mutation under an audit scope, so each write transaction it makes is recorded.

    A field extension on the root mutation fields only (see `audit_mutations`): a schema-wide resolve
    hook would run on every field of every read-only query too.
    """

    def scope(self, info: strawberry.Info[Any, Any]) -> AuditScope:
        context = info.context
        principal = getattr(context, "principal", None)
        return AuditScope(
            actor=principal.key_id if principal else "anonymous",
            role=str(principal.role) if principal else "ANONYMOUS",
            via="GRAPHQL",
            action=f"Mutation.{info.field_name}",
            request_id=getattr(context, "request_id", "-"),
            input_digest=digest_input(jsonable(_raw_arguments(info))),
        )

    def resolve(
        self, next_: Callable[..., Any], source: Any, info: strawberry.Info[Any, Any], **kwargs: Any
    ) -> Any:
        with auditing(self.scope(info)):
            return next_(source, info, **kwargs)

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: strawberry.Info[Any, Any],
        **kwargs: Any,
    ) -> Any:
        with auditing(self.scope(info)):
            result = next_(source, info, **kwargs)
            return await result if isawaitable(result) else result


def _raw_arguments(info: strawberry.Info[Any, Any]) -> dict[str, Any]:
    """The arguments as GraphQL coerced them (names and values as sent), which the input digest covers."""
    raw = info._raw_info
    field = raw.parent_type.fields[raw.field_name]
    # The executor's own call, with the request's coerced variables (strawberry's executor hands resolvers
    # the plain dict; their sources only matter for errors, and validation has passed by now).
    given: Any = raw.variable_values
    variables = given if isinstance(given, VariableValues) else VariableValues(sources={}, coerced=given)
    return get_argument_values(field, raw.field_nodes[0], variables)


def audit_mutations(mutation: type) -> None:
    """Put every root field of `mutation` under AuditMutation (once, however often a schema is built)."""
    definition = get_object_definition(mutation, strict=True)
    for field in definition.fields:
        if not any(isinstance(e, AuditMutation) for e in field.extensions):
            field.extensions.insert(0, AuditMutation())
