"""The window of times a client may state: from 2000-01-01 to one day past the service's clock.

A report, run or output dated year 9999 (or 0001) is a mistake or an attack, never a fact: a far-future
`computed_at` once kept a report current forever. The service orders what it receives by its own
receipt; the times clients state are recorded, and must lie in this window.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
# Clocks disagree: a moment up to a day ahead of ours is accepted.
FUTURE_SKEW = timedelta(days=1)
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def within_window(value: datetime, now: datetime | None = None) -> datetime:
    """`value` when it lies in the window; a ValueError that names the window otherwise."""
    latest = (now or datetime.now(UTC)) + FUTURE_SKEW
    if value.tzinfo is None:
        return value  # the caller's own check asks for a zone, with its own message
    if not EARLIEST <= value <= latest:
        raise ValueError(
            f"{value.isoformat()} is outside the accepted window: from {EARLIEST.date()} to one day "
            f"from now ({latest.isoformat(timespec='seconds')})"
        )
    return value
