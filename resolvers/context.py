"""What every resolver receives: the database, the caller and the request's id."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

import strawberry
from starlette.requests import Request
from starlette.responses import Response

from graph.database import Database
from graph.stores.system import api_keys
from interchange.c2pa_credentials import CredentialConfig
from registry.access import Principal
from registry.errors import DomainError, Unauthenticated

BEARER = "bearer "


@dataclass
class Context:
    request: Request | None
    response: Response | None
    db: Database
    request_id: str
    principal: Principal | None = None
    # A bad credential fails every field rather than silently downgrading the caller to anonymous.
    auth_error: DomainError | None = None
    # Per-request cache for dataloaders, keyed by the loader's name.
    loaders: dict[str, Any] = field(default_factory=dict)
    # Signing keys, trust anchors and the public address for content credentials (C2PA).
    credentials: CredentialConfig = field(default_factory=CredentialConfig)


Info: TypeAlias = strawberry.Info[Context, None]


async def authenticate(
    db: Database, authorization: str | None
) -> tuple[Principal | None, DomainError | None]:
    """Read `Authorization: Bearer <key>`; no header means anonymous, a bad one an error."""
    if not authorization:
        return None, None
    if not authorization.lower().startswith(BEARER):
        return None, Unauthenticated("The Authorization header must read `Bearer <api key>`.")
    secret = authorization[len(BEARER) :].strip()
    principal = await api_keys.principal_for_secret(db, secret) if secret else None
    if principal is None:
        return None, Unauthenticated("That API key is unknown or revoked; ask an admin for a valid key.")
    return principal, None
