"""Full garbage collections deferred while a bulk load runs.

A bulk load keeps hundreds of thousands of objects alive at once (a batch of parsed works and their
registrations, the parser's caches), and CPython's full collection walks every live object each time enough
new ones have survived a younger collection: about twenty walks for 10,000 CWR works, a quarter of the
import's time, for garbage the young collections or reference counting free anyway. While any bulk load
runs, the oldest generation's threshold is raised; young collections still run, so the short-lived cycles
of requests served meanwhile are still collected, and older ones wait until the last bulk load ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["DEFERRED_THRESHOLD", "full_collections_deferred"]

# The oldest generation's threshold while deferred: in effect never, for a load of any size.
DEFERRED_THRESHOLD = 1_000_000


class _Deferral:
    """How many bulk loads are running, and the oldest generation's threshold from before the first."""

    def __init__(self) -> None:
        self.running = 0
        self.saved = 0

    def enter(self) -> None:
        if self.running == 0:
            young, middle, self.saved = gc.get_threshold()
            gc.set_threshold(young, middle, DEFERRED_THRESHOLD)
        self.running += 1

    def leave(self) -> None:
        self.running -= 1
        if self.running == 0:
            young, middle, _ = gc.get_threshold()
            gc.set_threshold(young, middle, self.saved)


_DEFERRAL = _Deferral()


@contextmanager
def full_collections_deferred() -> Iterator[None]:
    """Defer full collections until this and every other bulk load running beside it has ended."""
    _DEFERRAL.enter()
    try:
        yield
    finally:
        _DEFERRAL.leave()
