"""Descriptions for the values of an enum the schema exposes: one call beside its `strawberry.enum`.

The domain's enums live in `registry/` (no GraphQL there), so their values are described where the schema
takes them in. Every value must be described, exactly once: a value added to a domain enum without a
description stops the schema from importing, before any test runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from enum import Enum

from strawberry.types.enum import StrawberryEnumDefinition


def enum_values(enum: type[Enum], descriptions: Mapping[str, str]) -> None:
    """Give each GraphQL value of `enum` (already passed to `strawberry.enum`) its description."""
    definition = getattr(enum, "__strawberry_definition__", None)
    if not isinstance(definition, StrawberryEnumDefinition):
        raise TypeError(f"{enum.__name__} is not a GraphQL enum yet: call strawberry.enum on it first.")
    names = [value.name for value in definition.values]
    if sorted(names) != sorted(descriptions):
        raise ValueError(
            f"Describe exactly the values of {definition.name}: {sorted(names)}; got {sorted(descriptions)}."
        )
    definition.values = [
        dataclasses.replace(value, description=descriptions[value.name]) for value in definition.values
    ]
