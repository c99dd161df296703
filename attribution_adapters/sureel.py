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

from typing import Annotated, Any

from pydantic import BeforeValidator, field_validator

from attribution_adapters._payload import (
    Engine,
    Names,
    Number,
    OptionalNumber,
    OptionalText,
    Payload,
    Percent,
    Text,
    VendorModel,
    canonical_report,
    list_or_empty,
    one_of,
    read_payload,
)
from registry.attribution import AttributionReport, RightType, percent_to_fraction

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


class Asset(VendorModel):
    id: OptionalText = None
    type: Annotated[RightType, one_of(_ASSET_TYPES)]
    title: OptionalText = None
    creators: Names = ()
    iswc: OptionalText = None
    isrc: OptionalText = None


class Segment(VendorModel):
    start: Number
    end: Number
    source_start: OptionalNumber = None
    source_end: OptionalNumber = None

    def canonical(self) -> dict[str, Any]:
        segment = {"output_start": self.start, "output_end": self.end}
        sources = {"source_start": self.source_start, "source_end": self.source_end}
        return segment | {key: value for key, value in sources.items() if value is not None}


class Attribution(VendorModel):
    asset: Asset
    influence_pct: Percent
    confidence: OptionalNumber = None
    segments: Annotated[tuple[Segment, ...], BeforeValidator(list_or_empty)] = ()

    def canonical(self) -> dict[str, Any]:
        influence: dict[str, Any] = {
            "reference": {
                "vendor_work_id": self.asset.id,
                "iswc": self.asset.iswc,
                "isrc": self.asset.isrc,
                "title": self.asset.title,
                "creators": list(self.asset.creators),
            },
            "right_type": self.asset.type,
            "score": percent_to_fraction(self.influence_pct),
            "segments": [segment.canonical() for segment in self.segments],
        }
        if self.confidence is not None:
            influence["confidence"] = self.confidence
        return influence


class Output(VendorModel):
    reference: OptionalText = None
    sha256: OptionalText = None


class SureelResult(VendorModel):
    """One Sureel analysis, as Sureel sends it."""

    analysis_id: Text
    status: Text
    completed_at: Text
    model: Engine
    output: Output
    attributions: tuple[Attribution, ...]

    @field_validator("status")
    @classmethod
    def _finished(cls, status: str) -> str:
        if status != "completed":
            raise ValueError(f"only completed analyses can be recorded (got {status!r}); send it when done")
        return status


def parse(payload: Payload, *, vendor_id: str) -> AttributionReport:
    """One finished Sureel analysis as our report. Raises InvalidInput naming the Sureel field."""
    result = read_payload(SureelResult, payload, what="Sureel payload")
    return canonical_report(
        vendor_id,
        report_id=result.analysis_id,
        computed_at=result.completed_at,
        engine=result.model,
        output=(result.output.reference, result.output.sha256),
        influences=[(f"attributions[{i}]", item.canonical()) for i, item in enumerate(result.attributions)],
        renames=_RENAMES,
    )
