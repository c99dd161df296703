"""What the stores share about records: the one row-to-record mapper, Neo4j times, idempotent replays."""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from registry.errors import Conflict

R = TypeVar("R")
_Convert = Callable[[Any], Any]
_Plan = tuple[tuple[str, "_Convert | None", "_Convert"], ...]
_PLANS: dict[type, _Plan] = {}


def record_from_row(cls: type[R], row: Mapping[str, Any], /, **derived: Any) -> R:
    """The dataclass `cls` (a store's record, or a GraphQL type) from a driver row (a property map), each
    field from the value of its name, converted as the field's type says: a Neo4j time or ISO text to a
    datetime, a string to its enum or Decimal, a JSON string to a dict, a list to a tuple or frozenset of
    those, a map to a nested record. A missing or null value takes the field's default, or None when the
    field is optional; a required field without one raises, naming it. `derived` gives, as they are, the
    fields the row does not hold under their names.
    """
    plan = _PLANS.get(cls) or _plan(cls)
    values = {}
    for name, convert, missing in plan:
        if name in derived:
            values[name] = derived[name]
            continue
        value = row.get(name)
        if value is None:
            values[name] = missing(name)
        else:
            values[name] = value if convert is None else convert(value)
    return cls(**values)


def _plan(cls: type) -> _Plan:
    hints = typing.get_type_hints(cls)
    plan = tuple(
        (f.name, _converter(hints[f.name]), _when_missing(cls, f, hints[f.name]))
        for f in dataclasses.fields(cls)
        if f.init
    )
    _PLANS[cls] = plan
    return plan


def _when_missing(cls: type, field: dataclasses.Field[Any], hint: Any) -> _Convert:
    if field.default is not dataclasses.MISSING:
        default = field.default
        return lambda _name: default
    if field.default_factory is not dataclasses.MISSING:
        factory = field.default_factory
        return lambda _name: factory()
    if _optional(hint):
        return lambda _name: None

    def required(name: str) -> Any:
        raise ValueError(f"{cls.__name__} needs {name!r}, which the graph row does not hold")

    return required


def _moment(value: Any) -> datetime:
    # The audit chain stores its times as the ISO text it hashes (graph/audit.py); the rest as Neo4j times.
    return datetime.fromisoformat(value) if isinstance(value, str) else required_native(value)


def _optional(hint: Any) -> bool:
    # `str | None` is a types.UnionType; a NewType's (`strawberry.ID | None`) is a typing.Union.
    return typing.get_origin(hint) in (types.UnionType, typing.Union) and type(None) in typing.get_args(hint)


def _converter(hint: Any) -> _Convert | None:
    """How a non-null driver value becomes a value of `hint`; None when it is already one."""
    if _optional(hint):
        (hint,) = (a for a in typing.get_args(hint) if a is not type(None))
    origin = typing.get_origin(hint)
    if origin in (tuple, frozenset):
        item = _converter(typing.get_args(hint)[0])
        container: Callable[[Any], Any] = origin
        return container if item is None else lambda v: container(map(item, v))
    if origin is dict or hint is dict:
        return lambda v: json.loads(v) if isinstance(v, str) else v
    if hint is datetime:
        return _moment
    if hint is bool or hint is Decimal or (isinstance(hint, type) and issubclass(hint, enum.Enum)):
        return typing.cast(_Convert, hint)
    if dataclasses.is_dataclass(hint):
        record = typing.cast(type, hint)
        return lambda v: record_from_row(record, v)
    return None


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
