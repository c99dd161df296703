"""The one permission layer: every root field declares who may call it, or the schema refuses to build.

`allow(Role.ADMIN, ...)` admits callers with one of the roles; `public()` admits anyone, anonymous too.
Which records a scoped key may see is the one party-scope rule on the principal (`Principal.sees`,
`Principal.acting_for`, `registry/access.py`); `require_visible` applies it to one record, with the same
NOT_FOUND for a record the caller may not see as for a missing one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

from registry.access import Principal, Role
from registry.errors import Forbidden, NotFound, Unauthenticated
from resolvers.context import Context

ALL_ROLES = tuple(Role)
PART_OF_PARENT = "part of its parent"
PARTY_FILTERED = "filtered by the party rule"


class Access(FieldExtension):
    def __init__(self, roles: tuple[Role, ...], public: bool = False, nested: str = "") -> None:
        self.roles = frozenset(roles)
        self.public = public
        # For a nested field open to whoever reached its parent: why no party's other records leak.
        self.nested = nested

    def check(self, info: strawberry.Info[Context, None]) -> None:
        context = info.context
        if context.auth_error is not None:
            raise context.auth_error
        if self.public:
            return
        principal = context.principal
        if principal is None:
            raise Unauthenticated(
                f"{info.field_name} needs an API key: send `Authorization: Bearer <api key>`."
            )
        if principal.role not in self.roles:
            allowed = sorted(self.roles)
            raise Forbidden(
                f"{info.field_name} is for {', '.join(allowed)}; this key's role is {principal.role}.",
                details={"allowedRoles": allowed},
            )

    def resolve(
        self, next_: Callable[..., Any], source: Any, info: strawberry.Info[Context, None], **kwargs: Any
    ) -> Any:
        self.check(info)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: strawberry.Info[Context, None],
        **kwargs: Any,
    ) -> Any:
        self.check(info)
        return await next_(source, info, **kwargs)


def allow(*roles: Role) -> list[FieldExtension]:
    if not roles:
        raise ValueError("allow() needs at least one role; use public() for anonymous access")
    return [Access(roles)]


def authenticated() -> list[FieldExtension]:
    return [Access(ALL_ROLES)]


def public() -> list[FieldExtension]:
    return [Access((), public=True)]


def part_of_parent() -> list[FieldExtension]:
    """Nested rule: the field returns a part of its parent record (a trace's output, a run's model), so
    whoever may read the parent reads it; it lists none of the party's other records."""
    return [Access((), public=True, nested=PART_OF_PARENT)]


def party_filtered() -> list[FieldExtension]:
    """Nested rule: the resolver keeps only the records the caller may see (`Principal.sees`, or a creator's
    own works), exactly as the root field for those records would."""
    return [Access((), public=True, nested=PARTY_FILTERED)]


def require_principal(info: strawberry.Info[Context, None]) -> Principal:
    principal = info.context.principal
    if principal is None:
        raise Unauthenticated("Send `Authorization: Bearer <api key>`.")
    return principal


def require_visible(info: strawberry.Info[Context, None], kind: Role, owner: str | None, what: str) -> None:
    """NOT_FOUND unless the record exists (`owner` is its party's id) and the caller may see it."""
    if owner is None or not require_principal(info).sees(kind, owner):
        raise NotFound(f"No {what} that you may read.")


def field_access(field: StrawberryField) -> Access | None:
    return next((ext for ext in field.extensions if isinstance(ext, Access)), None)


def upload_roles(schema: strawberry.Schema) -> frozenset[Role]:
    """The roles that may call some mutation taking a file upload: only they may send a multipart body."""
    roles: set[Role] = set()
    mutation = schema.mutation
    if mutation is None:
        return frozenset()
    for field in get_object_definition(mutation, strict=True).fields:
        access = field_access(field)
        takes_file = any("Upload" in str(argument.type_annotation.annotation) for argument in field.arguments)
        if takes_file and access is not None:
            roles |= access.roles
    return frozenset(roles)


def unguarded_root_fields(schema: strawberry.Schema) -> list[str]:
    """Root fields without an access rule: deny by default means the schema must not have any."""
    missing = []
    for root in (schema.query, schema.mutation):
        if root is None:
            continue
        definition = get_object_definition(root, strict=True)
        missing += [f"{definition.name}.{f.python_name}" for f in definition.fields if not field_access(f)]
    return missing
