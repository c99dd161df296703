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
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo, field_validator, model_validator

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
    read_payload,
)
from registry.attribution import AttributionReport, RightType, percent_to_fraction

FORMAT_NAME = "musical_ai"

HUNDRED = Decimal(100)
SIDE_TOLERANCE = Decimal("0.01")  # percentage points, the rounding of two-place percentages

_SIDES = {"composition": RightType.COMPOSITION, "master": RightType.MASTER}
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


class Source(VendorModel):
    id: OptionalText = None
    iswc: OptionalText = None
    isrc: OptionalText = None
    title: OptionalText = None
    writers: Names = ()  # creator names of a composition
    artists: Names = ()  # creator names of a recording


class Segment(VendorModel):
    output_start: Number
    output_end: Number
    source_start: OptionalNumber = None
    source_end: OptionalNumber = None


class Share(VendorModel):
    source: Source
    share: Percent
    confidence: OptionalNumber = None
    segments: Annotated[tuple[Segment, ...], BeforeValidator(list_or_empty)] = ()

    def canonical(self, right: RightType) -> dict[str, Any]:
        source = self.source
        influence: dict[str, Any] = {
            "reference": {
                "vendor_work_id": source.id,
                "iswc": source.iswc,
                "isrc": source.isrc,
                "title": source.title,
                "creators": list(source.writers if right is RightType.COMPOSITION else source.artists),
            },
            "right_type": right,
            "score": percent_to_fraction(self.share),
            "segments": [segment.model_dump(exclude_none=True) for segment in self.segments],
        }
        if self.confidence is not None:
            influence["confidence"] = self.confidence
        return influence


class Side(VendorModel):
    """The shares of one right; with `unattributed` they add up to 100 %."""

    unattributed: OptionalNumber = None
    shares: tuple[Share, ...]

    @field_validator("shares")
    @classmethod
    def _adds_up(cls, shares: tuple[Share, ...], info: ValidationInfo) -> tuple[Share, ...]:
        total = sum((share.share for share in shares), info.data.get("unattributed") or Decimal(0))
        if abs(total - HUNDRED) > SIDE_TOLERANCE:
            raise ValueError(
                f"shares and unattributed add up to {total} %, expected 100 %; "
                "report what no source explains as `unattributed`"
            )
        return shares


class Output(VendorModel):
    output_id: OptionalText = None
    content_sha256: OptionalText = None


class MusicalAiRecord(VendorModel):
    """One Musical AI attribution record, as Musical AI sends it."""

    attribution_id: Text
    created_at: Text
    engine: Engine
    output: Output
    composition: Side | None = None
    master: Side | None = None

    @model_validator(mode="after")
    def _has_a_side(self) -> MusicalAiRecord:
        if self.composition is None and self.master is None:
            raise ValueError("give composition or master shares (or both)")
        return self

    def sides(self) -> list[tuple[str, RightType, Side]]:
        present = {"composition": self.composition, "master": self.master}
        return [(name, _SIDES[name], side) for name, side in present.items() if side is not None]


def parse(payload: Payload, *, vendor_id: str) -> AttributionReport:
    """One Musical AI attribution record as our report. Raises InvalidInput naming the field."""
    record = read_payload(MusicalAiRecord, payload, what="Musical AI payload")
    influences = [
        (f"{name}.shares[{index}]", share.canonical(right))
        for name, right, side in record.sides()
        for index, share in enumerate(side.shares)
    ]
    return canonical_report(
        vendor_id,
        report_id=record.attribution_id,
        computed_at=record.created_at,
        engine=record.engine,
        output=(record.output.output_id, record.output.content_sha256),
        influences=influences,
        renames=_RENAMES,
    )
