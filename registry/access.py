"""Who is calling, and the one party-scope rule every field (root or nested) applies.

Roles are those of docs/architecture.md. A scoped key (LICENSEE, VENDOR, CREATOR) acts for one party:
the licensee, vendor or creator its `scope_id` names. ADMIN and AUDITOR act for the society as a
whole. The rule is these questions, all answered here and nowhere else:

- `sees(kind, owner)`: may this key see a record owned by party `owner` of kind `kind`?
- `party(kind)`: the party of kind `kind` this key is confined to, or None when it is not confined.
- `acting_for(kind, asked, what)`: the party a call is for; a scoped key naming another party gets
  NOT_FOUND, exactly as for a party that does not exist (docs/access.md, "Refusals").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from registry.errors import InvalidInput, NotFound


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

    @property
    def unconfined(self) -> bool:
        """ADMIN and AUDITOR keys: not confined to one party."""
        return self.role not in SCOPED_ROLES

    def party(self, kind: Role) -> str | None:
        """The party of kind `kind` this key acts for; None when it is not a key of that kind."""
        return (self.scope_id or "") if self.role == kind else None

    def sees(self, kind: Role, owner: str | None) -> bool:
        """May this key see a record owned by the party `owner` of kind `kind`?

        Unconfined keys see every record; a scoped key only its own party's, so a CREATOR never reads a
        licensee's record whatever the ids say.
        """
        if self.unconfined:
            return True
        return self.role == kind and owner is not None and owner == self.scope_id

    def acting_for(self, kind: Role, asked: str | None, what: str) -> str | None:
        """The party of kind `kind` a call is for (None: every party).

        A key of that kind: its own party (naming another answers NOT_FOUND, as a missing one would). Any
        other key: the one asked.
        """
        own = self.party(kind)
        if own is not None and asked is not None and asked != own:
            raise NotFound(f"No {what} {asked!r} that you may read.")
        return own if own is not None else asked

    def named_party(self, kind: Role, asked: str | None, what: str) -> str:
        """As `acting_for`, for a write that is for exactly one party: an unconfined key must name it."""
        party = self.acting_for(kind, asked, what)
        if party is None:
            raise InvalidInput(f"{what}Id is required when a {self.role} key acts for a {what}.")
        return party
