"""The one way from a store's record to a GraphQL type, and from a GraphQL input to a domain model.

A type's fields and a record's attributes share their names, and so do an input's fields and a model's: both
mappers copy what has the same name, and the caller writes out only what differs (a renamed, formatted or
derived value). `strawberry.ID` is a name for `str`, so nothing needs wrapping on the way.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from pydantic import BaseModel

from graph.stores._records import record_from_row

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


_FIELDS: dict[type, tuple[str, ...]] = {}


def _init_fields(cls: type) -> tuple[str, ...]:
    # Resolver fields (methods) are not init fields: only the data a type holds is copied.
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.init)
    return names


def from_record(cls: type[T], source: object, /, **derived: Any) -> T:
    """`cls` holding `source`'s value of each of its fields, except the fields given in `derived` (a type may
    keep the record itself in a private `record` field). From a record, each value is the attribute of
    the field's name, and a field the record lacks raises, naming it. From a driver row (a dict), the
    stores' one row mapper converts each value as the field's type says (`record_from_row`)."""
    if isinstance(source, dict):
        return record_from_row(cls, source, **derived)
    return cls(**{n: derived[n] if n in derived else getattr(source, n) for n in _init_fields(cls)})


def to_model(model: type[M], given: object, /, **extra: Any) -> M:
    """`model` validated from a GraphQL input's fields of the same names (None for an omitted optional
    field, which the model's default then decides), plus `extra` (what the caller adds: the key's party,
    converted values). Validation errors are the model's own."""
    sent = {
        name: value
        for name, value in vars(given).items()
        if name in model.model_fields and value is not None and name not in extra
    }
    return model.model_validate(sent | extra)
