"""The one shape of a listing query: the whole list's size and one page of it, in one query.

`page_query(match, order, row)` counts what `match` finds (COUNT, which projects nothing) and collects one
page of it (a Top-k sort, then SKIP and LIMIT), projecting `row` for the page's rows only. Collecting every
row's projection and slicing the list, as listings once did, built every row of the list for each page.
The query answers one record with `total` and `page` (the rows, in order).
"""

from __future__ import annotations

from typing import LiteralString


def page_query(match: LiteralString, order: LiteralString, row: LiteralString) -> LiteralString:
    """`match`: the MATCH and WHERE (and WITH) clauses of the list; `order`: its ORDER BY keys, ending with
    a unique one; `row`: the projection of a row, from the variables `match` binds."""
    return (
        "RETURN COUNT { " + match + " } AS total, COLLECT { " + match + " WITH * ORDER BY " + order
        + " SKIP $offset LIMIT $limit RETURN " + row + " } AS page"
    )  # fmt: skip
