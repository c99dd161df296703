"""What a query selects below a field: resolvers read and compute only the parts that are asked for."""

from __future__ import annotations

import strawberry


def selected_names(info: strawberry.Info) -> set[str]:
    """The names of every field selected at any depth below the field being resolved (fragments included).

    By name, not by path: a name asked anywhere counts, so a caller may get a part it did not need, never
    miss one it did.
    """
    names: set[str] = set()
    pending = list(info.selected_fields)
    while pending:
        selection = pending.pop()
        name = getattr(selection, "name", None)
        if name is not None:
            names.add(name)
        pending.extend(getattr(selection, "selections", ()))
    return names
