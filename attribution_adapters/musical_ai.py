"""Musical AI: per-output shares that add up to 100 %, composition and master reported apart.

Musical AI says publicly that it measures proportional influence per output, that the total always
sums to 100 %, that sound recordings and compositions are attributed independently and reported
separately, and that records are traceable to output segments. It publishes no payload schema we
could find, so the shape below is our contract in those terms (docs/attribution-formats.md):

    {
      "attribution_id": "mai_att_...",          -> vendor_report_id
      "created_at": "2025-06-01T09:30:00Z",     -> computed_at
      "engine": {"name": "...", "version": "..."},
      "output": {"output_id": "<ours>", "content_sha256": "<64 hex>"},
      "composition": {
        "shares": [{"source": {"id": "...", "iswc": "...", "title": "...", "writers": ["..."]},
                    "share": "60.00", "confidence": "0.9",
                    "segments": [{"output_start": 0, "output_end": 12.5,
                                  "source_start": 40, "source_end": 52.5}]}],
        "unattributed": "40.00"
      },
      "master": {"shares": [{"source": {"id": "...", "isrc": "...", "title": "...", "artists": ["..."]},
                             "share": "100"}]}
    }

Each side present must add up to 100 % (shares plus `unattributed`) within 0.01 percentage
point, the rounding of two-place percentages; anything else means the payload is cut or wrong.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from attribution_adapters._payload import (
    Payload,
    as_list,
    as_mapping,
    influence_locator,
    load_json,
    names,
    number,
    percentage,
    problem,
    required,
    text,
)
from registry.attribution import AttributionReport, RightType, validate_report

FORMAT_NAME = "musical_ai"

HUNDRED = Decimal(100)
SIDE_TOLERANCE = Decimal("0.01")  # percentage points, the rounding of two-place percentages

_SIDES = {"composition": RightType.COMPOSITION, "master": RightType.MASTER}
# Writers for compositions, artists for recordings: the creator names each right is matched by.
_CREATOR_KEYS = {RightType.COMPOSITION: "writers", RightType.MASTER: "artists"}
_RENAMES = {
    "vendor_report_id": "attribution_id",
    "computed_at": "created_at",
    "method": "engine.name",
    "method_version": "engine.version",
    "output_id": "output.output_id",
    "output_content_hash": "output.content_sha256",
    "reference": "source",
    "reference.iswc": "source.iswc",
    "reference.isrc": "source.isrc",
    "reference.vendor_work_id": "source.id",
    "reference.title": "source.title",
    "score": "share",
}


def parse(payload: Payload, *, vendor_id: str) -> AttributionReport:
    """One Musical AI attribution record as our report. Raises InvalidInput naming the field."""
    body = as_mapping(load_json(payload, what="Musical AI payload"), "payload")
    engine = as_mapping(required(body, "engine", ""), "engine")
    output = as_mapping(required(body, "output", ""), "output")
    if not any(body.get(side) is not None for side in _SIDES):
        raise problem("composition", "give composition or master shares (or both)")

    influences: list[dict[str, Any]] = []
    origins: list[str] = []
    for side, right in _SIDES.items():
        if body.get(side) is None:
            continue
        side_body = as_mapping(body[side], side)
        total = Decimal(0)
        for index, item in enumerate(as_list(required(side_body, "shares", side), f"{side}.shares")):
            where = f"{side}.shares[{index}]"
            influence, percent = _influence(as_mapping(item, where), where, right)
            influences.append(influence)
            origins.append(where)
            total += percent
        if side_body.get("unattributed") is not None:
            total += number(side_body["unattributed"], f"{side}.unattributed")
        if abs(total - HUNDRED) > SIDE_TOLERANCE:
            raise problem(
                f"{side}.shares",
                f"shares and unattributed add up to {total} %, expected 100 %; "
                "report what no source explains as `unattributed`",
            )

    data = {
        "vendor_id": vendor_id,
        "vendor_report_id": text(body, "attribution_id", ""),
        "computed_at": text(body, "created_at", ""),
        "method": text(engine, "name", "engine"),
        "method_version": text(engine, "version", "engine"),
        "output_id": text(output, "output_id", "output", optional=True),
        "output_content_hash": text(output, "content_sha256", "output", optional=True),
        "influences": influences,
    }
    return validate_report(data, locate=influence_locator(origins, _RENAMES))


def _influence(entry: Any, where: str, right: RightType) -> tuple[dict[str, Any], Decimal]:
    source_where = f"{where}.source"
    source = as_mapping(required(entry, "source", where), source_where)
    share_percent = number(required(entry, "share", where), f"{where}.share")
    influence: dict[str, Any] = {
        "reference": {
            "vendor_work_id": text(source, "id", source_where, optional=True),
            "iswc": text(source, "iswc", source_where, optional=True),
            "isrc": text(source, "isrc", source_where, optional=True),
            "title": text(source, "title", source_where, optional=True),
            "creators": names(source, _CREATOR_KEYS[right], source_where),
        },
        "right_type": right,
        "score": percentage(share_percent, f"{where}.share"),
        "segments": [
            _segment(as_mapping(s, f"{where}.segments[{i}]"), f"{where}.segments[{i}]")
            for i, s in enumerate(as_list(entry.get("segments") or [], f"{where}.segments"))
        ],
    }
    if entry.get("confidence") is not None:
        influence["confidence"] = number(entry["confidence"], f"{where}.confidence")
    return influence, share_percent


def _segment(segment: Any, where: str) -> dict[str, Any]:
    result = {
        key: number(required(segment, key, where), f"{where}.{key}") for key in ("output_start", "output_end")
    }
    for key in ("source_start", "source_end"):
        if segment.get(key) is not None:
            result[key] = number(segment[key], f"{where}.{key}")
    return result
