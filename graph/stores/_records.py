"""Small conversions shared by the licensing stores: Neo4j temporal values and idempotent replays."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from registry.errors import Conflict


def native(value: Any) -> datetime | None:
    """A Neo4j DateTime as a Python datetime (aware, as stored); None stays None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    converted: datetime = value.to_native()
    return converted


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def from_epoch_us(value: int) -> datetime:
    """A time a query returned as microseconds since the epoch (`t.epochSeconds * 1000000 + t.microsecond`),
    as an aware UTC datetime. Queries that return many times use this form: the driver's DateTime hydration
    is pure Python and costs more than the rest of decoding a large answer."""
    return _EPOCH + timedelta(microseconds=value)


def optional_epoch_us(value: int | None) -> datetime | None:
    return None if value is None else from_epoch_us(value)


def required_native(value: Any) -> datetime:
    moment = native(value)
    if moment is None:
        raise ValueError("a required time property is missing from the graph")
    return moment


def taken(kind: str, record_id: str) -> Conflict:
    """Another party's record holds the id: the answer names nothing of it (docs/access.md, "Refusals").

    Licensee-declared ids live in their licensee's namespace (registry.record_ids), so only a record stored
    under an id outside that rule, before it held, can meet a declaration of another licensee here.
    """
    return Conflict(f"{kind} id {record_id!r} is not available; choose another id.")


def require_same(kind: str, record_id: str, stored: Mapping[str, Any], sent: Mapping[str, Any]) -> None:
    """A retried write returns the stored record; the same id with different content is a CONFLICT.

    When the stored record is another licensee's, the CONFLICT names no field of it.
    """
    if "licensee_id" in sent and stored.get("licensee_id") != sent["licensee_id"]:
        raise taken(kind, record_id)
    differing = sorted(
        key for key, value in sent.items() if _comparable(stored.get(key)) != _comparable(value)
    )
    if differing:
        raise Conflict(
            f"{kind} {record_id!r} already exists with different {', '.join(differing)}; a retry must "
            "send the same values, and a new record needs a new id.",
            details={"id": record_id, "fields": differing},
        )


def _comparable(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(str(v) for v in value)
    if hasattr(value, "to_native"):
        return value.to_native()
    return value
