"""`Tx.rows`: a query's rows packed into one record (`RETURN collect({...}) AS rows`) come back as rows."""

from __future__ import annotations

import pytest

from graph.database import Database, Tx

pytestmark = pytest.mark.integration

PACKED = """
UNWIND $items AS item
RETURN collect({n: item, doubled: item * 2, names: ['a' + item, 'b' + item]}) AS rows
"""
NO_RECORD = "MATCH (n:NoSuchLabel) RETURN collect(n.id) AS rows, n.id AS id"


async def test_packed_rows_come_back_in_order_as_plain_rows(db: Database) -> None:
    async def read(tx: Tx) -> list[dict[str, object]]:
        return await tx.rows(PACKED, {"items": [3, 1, 2]})

    rows = await db.read(read)
    assert rows == [
        {"n": 3, "doubled": 6, "names": ["a3", "b3"]},
        {"n": 1, "doubled": 2, "names": ["a1", "b1"]},
        {"n": 2, "doubled": 4, "names": ["a2", "b2"]},
    ]


async def test_nothing_to_pack_is_no_rows(db: Database) -> None:
    async def empty(tx: Tx) -> list[dict[str, object]]:
        return await tx.rows(PACKED, {"items": []})

    async def no_record(tx: Tx) -> list[dict[str, object]]:
        return await tx.rows(NO_RECORD)  # grouped by n.id: no group, so no record at all

    assert await db.read(empty) == []
    assert await db.read(no_record) == []
