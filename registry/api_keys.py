"""API keys: how a secret is made and how it is stored (only its hash ever is)."""

from __future__ import annotations

import hashlib
import secrets

from registry.access import SCOPED_ROLES, Role
from registry.errors import InvalidInput

PREFIX = "otk_"
MIN_BOOTSTRAP_LENGTH = 24


def new_secret() -> str:
    # 32 random bytes: a plain SHA-256 is then enough, as no dictionary can reach the key space.
    return PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_bootstrap_secret(secret: str) -> None:
    if len(secret) < MIN_BOOTSTRAP_LENGTH:
        raise InvalidInput(
            f"ADMIN_API_KEY must be at least {MIN_BOOTSTRAP_LENGTH} characters long; "
            "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(32))'`."
        )


def check_scope(role: Role, scope_id: str | None) -> str | None:
    """Scoped roles act for exactly one party; the others act for the society and take none."""
    if role in SCOPED_ROLES and not scope_id:
        raise InvalidInput(f"A {role} key must name the {role.lower()} it acts for in scopeId.")
    if role not in SCOPED_ROLES and scope_id:
        raise InvalidInput(f"A {role} key acts for the whole society; leave scopeId empty.")
    return scope_id or None
