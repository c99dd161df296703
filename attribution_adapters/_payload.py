"""Reading vendor payloads: JSON without floats, each vendor's payload described once as a model.

Every adapter reports problems in the vendor's own terms (`attributions[3].influence_pct`), because
the person fixing them is looking at the payload they sent, not at our model: a payload model names
the vendor's fields, so pydantic's error locations already are the vendor's paths.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from registry.attribution import AttributionReport, RightType, location, percent_to_fraction, validate_report
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


def exact(value: Any) -> Decimal:
    """An exact number from a JSON number, a decimal string or an int; floats are refused."""
    if isinstance(value, bool | float):
        raise ValueError(f"send {value!r} as a decimal string or exact JSON number, not a float")
    if isinstance(value, Decimal | int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
    else:
        raise ValueError(f"must be a number, got {_kind(value)}")
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


def exact_percent(value: Any) -> Decimal:
    """A vendor percentage, 0..100, exactly as sent (still in percent)."""
    result = exact(value)
    if not 0 <= result <= 100:
        raise ValueError(f"must be a percentage between 0 and 100 (got {result})")
    return result


def number(value: Any, where: str) -> Decimal:
    """`exact`, with a problem located at `where` (for hand-read formats such as CSV)."""
    try:
        return exact(value)
    except ValueError as exc:
        raise problem(where, str(exc)) from None


def percentage(value: Any, where: str) -> Decimal:
    """A vendor percentage (0..100) as our fraction (0..1), exactly."""
    try:
        return percent_to_fraction(exact_percent(value))
    except ValueError as exc:
        raise problem(where, str(exc)) from None


def join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


# --- payloads described as models ------------------------------------------------------------------


def _required_text(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("is required")
    if not isinstance(value, str):
        raise ValueError(f"must be a string, got {_kind(value)}")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _required_text(value)


def _names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise ValueError(f"must be a list, got {_kind(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise ValueError(f"item {index} must be a string, got {_kind(item)}")
    return tuple(value)


def _optional_number(value: Any) -> Decimal | None:
    return None if value is None else exact(value)


# The field types a vendor payload model is written in: each says what is wrong in plain words.
Text = Annotated[str, BeforeValidator(_required_text)]
OptionalText = Annotated[str | None, BeforeValidator(_optional_text)]
Names = Annotated[tuple[str, ...], BeforeValidator(_names)]
Number = Annotated[Decimal, BeforeValidator(exact)]
OptionalNumber = Annotated[Decimal | None, BeforeValidator(_optional_number)]
Percent = Annotated[Decimal, BeforeValidator(exact_percent)]


def one_of(aliases: Mapping[str, RightType]) -> BeforeValidator:
    """A right type written in the vendor's words (case-insensitive), as ours."""

    def read(value: Any) -> RightType:
        key = value.strip().lower() if isinstance(value, str) else None
        if key is None or key not in aliases:
            raise ValueError(f"must be one of {', '.join(sorted(aliases))} (got {value!r})")
        return aliases[key]

    return BeforeValidator(read)


def list_or_empty(value: Any) -> Any:
    """A list that may be left out or sent as null."""
    return [] if value is None else value


class VendorModel(BaseModel):
    """A vendor's payload as it is sent: unknown keys are the vendor's business and are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Engine(VendorModel):
    """The vendor's method: our `method` and `method_version`."""

    name: Text
    version: Text


VendorPayload = TypeVar("VendorPayload", bound=VendorModel)


def read_payload(model: type[VendorPayload], payload: Payload, *, what: str) -> VendorPayload:
    """Decode and validate a vendor payload; every problem is named by the vendor's own field path."""
    body = as_mapping(load_json(payload, what=what), "payload")
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        problems = [_vendor_problem(item) for item in exc.errors(include_url=False)]
        listed = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        count = f"{len(problems)} problems" if len(problems) > 1 else "1 problem"
        raise InvalidInput(f"Invalid {what} ({count}): {listed}", details={"errors": problems}) from exc


def _vendor_problem(item: Any) -> dict[str, str]:
    cause = (item.get("ctx") or {}).get("error")
    kind = item["type"]
    if isinstance(cause, ValueError):
        message = str(cause)
    elif kind == "missing":
        message = "is required"
    elif kind in {"model_type", "dict_type", "model_attributes_type"}:
        message = f"must be an object, got {_kind(item.get('input'))}"
    elif kind in {"list_type", "tuple_type"}:
        message = f"must be a list, got {_kind(item.get('input'))}"
    else:
        message = item["msg"]
    return {"field": location(tuple(item["loc"])) or "(payload)", "message": message}


def canonical_report(
    vendor_id: str,
    *,
    report_id: str,
    computed_at: str,
    engine: Engine,
    output: tuple[str | None, str | None],
    influences: Sequence[tuple[str, dict[str, Any]]],
    renames: Mapping[str, str],
) -> AttributionReport:
    """Our report from a vendor's parts; `output` is (our output id, content hash), `influences` pairs
    each canonical influence with where it came from in the payload, so problems name the vendor's path.
    """
    data = {
        "vendor_id": vendor_id,
        "vendor_report_id": report_id,
        "computed_at": computed_at,
        "method": engine.name,
        "method_version": engine.version,
        "output_id": output[0],
        "output_content_hash": output[1],
        "influences": [influence for _, influence in influences],
    }
    origins = [origin for origin, _ in influences]
    return validate_report(data, locate=influence_locator(origins, renames))


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
