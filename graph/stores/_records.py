"""Small conversions shared by the licensing stores: Neo4j temporal values and idempotent replays."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
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


def required_native(value: Any) -> datetime:
    moment = native(value)
    if moment is None:
        raise ValueError("a required time property is missing from the graph")
    return moment


def taken(kind: str, record_id: str) -> Conflict:
    """Another party's record holds the id: the answer names nothing of it (docs/access.md, "Refusals")."""
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
