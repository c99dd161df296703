"""The CATALOGUE training basis at catalogue scale: the licensed catalogue aggregated in Neo4j, in pages.

A licence whose `training_basis` is CATALOGUE spreads a run's training fee equally over every work that
was licensable for TRAINING when the run's grant was made. A catalogue has a million works, so nothing
per work reaches Python: Neo4j walks the works in pages of `PAGE` ids (one range on the id index), keeps
the licensable ones (`rights.LICENSABLE_FILTER`, the Cypher form of registry.rights' work rule, tested to
agree with it) and sums, per (creator, role, the work's total for the right), the creator's basis points
and the number of works. Python adds those integers across pages; `registry.royalties.rules.
catalogue_leaves` turns them into exact fractions: a creator's part is the sum over its works of
`bp / total / N`, which per group is `bp_sum / (total * N)`, exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from graph.database import Database
from graph.stores.licensing.rights import LICENSABLE_FILTER
from registry.rights import Scope
from registry.royalties.rules import CatalogueHolding, CatalogueTotals
from registry.shares import Right

PAGE = 50_000

# The last id of the next page of works (by id), and how many the page has.
CATALOGUE_PAGE_END = """
MATCH (w:Work) WHERE w.id > $after
WITH w.id AS id ORDER BY id LIMIT $limit
RETURN max(id) AS last, count(*) AS works
"""
CATALOGUE_PAGE = (
    """
MATCH (w:Work)
WHERE w.id > $after AND w.id <= $last AND coalesce(w.status, 'ACTIVE') <> 'WITHDRAWN'
"""
    + LICENSABLE_FILTER
    + """
CALL (w) {
  MATCH (c:Creator)-[s:HOLDS_SHARE]->(w)
  WITH c.id AS creator, s.role AS role, sum(coalesce(s[$bp_key], 0)) AS bp
  WHERE bp > 0
  RETURN collect([creator, role, bp]) AS holdings, sum(bp) AS total
}
WITH count(*) AS licensable, sum(CASE total WHEN 0 THEN 1 ELSE 0 END) AS unshared,
     collect(CASE WHEN total > 0 THEN {holdings: holdings, total: total} END) AS shared
UNWIND (CASE size(shared) WHEN 0 THEN [null] ELSE shared END) AS work
UNWIND (CASE WHEN work IS NULL THEN [null] ELSE work.holdings END) AS h
WITH licensable, unshared, h[0] AS creator, h[1] AS role, work.total AS total,
     sum(h[2]) AS bp, count(*) AS works
RETURN licensable, unshared,
       [x IN collect([creator, role, total, bp, works]) WHERE x[0] IS NOT NULL] AS holdings
"""
)

_BP_KEYS = {
    Right.PERFORMING: "performing_bp",
    Right.MECHANICAL: "mechanical_bp",
    Right.SYNCHRONISATION: "synchronisation_bp",
}


@dataclass
class CatalogueCache:
    """Catalogue totals by (moment, right): a period's models trained under one grant read it once."""

    totals: dict[tuple[datetime, Right], CatalogueTotals] = field(default_factory=dict)


async def catalogue_totals(
    db: Database, at: datetime, right: Right, cache: CatalogueCache, *, page: int = PAGE
) -> CatalogueTotals:
    """The licensed catalogue at `at`, summed per (creator, role, work total) for `right`."""
    key = (at, right)
    if key in cache.totals:
        return cache.totals[key]
    sums: dict[tuple[str, str, int], list[int]] = {}
    licensable = unshared = 0
    after = ""
    while True:
        bounds = await db.run_read(CATALOGUE_PAGE_END, {"after": after, "limit": page})
        if not bounds or not bounds[0]["works"]:
            break
        last = bounds[0]["last"]
        params = {
            "after": after,
            "last": last,
            "scope": Scope.TRAINING.value,
            "at": at,
            "bp_key": _BP_KEYS[right],
        }
        for row in await db.run_read(CATALOGUE_PAGE, params):
            licensable += row["licensable"]
            unshared += row["unshared"]
            for creator, role, total, bp, works in row["holdings"]:
                entry = sums.setdefault((creator, role, total), [0, 0])
                entry[0] += bp
                entry[1] += works
        after = last
    holdings = tuple(
        CatalogueHolding(creator, role, total, bp, works)
        for (creator, role, total), (bp, works) in sorted(sums.items())
    )
    found = cache.totals[key] = CatalogueTotals(licensable, unshared, holdings)
    return found
