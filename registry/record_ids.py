"""The one alphabet of record ids (licensees, vendors, creators, works, models, runs, outputs, grants ...).

An id is 1 to 200 visible characters: no control, format (bidirectional overrides, zero-width marks),
separator or surrogate characters, and no `/` or `\\` (ids appear in URL paths, such as a vendor's
webhook address). Every boundary checks it: the GraphQL `ID` scalar, the domain's input models and the
webhook path.

Ids of licensee-declared records (models, training runs, outputs) live in their licensee's namespace: they
start with the licensee's id and `NAMESPACE_SEPARATOR`, which no licensee id may hold. Namespaces are
disjoint, so a declaration never meets another licensee's record, and whether an id is accepted is decided
on the two strings alone, never on what is stored: no answer tells a licensee that an id it may not read
exists (docs/access.md, "Refusals").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

MAX_ID_LENGTH = 200
# Unicode general categories never allowed in an id: controls, formats, separators, unassigned, private.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})
_REFUSED_CHARACTERS = frozenset("/\\")


def id_problem(value: str) -> str | None:
    """Why `value` is not a valid id, or None when it is."""
    if not value:
        return "an id must not be empty"
    if len(value) > MAX_ID_LENGTH:
        return f"an id is at most {MAX_ID_LENGTH} characters (this one has {len(value)})"
    for position, character in enumerate(value, start=1):
        if character in _REFUSED_CHARACTERS or unicodedata.category(character) in _REFUSED_CATEGORIES:
            return (
                f"character {position} ({_named(character)}) is not allowed in an id: use visible "
                "characters, without spaces, slashes or backslashes"
            )
    return None


def _refusing(problem_of: Callable[[str], str | None]) -> AfterValidator:
    """For pydantic models: a ValueError names the problem."""

    def check(value: str) -> str:
        problem = problem_of(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


_TRIMMED = StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ID_LENGTH)
# The domain's input models' id field: trimmed, then the one alphabet.
RecordId = Annotated[str, _TRIMMED, _refusing(id_problem)]


NAMESPACE_SEPARATOR = ":"


def licensee_id_problem(value: str) -> str | None:
    """Why `value` is not a valid licensee id: the one alphabet, without the namespace separator."""
    problem = id_problem(value)
    if problem is None and NAMESPACE_SEPARATOR in value:
        return (
            f"a licensee id must not contain {NAMESPACE_SEPARATOR!r}: it separates a licensee's id from its "
            "records' ids"
        )
    return problem


# A licensee's id: a record id without the separator of its namespace.
LicenseeId = Annotated[str, _TRIMMED, _refusing(licensee_id_problem)]


def namespaced(licensee_id: str, name: str) -> str:
    """The id `name` takes in the licensee's namespace."""
    return f"{licensee_id}{NAMESPACE_SEPARATOR}{name}"


def qualified(licensee_id: str, record_id: str) -> str:
    """`record_id` as an id in the licensee's namespace: kept when it is one, else prefixed. For ids a client
    makes without knowing the registry (an OpenLineage run's UUID); declarations refuse ids outside it."""
    return (
        record_id
        if namespace_problem("Record", licensee_id, record_id) is None
        else namespaced(licensee_id, record_id)
    )


def namespace_problem(kind: str, licensee_id: str, record_id: str) -> str | None:
    """Why `record_id` cannot name one of the licensee's records (a `kind`), or None when it can.

    Decided on the strings alone: the answer is the same whoever holds the id, or whether anyone does.
    """
    if NAMESPACE_SEPARATOR in licensee_id:
        return (
            f"licensee id {licensee_id!r} holds {NAMESPACE_SEPARATOR!r}, which licensee ids may no longer "
            "contain, so it has no namespace for new records; an admin registers the licensee under an id "
            f"without {NAMESPACE_SEPARATOR!r}"
        )
    owner, separator, rest = record_id.partition(NAMESPACE_SEPARATOR)
    if owner == licensee_id and separator and rest:
        return None
    return (
        f"{kind} id {record_id!r} is outside licensee {licensee_id}'s namespace: ids of its records start "
        f"with '{namespaced(licensee_id, '')}', for example {namespaced(licensee_id, record_id)!r}"
    )


def _named(character: str) -> str:
    return f"U+{ord(character):04X} {unicodedata.name(character, 'unnamed')}"
