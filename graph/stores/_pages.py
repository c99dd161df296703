"""The two shapes of a listing query: the whole list's size and one page of it, in one query.

`page_query(match, order, row)` pages by offset: it counts what `match` finds (COUNT, which projects
nothing) and collects one page of it (a Top-k sort, then SKIP and LIMIT), projecting `row` for the page's
rows only. A deep page costs its offset, and a row added before the page shifts it. Only lists ordered by
something that changes (a title, a name) page this way.

`keyset_query(match, order, row, kinds)` pages the append-only lists by key: a page starts right after the
key (`order`'s values) of the last row the caller saw, so a row added while a caller pages is neither
skipped nor repeated, and on an index of the leading key page N costs what page 1 does (a range seek and
LIMIT; no row before the page is read). Each row carries its key, in the JSON form a cursor holds.

Both answer one record with `total` and `page` (in order). `$count` false leaves `total` null, uncounted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, LiteralString, TypeVar

from neo4j.time import DateTime

from registry.errors import InvalidInput

KeyPart = int | str | dict[str, str]  # the JSON form of one key value: a time is {"t": ISO 8601}
NOT_THIS_LIST = "The cursor is not one this list gave out; pass the endCursor of the page before."
R = TypeVar("R")


def page_query(match: LiteralString, order: LiteralString, row: LiteralString) -> LiteralString:
    """`match`: the MATCH and WHERE (and WITH) clauses of the list; `order`: its ORDER BY keys, ending with
    a unique one; `row`: the projection of a row, from the variables `match` binds."""
    return (
        "RETURN COUNT { " + match + " } AS total, COLLECT { " + match + " WITH * ORDER BY " + order
        + " SKIP $offset LIMIT $limit RETURN " + row + " } AS page"
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class KeysetQuery:
    """A keyset listing: its first page's query, the query of a page after a key, and the Python type of
    each key value (`neo4j.time.DateTime` for a time), which a cursor's key must match."""

    first: LiteralString
    after: LiteralString
    kinds: tuple[type, ...]


def keyset_query(
    match: LiteralString,
    order: LiteralString,
    row: LiteralString,
    kinds: tuple[type, ...],
    *,
    setup: LiteralString = "",
) -> KeysetQuery:
    """`match` as for `page_query`; `order`: its ORDER BY keys (each ASC or DESC), never null, ending with a
    unique one, none of which a row ever changes; `row`: the projection of a row; `kinds`: the type of each
    key; `setup`: clauses run once before (CALLs binding what `match` reads). Each page row is `{key, row}`;
    `$after` is the key of the row the page starts after.

    Two texts, so that each plan starts on the index of the first key: the first page scans it in order
    (`IS NOT NULL` lets the planner use it), a later page seeks into it (`>= $after[0]`)."""
    keys = [_key(part) for part in _top_level(order)]
    if len(keys) != len(kinds):
        raise ValueError(f"{len(keys)} keys in {order!r}, {len(kinds)} kinds")
    lead = keys[0][0]
    return KeysetQuery(
        first=setup + _keyset(match, lead + " IS NOT NULL", order, row, keys),
        after=setup + _keyset(match, _after(keys), order, row, keys),
        kinds=kinds,
    )


def _keyset(
    match: LiteralString,
    where: LiteralString,
    order: LiteralString,
    row: LiteralString,
    keys: Sequence[tuple[LiteralString, bool]],
) -> LiteralString:
    exprs = ", ".join(expr for expr, _ in keys)
    return (
        "RETURN CASE WHEN $count THEN COUNT { " + match + " } END AS total, COLLECT { " + match
        + " WITH * WHERE " + where + " WITH * ORDER BY " + order + " LIMIT $limit RETURN {key: [" + exprs
        + "], row: " + row + "} } AS page"
    )  # fmt: skip


def _top_level(order: LiteralString) -> list[LiteralString]:
    """`order` split at its top-level commas (a key may be a call: `coalesce(x, '')`)."""
    parts: list[LiteralString] = []
    depth, start = 0, 0
    for i, char in enumerate(order):
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append(order[start:i])
            start = i + 1
    return [*parts, order[start:]]


def _key(part: LiteralString) -> tuple[LiteralString, bool]:
    text = part.strip()
    if text.endswith(" DESC"):
        return text.removesuffix(" DESC").strip(), True
    return text.removesuffix(" ASC").strip(), False


def _after(keys: Sequence[tuple[LiteralString, bool]]) -> LiteralString:
    """Rows past `$after` in the order, lexicographically; the first key's bound alone is a range an index
    seeks (`e0 >= $after[0]`), the rest breaks ties on equal leading values."""
    rest: LiteralString = ""
    for i in reversed(range(len(keys))):
        expr, descending = keys[i]
        past: LiteralString = "<" if descending else ">"
        at: LiteralString = "$after[" + "0123456789"[i] + "]"
        rest = f"{expr} {past} {at}" if not rest else f"({expr} {past} {at} OR ({expr} = {at} AND {rest}))"
    first, descending = keys[0]
    bound: LiteralString = "<=" if descending else ">="
    return "(" + first + " " + bound + " $after[0] AND " + rest + ")"


@dataclass(frozen=True, slots=True)
class Keyed(Generic[R]):
    """One row of a keyset page and its key, in the JSON form a cursor carries."""

    key: tuple[KeyPart, ...]
    row: R


@dataclass(frozen=True, slots=True)
class KeyWindow:
    """Where a keyset page starts (`after`: the key of the row before it; None: the first page), how many
    rows to read (the page and one more, which says a next page exists), and whether to count the list."""

    after: tuple[KeyPart, ...] | None
    limit: int
    count: bool

    def bind(self, keyset: KeysetQuery) -> tuple[LiteralString, dict[str, Any]]:
        """The query of this page and its `$after`, `$limit` and `$count`; a key that has not the list's
        shape (the number and types of its values) is refused as not one of this list."""
        params: dict[str, Any] = {"limit": self.limit, "count": self.count}
        if self.after is None:
            return keyset.first, params
        if len(self.after) != len(keyset.kinds):
            raise InvalidInput(NOT_THIS_LIST)
        after = [_from_json(v, k) for v, k in zip(self.after, keyset.kinds, strict=True)]
        return keyset.after, params | {"after": after}


def keyed_page(
    rows: Sequence[Mapping[str, Any]], convert: Callable[[dict[str, Any]], R]
) -> tuple[int | None, list[Keyed[R]]]:
    """(total, rows) from a `keyset_query`'s answer; total is None when it was not counted."""
    page = rows[0]["page"]
    keyed = [Keyed(tuple(_to_json(v) for v in item["key"]), convert(item["row"])) for item in page]
    return rows[0]["total"], keyed


def _to_json(value: Any) -> KeyPart:
    if isinstance(value, DateTime):
        return {"t": value.iso_format()}
    if isinstance(value, int | str) and not isinstance(value, bool):
        return value
    raise TypeError(f"a page key must be an int, a string or a time, not {type(value).__name__}")


def _from_json(value: KeyPart, kind: type) -> Any:
    try:
        if kind is DateTime and isinstance(value, dict) and set(value) == {"t"}:
            return DateTime.from_iso_format(value["t"])
        if kind in (int, str) and type(value) is kind:
            return value
    except ValueError:
        pass
    raise InvalidInput(NOT_THIS_LIST)
