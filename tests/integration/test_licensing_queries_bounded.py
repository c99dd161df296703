"""N+1 guard: the number of Neo4j queries a licensing request makes does not grow with its answer."""

from __future__ import annotations

import pytest

from graph.database import Database, QueryCounter
from tests.integration.licensing_graph import add_work, consent_for, grant, setup_licence
from tests.support import ADMIN_SECRET, GraphQLClient

pytestmark = pytest.mark.integration

CATALOGUE = """
query($n: Int!) {
  licensableWorks(scope: TRAINING, first: $n, grantId: "g1") {
    totalCount
    edges { node { id title creators { id name } shares { role performingBp } recordings { isrc } } }
  }
}
"""
HISTORY = """
query($n: Int!) {
  consents(first: $n) { totalCount edges { node { id creator { id name } work { id title } } } }
}
"""
GRANTS = """
query($n: Int!) {
  grants(first: $n) { edges { node { id licensee { name } licenceVersion { version } } } }
}
"""


async def _queries(gql: GraphQLClient, query: str, n: int, key: str) -> tuple[int, int]:
    async with QueryCounter.counting() as count:
        result = await gql(query, {"n": n}, key=key)
    data = result.data
    edges = next(iter(data.values()))["edges"]
    return count[0], len(edges)


async def test_nested_fields_batch_whatever_the_page_size(gql: GraphQLClient, db: Database) -> None:
    await setup_licence(gql)
    for i in range(40):
        await add_work(db, f"w{i:02d}", {f"c{i % 7}": 5000, f"c{(i + 1) % 7}": 5000})
        await grant(gql, f"g{i}")
        await consent_for(gql, f"kw{i}", f"c{i % 7}", work_id=f"w{i:02d}")
    for c in range(7):
        # Dated earlier, so it sorts after the work consents (newest first) whatever the page size.
        await consent_for(gql, f"z{c}", f"c{c}", since="2023-01-01T00:00:00Z")
    lic = await gql.key_for("LICENSEE", "lic-1")
    for query, key in [(CATALOGUE, ADMIN_SECRET), (HISTORY, ADMIN_SECRET), (GRANTS, lic)]:
        small, small_edges = await _queries(gql, query, 5, key)
        large, large_edges = await _queries(gql, query, 40, key)
        assert (small_edges, large_edges) == (5, 40), query
        assert small == large, (query, small, large)


async def test_licensable_page_counts_only_when_asked(gql: GraphQLClient, db: Database) -> None:
    """A page of licensable works without totalCount skips the count (the one query that judges the whole
    catalogue) and still says truly whether a next page exists."""
    await setup_licence(gql)
    for i in range(7):
        await add_work(db, f"w{i:02d}", {f"c{i}": 10000})
        await consent_for(gql, f"k{i}", f"c{i}")
    page = "query($n: Int!) { licensableWorks(scope: TRAINING, first: $n) { %s edges { node { id } } %s } }"
    counted, _ = await _queries(gql, page % ("totalCount", ""), 3, ADMIN_SECRET)
    uncounted, _ = await _queries(gql, page % ("", ""), 3, ADMIN_SECRET)
    assert uncounted == counted - 1, (counted, uncounted)
    more = page % ("", "pageInfo { hasNextPage endCursor }")
    first = (await gql(more, {"n": 3}, key=ADMIN_SECRET)).data["licensableWorks"]
    last = (await gql(more, {"n": 7}, key=ADMIN_SECRET)).data["licensableWorks"]
    assert [len(first["edges"]), first["pageInfo"]["hasNextPage"]] == [3, True]
    assert [len(last["edges"]), last["pageInfo"]["hasNextPage"]] == [7, False]
