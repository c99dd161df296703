"""What the app built to serve, kept out of the garbage collector's full walks while it serves.

CPython's full (oldest-generation) collection walks every object the collector tracks. A started app
holds about 130,000 of them (modules, the schema, the driver), and a 100-influence `trace` leaves enough
survivors behind that a full collection runs about every ten requests: each took 80-90 ms, walking mostly
the start-up objects, and was the request's p95. `gc.freeze()` moves every object alive at that moment
into a permanent generation that collections skip (BENCHMARKS.md, "Full collections"). What start-up
built lives as long as the app anyway; the few frozen objects that die meanwhile are freed by reference
counting, and only a cycle among them would wait for `thaw` at shutdown.
"""

from __future__ import annotations

import gc

__all__ = ["freeze_startup_objects", "thaw"]


def freeze_startup_objects() -> int:
    """Collect what start-up left as garbage, then freeze everything still alive; how many were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def thaw() -> None:
    """Give the frozen objects back to the collector (the app stops; its process may go on, as in tests)."""
    gc.unfreeze()
