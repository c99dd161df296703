from __future__ import annotations

from datetime import datetime

import strawberry

from graph.stores.system.api_keys import ApiKeyRecord
from registry.access import Role
from resolvers.enum_values import enum_values
from resolvers.mapping import from_record

strawberry.enum(Role, description="What a caller may do; see docs/access.md.")
enum_values(
    Role,
    {
        "ADMIN": "The society's staff: every read and write.",
        "LICENSEE": "An AI company: its models, runs, outputs, grants and usage; what it may train on.",
        "VENDOR": "An attribution vendor: reports on outputs of licensees that engaged it.",
        "CREATOR": "A rights holder: its works, shares, consents and earnings; gives and revokes consent.",
        "AUDITOR": "Auditor or journalist: provenance, compliance, audit trail; no personal payment data.",
    },
)


@strawberry.type(description="What this service is and which version of it answers.")
class ServiceInfo:
    name: str = strawberry.field(description="The service's name, opustrace.")
    version: str = strawberry.field(description="The release that answers (semantic version).")
    api_version: str = strawberry.field(
        description="The GraphQL API's version; a breaking schema change raises it."
    )


@strawberry.type(description="The caller, as its API key presents it.")
class Viewer:
    key_id: strawberry.ID = strawberry.field(description="The id of the calling API key (never its secret).")
    role: Role = strawberry.field(description="The key's role.")
    scope_id: strawberry.ID | None = strawberry.field(
        description=(
            "The party a scoped key acts for (licensee, vendor or creator id); null for ADMIN and AUDITOR."
        )
    )
    name: str = strawberry.field(description="The name given to the key when it was created.")


@strawberry.type(description="An API key; its secret is shown once, when the key is created.")
class ApiKey:
    id: strawberry.ID = strawberry.field(
        description="The key's id (keyId), used to revoke it; not the secret."
    )
    role: Role = strawberry.field(description="What the key may do.")
    scope_id: strawberry.ID | None = strawberry.field(
        description=(
            "The party a scoped key acts for (licensee, vendor or creator id); null for ADMIN and AUDITOR."
        )
    )
    name: str = strawberry.field(description="The name given to the key at creation, to recognise it by.")
    created_at: datetime = strawberry.field(description="When the key was created.")
    revoked_at: datetime | None = strawberry.field(
        description="When the key was revoked; null while it is valid."
    )

    @classmethod
    def from_record(cls, record: ApiKeyRecord) -> ApiKey:
        return from_record(cls, record)


@strawberry.type(
    description="A new API key: its record, and its secret, shown this once and kept only as a SHA-256 hash."
)
class CreatedApiKey:
    api_key: ApiKey = strawberry.field(description="The key's record (its secret is the other field).")
    secret: str = strawberry.field(description="Shown only now: store it, it cannot be read again.")


@strawberry.input(
    description="A new API key: its role, the party it acts for (scoped roles) and a name to recognise it by."
)
class CreateApiKeyInput:
    role: Role = strawberry.field(description="What the key may do.")
    name: str = strawberry.field(description="A name to recognise the key by, e.g. who holds it.")
    scope_id: strawberry.ID | None = strawberry.field(
        default=None, description="The licensee, vendor or creator a scoped key acts for."
    )
