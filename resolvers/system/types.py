from __future__ import annotations

from datetime import datetime

import strawberry

from graph.stores.api_keys import ApiKeyRecord
from registry.access import Role

strawberry.enum(Role, description="What a caller may do; see docs/access.md.")


@strawberry.type(description="What this service is and which version of it answers.")
class ServiceInfo:
    name: str
    version: str
    api_version: str


@strawberry.type(description="The caller, as its API key presents it.")
class Viewer:
    key_id: strawberry.ID
    role: Role
    scope_id: strawberry.ID | None
    name: str


@strawberry.type(description="An API key; its secret is shown once, when the key is created.")
class ApiKey:
    id: strawberry.ID
    role: Role
    scope_id: strawberry.ID | None
    name: str
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def from_record(cls, record: ApiKeyRecord) -> ApiKey:
        return cls(
            id=strawberry.ID(record.id),
            role=record.role,
            scope_id=strawberry.ID(record.scope_id) if record.scope_id else None,
            name=record.name,
            created_at=record.created_at,
            revoked_at=record.revoked_at,
        )


@strawberry.type
class CreatedApiKey:
    api_key: ApiKey
    secret: str = strawberry.field(description="Shown only now: store it, it cannot be read again.")


@strawberry.input
class CreateApiKeyInput:
    role: Role
    name: str
    scope_id: strawberry.ID | None = strawberry.field(
        default=None, description="The licensee, vendor or creator a scoped key acts for."
    )
