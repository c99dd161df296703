"""Frozen pydantic models built from values already validated, on paths that build hundreds of thousands.

The CWR parser validates every field it reads, and the CWR import registers what the parser accepted:
validating each model again (`BaseModel.__init__`), or even pydantic's own `model_construct` (which walks
each field's aliases and defaults per call), cost a CWR import a third of its time.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["trusted"]

_M = TypeVar("_M", bound=BaseModel)


def trusted(model: type[_M], **values: Any) -> _M:
    """`model` holding `values` unchecked. Every field must be given, each already of its field's
    type and constraints: nothing is validated, defaulted or converted."""
    item = model.__new__(model)
    object.__setattr__(item, "__dict__", values)
    object.__setattr__(item, "__pydantic_fields_set__", set(values))
    object.__setattr__(item, "__pydantic_extra__", None)
    object.__setattr__(item, "__pydantic_private__", None)
    return item
