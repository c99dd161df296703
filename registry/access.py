"""Who is calling: roles of docs/architecture.md and the principal an API key is bound to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "ADMIN"
    LICENSEE = "LICENSEE"
    VENDOR = "VENDOR"
    CREATOR = "CREATOR"
    AUDITOR = "AUDITOR"


# Roles that act for one party and must name it; the others act for the society as a whole.
SCOPED_ROLES: frozenset[Role] = frozenset({Role.LICENSEE, Role.VENDOR, Role.CREATOR})


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: the key's id, its role and the party it acts for (if scoped)."""

    key_id: str
    role: Role
    scope_id: str | None = None
    name: str = ""

    def acts_for(self, party_id: str) -> bool:
        """True when this principal may see data owned by `party_id` (admins and auditors see all)."""
        if self.role in (Role.ADMIN, Role.AUDITOR):
            return True
        return self.scope_id is not None and self.scope_id == party_id
