"""Sureel: output-level influence percentages per registered asset.

Sureel publishes how rights holders register assets (title and creators required; ISRC, ISWC
optional; its own asset ids) but, as far as we could find, no public schema for its attribution
results. The payload below is therefore *our* design in Sureel's terms, agreed as the integration
contract (see docs/attribution-formats.md, "Sureel"); if Sureel's actual output differs, only this
module changes:

    {
      "analysis_id": "sa_01HZX...",            -> vendor_report_id
      "status": "completed",                    only finished analyses are accepted
      "completed_at": "2025-06-01T09:30:00Z",   -> computed_at (must carry a zone)
      "model": {"name": "...", "version": "..."},  -> method, method_version
      "output": {"reference": "<our output id>", "sha256": "<64 hex>"},  at least one
      "attributions": [
        {"asset": {"id": "sr_ast_...", "type": "composition" | "recording",
                   "title": "...", "creators": ["..."], "iswc": "...", "isrc": "..."},
         "influence_pct": "31.5",               percentage of the whole output, 0..100
         "confidence": "0.92",                  optional, 0..1
         "segments": [{"start": 0, "end": 12.5, "source_start": 40, "source_end": 52.5}]}
      ]
    }

Per asset type the percentages add up to at most 100; what is left is unattributed.
"""

from __future__ import annotations

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
    right_type,
    text,
)
from registry.attribution import AttributionReport, RightType, validate_report

FORMAT_NAME = "sureel"

_ASSET_TYPES = {"composition": RightType.COMPOSITION, "recording": RightType.MASTER}
_RENAMES = {
    "vendor_report_id": "analysis_id",
    "computed_at": "completed_at",
    "method": "model.name",
    "method_version": "model.version",
    "output_id": "output.reference",
    "output_content_hash": "output.sha256",
    "reference": "asset",
    "reference.iswc": "asset.iswc",
    "reference.isrc": "asset.isrc",
    "reference.vendor_work_id": "asset.id",
    "reference.title": "asset.title",
    "reference.creators": "asset.creators",
    "right_type": "asset.type",
    "score": "influence_pct",
}


def parse(payload: Payload, *, vendor_id: str) -> AttributionReport:
    """One finished Sureel analysis as our report. Raises InvalidInput naming the Sureel field."""
    body = as_mapping(load_json(payload, what="Sureel payload"), "payload")
    status = required(body, "status", "")
    if status != "completed":
        raise problem(
            "status", f"only completed analyses can be recorded (got {status!r}); send it when done"
        )
    model = as_mapping(required(body, "model", ""), "model")
    output = as_mapping(required(body, "output", ""), "output")

    influences: list[dict[str, Any]] = []
    origins: list[str] = []
    for index, item in enumerate(as_list(required(body, "attributions", ""), "attributions")):
        where = f"attributions[{index}]"
        entry = as_mapping(item, where)
        influences.append(_influence(entry, where))
        origins.append(where)

    data = {
        "vendor_id": vendor_id,
        "vendor_report_id": text(body, "analysis_id", ""),
        "computed_at": text(body, "completed_at", ""),
        "method": text(model, "name", "model"),
        "method_version": text(model, "version", "model"),
        "output_id": text(output, "reference", "output", optional=True),
        "output_content_hash": text(output, "sha256", "output", optional=True),
        "influences": influences,
    }
    return validate_report(data, locate=influence_locator(origins, _RENAMES))


def _influence(entry: Any, where: str) -> dict[str, Any]:
    asset = as_mapping(required(entry, "asset", where), f"{where}.asset")
    asset_where = f"{where}.asset"
    influence: dict[str, Any] = {
        "reference": {
            "vendor_work_id": text(asset, "id", asset_where, optional=True),
            "iswc": text(asset, "iswc", asset_where, optional=True),
            "isrc": text(asset, "isrc", asset_where, optional=True),
            "title": text(asset, "title", asset_where, optional=True),
            "creators": names(asset, "creators", asset_where),
        },
        "right_type": right_type(required(asset, "type", asset_where), f"{asset_where}.type", _ASSET_TYPES),
        "score": percentage(required(entry, "influence_pct", where), f"{where}.influence_pct"),
        "segments": [
            _segment(as_mapping(s, f"{where}.segments[{i}]"), f"{where}.segments[{i}]")
            for i, s in enumerate(as_list(entry.get("segments") or [], f"{where}.segments"))
        ],
    }
    if entry.get("confidence") is not None:
        influence["confidence"] = number(entry["confidence"], f"{where}.confidence")
    return influence


def _segment(segment: Any, where: str) -> dict[str, Any]:
    result = {
        "output_start": number(required(segment, "start", where), f"{where}.start"),
        "output_end": number(required(segment, "end", where), f"{where}.end"),
    }
    for key in ("source_start", "source_end"):
        if segment.get(key) is not None:
            result[key] = number(segment[key], f"{where}.{key}")
    return result
