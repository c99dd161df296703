"""Listings page in the database: no store query builds every row of a list to slice one page from it,
and no append-only list pages by offset."""

from __future__ import annotations

import base64
import importlib
import pkgutil
import re
from datetime import UTC

import pytest
from neo4j.time import DateTime

import graph.stores
from graph.stores._pages import KeysetQuery, KeyWindow, keyset_query, page_query
from graph.stores.provenance import reads as provenance_reads
from registry.errors import InvalidInput
from resolvers.pagination import decode_key, encode_cursor, encode_key

SLICED = re.compile(r"\[\s*\$offset\s*\.\.")
# Rows that are per-model aggregates: counting them aggregates every row anyway (provenance/reads.py).
AGGREGATED = {
    f"graph.stores.provenance.reads.{name}"
    for name in ("_TRAINED_TAIL", "TRAINED_ON_WORK", "TRAINED_ON_CREATOR")
}
# The leading sort key of an offset listing. A list ordered by when its rows were made (a time written once,
# a sequence number, a line number, a usage report's sort key) only grows: it pages by key (keyset_query).
LEADING_KEY = re.compile(r"ORDER BY\s+\w+\.(\w+)[^$]*?SKIP \$offset")
APPEND_ONLY = re.compile(r"^(\w+_at|valid_from|seq|n|sort_key)$")


def store_queries() -> dict[str, object]:
    found: dict[str, object] = {}
    for info in pkgutil.walk_packages(graph.stores.__path__, "graph.stores."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, str | KeysetQuery):
                found[f"{info.name}.{name}"] = value
    return found


def test_no_listing_collects_a_whole_list_to_slice_one_page() -> None:
    queries = store_queries()
    sliced = [
        w for w, q in queries.items() if isinstance(q, str) and SLICED.search(q) and w not in AGGREGATED
    ]
    assert sliced == [], f"use graph.stores._pages.page_query for these listings: {sliced}"
    # The exceptions name queries that exist: a renamed one does not keep its exemption.
    assert {f"graph.stores.provenance.reads.{n}" for n in vars(provenance_reads)} >= AGGREGATED


def offset_paged_append_only(query: str) -> bool:
    leading = LEADING_KEY.search(query)
    return leading is not None and APPEND_ONLY.match(leading.group(1)) is not None


def test_no_append_only_list_pages_by_offset() -> None:
    offset = [
        where for where, q in store_queries().items() if isinstance(q, str) and offset_paged_append_only(q)
    ]
    assert offset == [], f"use graph.stores._pages.keyset_query for these append-only listings: {offset}"


def test_the_guard_sees_an_offset_listing_of_an_append_only_list() -> None:
    assert offset_paged_append_only(page_query("MATCH (x:X)", "x.created_at DESC, x.id", "x {.*}"))
    assert offset_paged_append_only("MATCH (e:E) RETURN e ORDER BY e.seq SKIP $offset LIMIT $limit")
    assert not offset_paged_append_only(page_query("MATCH (w:Work)", "w.title, w.id", "w {.*}"))
    assert not offset_paged_append_only(keyset_query("MATCH (x:X)", "x.created_at", "x", (DateTime,)).after)


def test_a_keyset_page_after_a_key_seeks_past_it_in_the_order_of_each_key() -> None:
    listing = keyset_query("MATCH (x:X)", "x.at DESC, x.id", "x {.*}", (DateTime, str))
    assert "WHERE x.at IS NOT NULL WITH * ORDER BY x.at DESC, x.id LIMIT $limit" in listing.first
    past = "(x.at <= $after[0] AND (x.at < $after[0] OR (x.at = $after[0] AND x.id > $after[1])))"
    assert "WHERE " + past + " WITH * ORDER BY" in listing.after
    with pytest.raises(ValueError, match="2 keys"):
        keyset_query("MATCH (x:X)", "x.at, coalesce(x.id, '')", "x", (DateTime,))


def test_a_cursor_carries_its_key_and_a_window_binds_it_to_the_lists_types() -> None:
    at = DateTime(2026, 12, 2, 18, 20, 44, 123456789, tzinfo=UTC)
    key = ({"t": at.iso_format()}, "r-1")
    assert decode_key(encode_key(key)) == key
    listing = keyset_query("MATCH (x:X)", "x.at DESC, x.id DESC", "x", (DateTime, str))
    query, params = KeyWindow(after=key, limit=26, count=False).bind(listing)
    assert query == listing.after
    assert params == {"limit": 26, "count": False, "after": [at, "r-1"]}
    assert params["after"][0].nanosecond == 123456789, "a time keeps its nanoseconds"
    assert KeyWindow(after=None, limit=26, count=True).bind(listing) == (
        listing.first,
        {"limit": 26, "count": True},
    )
    for wrong in (("r-1",), ("2026-12-02", "r-1"), ({"t": "yesterday"}, "r-1"), ({"t": at.iso_format()}, 5)):
        with pytest.raises(InvalidInput, match="not one this list gave out"):
            KeyWindow(after=wrong, limit=26, count=False).bind(listing)


def test_an_offset_cursor_is_refused_as_from_an_earlier_version() -> None:
    with pytest.raises(InvalidInput, match="now pages by key: start again without `after`"):
        decode_key(encode_cursor(40))
    # The audit log's cursor before every list shared one codec still reads as its one-part key.
    assert decode_key(base64.urlsafe_b64encode(b"key:17").decode()) == (17,)
