"""Which parser reads which vendor format: the one table the webhook, the pull client and the
GraphQL mutation consult, so a format is added in one place.

Every entry returns a list, because the generic formats carry several reports per body and the
callers should not care which format they are holding.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Protocol

from attribution_adapters import generic, musical_ai, sureel
from registry.attribution import AttributionReport
from registry.errors import InvalidInput


class Adapter(Protocol):
    def __call__(self, payload: bytes | Mapping[str, Any], *, vendor_id: str) -> list[AttributionReport]: ...


def _sureel(payload: bytes | Mapping[str, Any], *, vendor_id: str) -> list[AttributionReport]:
    return [sureel.parse(payload, vendor_id=vendor_id)]


def _musical_ai(payload: bytes | Mapping[str, Any], *, vendor_id: str) -> list[AttributionReport]:
    return [musical_ai.parse(payload, vendor_id=vendor_id)]


def _generic_csv(payload: bytes | Mapping[str, Any], *, vendor_id: str) -> list[AttributionReport]:
    if not isinstance(payload, bytes):
        raise InvalidInput("generic CSV must be sent as the raw CSV body, not as an object")
    return generic.parse_csv(payload, vendor_id=vendor_id)


VENDOR_ADAPTERS: Mapping[str, Adapter] = MappingProxyType(
    {
        sureel.FORMAT_NAME: _sureel,
        musical_ai.FORMAT_NAME: _musical_ai,
        generic.JSON_FORMAT_NAME: generic.parse_json,
        generic.CSV_FORMAT_NAME: _generic_csv,
    }
)


def adapter_for(format_name: str) -> Adapter:
    """The parser for a vendor's configured format; InvalidInput names the known ones."""
    try:
        return VENDOR_ADAPTERS[format_name]
    except KeyError:
        known = ", ".join(sorted(VENDOR_ADAPTERS))
        raise InvalidInput(f"unknown attribution format {format_name!r}; known formats: {known}") from None
