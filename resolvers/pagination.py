"""Connections: every list is paginated, with a bounded page size and a total count."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

import strawberry

from graph.stores._pages import Keyed, KeyPart, KeyWindow
from registry.errors import InvalidInput
from resolvers.selection import selected_names

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
CURSOR_PREFIX = "offset:"
KEY_PREFIX = "key:"  # keyset cursors of the append-only lists: the item's own sort key, as JSON
NOT_GIVEN_OUT = "Cursor {cursor!r} is not one this API gave out; use an endCursor."
OFFSET_CURSOR = (
    "Cursor {cursor!r} is a position from an older version of this list, which now pages by key: "
    "start again without `after` and pass the endCursor of each page."
)

T = TypeVar("T")
S = TypeVar("S")


@strawberry.type(description="Where this page stands in the whole list (Relay cursor connections).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="True when more items follow: ask again with `after` set to `endCursor`."
    )
    has_previous_page: bool = strawberry.field(description="True when items precede this page.")
    start_cursor: str | None = strawberry.field(
        description="The cursor of the first item of this page; null on an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the last item of this page, to pass as `after`; null on an empty page."
    )


@strawberry.type(description="One item of a page and its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="Opaque position of this item in the list; pass it as `after` to continue after it."
    )
    node: T = strawberry.field(description="The item.")


@strawberry.type(
    description=f"One page of a list, newest or most relevant first as the field says: at most "
    f"{MAX_PAGE_SIZE} items ({DEFAULT_PAGE_SIZE} unless `first` says), with the total to page through."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page, in list order.")
    page_info: PageInfo = strawberry.field(description="Whether more pages follow, and their cursors.")
    total_count: int = strawberry.field(
        description="How many items the whole list holds under the same filters and access rule."
    )


First = Annotated[
    int | None,
    strawberry.argument(
        description=f"How many items to return: 1 to {MAX_PAGE_SIZE}; {DEFAULT_PAGE_SIZE} when omitted."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Start after the item with this cursor (an `endCursor` or edge `cursor` this API gave "
        "out); omitted, the list starts at its first item."
    ),
]


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    """The offset an offset cursor holds (the lists ordered by what may change: names, titles)."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not text.startswith(CURSOR_PREFIX):
            raise ValueError(text)
        offset = int(text[len(CURSOR_PREFIX) :])
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise InvalidInput(NOT_GIVEN_OUT.format(cursor=cursor)) from exc
    if offset < 0:
        raise InvalidInput(NOT_GIVEN_OUT.format(cursor=cursor))
    return offset


def encode_key(key: Sequence[KeyPart]) -> str:
    text = json.dumps(list(key), separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(f"{KEY_PREFIX}{text}".encode()).decode()


def decode_key(cursor: str) -> tuple[KeyPart, ...]:
    """The sort key a keyset cursor holds; an offset cursor of an earlier version, or anything this API did
    not give out, is refused saying what to pass instead."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise InvalidInput(NOT_GIVEN_OUT.format(cursor=cursor)) from exc
    if text.startswith(CURSOR_PREFIX):
        raise InvalidInput(OFFSET_CURSOR.format(cursor=cursor))
    try:
        key = json.loads(text.removeprefix(KEY_PREFIX)) if text.startswith(KEY_PREFIX) else None
    except ValueError:
        key = None
    # "key:<n>", the audit log's cursor before every keyset list shared one codec, is the key [n].
    key = [key] if isinstance(key, int) else key
    if not isinstance(key, list) or not key or not all(isinstance(p, int | str | dict) for p in key):
        raise InvalidInput(NOT_GIVEN_OUT.format(cursor=cursor))
    return tuple(key)


def page_size(first: int | None, max_size: int = MAX_PAGE_SIZE) -> int:
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 1 <= size <= max_size:
        raise InvalidInput(f"first must be between 1 and {max_size}; got {size}.")
    return size


def key_window(info: strawberry.Info, first: int | None, after: str | None) -> KeyWindow:
    """Where a keyset page starts, for `first`/`after`: one row more than the page is read (it says a next
    page exists), and the list is counted only when the query selects `totalCount`."""
    start = decode_key(after) if after else None
    return KeyWindow(after=start, limit=page_size(first) + 1, count=selects_total(info))


def keyset_connection(
    rows: Sequence[Keyed[S]], total: int | None, window: KeyWindow, convert: Callable[[S], T]
) -> Connection[T]:
    """A page of an append-only list read by key: each cursor holds its item's sort key, so the next page
    starts right after it however the list grew. Without a counted total (not selected) totalCount is the
    lower bound the page proves."""
    size = window.limit - 1
    edges = [Edge(cursor=encode_key(item.key), node=convert(item.row)) for item in rows[:size]]
    more = len(rows) > size
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=more,
            has_previous_page=window.after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=len(edges) + more if total is None else total,
    )


def window(first: int | None, after: str | None, max_size: int = MAX_PAGE_SIZE) -> tuple[int, int]:
    """(offset, limit) for `first`/`after`, refusing page sizes outside 1..max_size."""
    size = page_size(first, max_size)
    offset = decode_cursor(after) + 1 if after else 0
    return offset, size


def connection(items: Sequence[S], total: int, offset: int, convert: Callable[[S], T]) -> Connection[T]:
    edges = [Edge(cursor=encode_cursor(offset + i), node=convert(item)) for i, item in enumerate(items)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=offset + len(items) < total,
            has_previous_page=offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )


def selects_total(info: strawberry.Info) -> bool:
    """Does the query ask this connection for `totalCount`? A page can be cheap where a count is not."""
    return "totalCount" in selected_names(info)


def peeked_connection(
    items: Sequence[S], total: int | None, offset: int, limit: int, convert: Callable[[S], T]
) -> Connection[T]:
    """A connection from a page read with one item more than `limit` (that item says a next page exists).

    Without a counted total (the query did not select it) totalCount is the lower bound the page proves.
    """
    page, more = items[:limit], len(items) > limit
    known = offset + len(page) + (1 if more else 0)
    result = connection(page, known if total is None else total, offset, convert)
    result.page_info.has_next_page = more
    return result
