"""The one alphabet of record ids (licensees, vendors, creators, works, models, runs, outputs, grants ...).

An id is 1 to 200 visible characters: no control, format (bidirectional overrides, zero-width marks),
separator or surrogate characters, and no `/` or `\\` (ids appear in URL paths, such as a vendor's
webhook address). Every boundary checks it: the GraphQL `ID` scalar, the domain's input models and the
webhook path.
"""

from __future__ import annotations

import unicodedata
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


def valid_id(value: str) -> str:
    """For pydantic models (`AfterValidator`): a ValueError names the problem."""
    problem = id_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


# The domain's input models' id field: trimmed, then the one alphabet.
RecordId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ID_LENGTH),
    AfterValidator(valid_id),
]


def _named(character: str) -> str:
    return f"U+{ord(character):04X} {unicodedata.name(character, 'unnamed')}"
