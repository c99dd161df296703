"""The replay guard of webhook deliveries, shared by every worker: `(:WebhookDelivery {key, expires_at})`.

`first_use` is atomic because MERGE on a key with a uniqueness constraint (V0006) takes the key's lock:
of two copies of one request arriving at once on different workers, exactly one creates the node.
Entries are kept until their timestamp could no longer pass the freshness check, then pruned; a pruned
key cannot come back, because its signature is stale by then and is refused before the guard is asked.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from graph.database import Database, Tx

# The node remembers which call created it; a later call sees another token and knows it is a replay.
FIRST_USE = """
MERGE (d:WebhookDelivery {key: $key})
ON CREATE SET d.expires_at = $expires_at, d.token = $token
RETURN d.token = $token AS first
"""
PRUNE = """
MATCH (d:WebhookDelivery) WHERE d.expires_at < $now
WITH d LIMIT $limit
DELETE d
RETURN count(*) AS pruned
"""
PRUNE_BATCH = 1000


class Neo4jReplayGuard:
    """signatures.ReplayGuard over the graph. Its writes are not audit events: run it outside a scope."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def first_use(self, key: str, *, expires_at: int) -> bool:
        # Drawn once, outside the transaction function: a retried transaction must carry the same token.
        token = secrets.token_hex(16)

        async def work(tx: Tx) -> bool:
            row = await tx.single(FIRST_USE, {"key": key, "expires_at": expires_at, "token": token})
            assert row is not None
            return bool(row["first"])

        fresh = await self._db.write(work)
        if fresh:
            # Pruning rides along with new deliveries, a batch at a time, so no scheduler is needed.
            await self.prune()
        return fresh

    async def prune(self) -> int:
        rows = await self._db.run_write(PRUNE, {"now": int(self._clock()), "limit": PRUNE_BATCH})
        return int(rows[0]["pruned"]) if rows else 0
