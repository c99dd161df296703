"""Puts every root mutation under an audit scope, so each write transaction it makes is recorded."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from datetime import date, datetime
from inspect import isawaitable
from typing import Any

from graphql import GraphQLResolveInfo
from starlette.datastructures import UploadFile
from strawberry.extensions import SchemaExtension

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


class AuditMutations(SchemaExtension):
    def resolve(
        self,
        _next: Callable[..., Any],
        root: Any,
        info: GraphQLResolveInfo[Any],
        *args: str,
        **kwargs: Any,
    ) -> Any:
        if info.parent_type.name != "Mutation" or info.path.prev is not None:
            return _next(root, info, *args, **kwargs)
        context = info.context
        principal = getattr(context, "principal", None)
        scope = AuditScope(
            actor=principal.key_id if principal else "anonymous",
            role=str(principal.role) if principal else "ANONYMOUS",
            via="GRAPHQL",
            action=f"Mutation.{info.field_name}",
            request_id=getattr(context, "request_id", "-"),
            input_digest=digest_input(jsonable(kwargs)),
        )

        async def audited() -> Any:
            with auditing(scope):
                result = _next(root, info, *args, **kwargs)
                return await result if isawaitable(result) else result

        return audited()
