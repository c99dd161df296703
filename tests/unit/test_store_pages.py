"""Listings page in the database: no store query builds every row of a list to slice one page from it."""

from __future__ import annotations

import importlib
import pkgutil
import re

import graph.stores
from graph.stores import provenance_reads

SLICED = re.compile(r"\[\s*\$offset\s*\.\.")
# Rows that are per-model aggregates: counting them aggregates every row anyway (provenance_reads.py).
AGGREGATED = {
    f"graph.stores.provenance_reads.{name}"
    for name in ("_TRAINED_TAIL", "TRAINED_ON_WORK", "TRAINED_ON_CREATOR")
}


def test_no_listing_collects_a_whole_list_to_slice_one_page() -> None:
    sliced = []
    for info in pkgutil.iter_modules(graph.stores.__path__, "graph.stores."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            where = f"{info.name}.{name}"
            if isinstance(value, str) and SLICED.search(value) and where not in AGGREGATED:
                sliced.append(where)
    assert sliced == [], f"use graph.stores._pages.page_query for these listings: {sliced}"
    # The exceptions name queries that exist: a renamed one does not keep its exemption.
    assert {f"graph.stores.provenance_reads.{n}" for n in vars(provenance_reads)} >= AGGREGATED
