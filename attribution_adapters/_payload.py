"""Reading vendor payloads: JSON without floats, and typed field access that says where a problem is.

Every adapter reports problems in the vendor's own terms (`attributions[3].influence_pct`), because
the person fixing them is looking at the payload they sent, not at our model.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from registry.attribution import RightType, location, percent_to_fraction
from registry.errors import InvalidInput

Payload = bytes | Mapping[str, Any]


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def load_json(payload: bytes | str | Mapping[str, Any], *, what: str) -> Any:
    """Decode a JSON body with every number as an exact Decimal (never a float)."""
    if isinstance(payload, Mapping):
        return payload
    try:
        text = payload.decode("utf-8-sig") if isinstance(payload, bytes) else payload
        return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{what} is not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            details={"line": exc.lineno, "column": exc.colno},
        ) from exc
    except ValueError as exc:
        raise InvalidInput(f"{what} is not valid JSON: {exc}") from exc


def problem(where: str, message: str) -> InvalidInput:
    return InvalidInput(f"{where}: {message}", details={"errors": [{"field": where, "message": message}]})


def as_mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise problem(where, f"must be an object, got {_kind(value)}")
    return value


def as_list(value: Any, where: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise problem(where, f"must be a list, got {_kind(value)}")
    return value


def required(obj: Mapping[str, Any], key: str, where: str) -> Any:
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise problem(join(where, key), "is required")
    return value


def text(obj: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> str | None:
    value = obj.get(key) if optional else required(obj, key, where)
    if value is None:
        return None
    if not isinstance(value, str):
        raise problem(join(where, key), f"must be a string, got {_kind(value)}")
    return value


def names(obj: Mapping[str, Any], key: str, where: str) -> list[str]:
    """An optional list of names (creators, writers, artists)."""
    value = obj.get(key)
    if value is None:
        return []
    items = as_list(value, join(where, key))
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise problem(f"{join(where, key)}[{index}]", f"must be a string, got {_kind(item)}")
    return list(items)


def number(value: Any, where: str) -> Decimal:
    """An exact number from a JSON number, a decimal string or an int; floats are refused."""
    if isinstance(value, bool | float):
        raise problem(where, f"send {value!r} as a decimal string or exact JSON number, not a float")
    if isinstance(value, Decimal | int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise problem(where, f"{value!r} is not a number") from None
    else:
        raise problem(where, f"must be a number, got {_kind(value)}")
    if not result.is_finite():
        raise problem(where, f"{value!r} is not a finite number")
    return result


def percentage(value: Any, where: str) -> Decimal:
    """A vendor percentage (0..100) as our fraction (0..1), exactly."""
    result = number(value, where)
    if not 0 <= result <= 100:
        raise problem(where, f"must be a percentage between 0 and 100 (got {result})")
    return percent_to_fraction(result)


def right_type(value: Any, where: str, aliases: Mapping[str, RightType]) -> RightType:
    key = value.strip().lower() if isinstance(value, str) else None
    if key is None or key not in aliases:
        allowed = ", ".join(sorted(aliases))
        raise problem(where, f"must be one of {allowed} (got {value!r})")
    return aliases[key]


def join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def influence_locator(
    origins: Sequence[str], renames: Mapping[str, str]
) -> Callable[[tuple[int | str, ...]], str]:
    """Map a canonical error path (`influences`, 3, `score`) back to the vendor's path.

    `origins[k]` is where influence k came from in the payload; `renames` maps our field names
    (dotted, as in `reference.iswc`) to the vendor's.
    """

    def locate(loc: tuple[int | str, ...]) -> str:
        if len(loc) >= 2 and loc[0] == "influences" and isinstance(loc[1], int) and loc[1] < len(origins):
            rest = location(loc[2:])
            head = rest.split("[", 1)[0]
            renamed = renames.get(head)
            if renamed is not None:
                rest = renamed + rest[len(head) :]
            return join(origins[loc[1]], rest) if rest else origins[loc[1]]
        top = location(loc)
        return renames.get(top, top)

    return locate


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return "a number" if isinstance(value, int | float | Decimal) else type(value).__name__
