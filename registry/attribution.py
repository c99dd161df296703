"""The canonical attribution report: which human works influenced one generated output, and by how much.

Every way in (GraphQL mutation, vendor webhook, pull client) ends in this one model, so the
validation, the de-duplication digest and the supersession rule live here once and nowhere else.
Numbers are `Decimal` end to end: a score decides money, and binary floats would make the same
report sum differently on different paths.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, localcontext
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)

from registry.errors import InvalidIdentifier, InvalidInput
from registry.identifiers import parse_isrc, parse_iswc
from registry.moments import within_window

# Twelve places resolve a share of a single minor unit of any realistic pool, and the bound
# keeps every sum exact within Decimal's default 28 significant digits.
MAX_DECIMAL_PLACES = 12
# Vendors round percentages to two places, so a side may add up to 100.01 %. One hundredth of a
# percentage point, exactly, is the slack allowed above a total of 1; nothing else is rounded.
TOTAL_TOLERANCE = Decimal("0.0001")
MAX_INFLUENCES = 10_000
MAX_SEGMENTS = 1_000
_MAX_INTEGER_DIGITS = 15  # past any bound we check, and small enough that no Decimal op can overflow
MAX_SECONDS = Decimal(86_400)  # a generated track longer than a day is a unit error, not music
MAX_TEXT = 500
MAX_CREATORS = 100
DIGEST_VERSION = "opustrace.attribution.v1"

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class RightType(StrEnum):
    """Which right an influence is about: the song (COMPOSITION → Work) or the sound (MASTER → Recording)."""

    COMPOSITION = "COMPOSITION"
    MASTER = "MASTER"


# --- exact decimals ------------------------------------------------------------------------------


def _refuse_floats(value: object) -> object:
    # A float has already lost the vendor's digits (0.1 is not 1/10); make the caller send text.
    if isinstance(value, bool):
        raise ValueError("must be a number, not true/false")
    if isinstance(value, float):
        raise ValueError(f'send {value!r} as a decimal string (e.g. "{value}"), not a binary float')
    return value


def canonical_decimal(value: Decimal) -> Decimal:
    """The one spelling of a number: no trailing zeros, no exponent, so 0.30 and 0.3 digest alike."""
    if not value.is_finite():
        raise ValueError("must be a finite number")
    if value.adjusted() > _MAX_INTEGER_DIGITS:
        raise ValueError(f"is far too large ({value:.3e})")
    with localcontext() as ctx:
        ctx.prec = 60  # wide enough that normalising never rounds a value we then accept
        normal = value.normalize()
        if normal == 0:
            return Decimal(0)
        exponent = normal.as_tuple().exponent
        assert isinstance(exponent, int)  # finite values have an int exponent
        if exponent < -MAX_DECIMAL_PLACES:
            raise ValueError(f"has more than {MAX_DECIMAL_PLACES} decimal places; round it")
        if exponent > 0:
            normal = normal.quantize(Decimal(1))
    return normal


def _fraction(value: Decimal) -> Decimal:
    value = canonical_decimal(value)
    if not 0 <= value <= 1:
        raise ValueError(f"must be between 0 and 1 (got {value}); if it is a percentage, divide it by 100")
    return value


def _seconds(value: Decimal) -> Decimal:
    value = canonical_decimal(value)
    if not 0 <= value <= MAX_SECONDS:
        raise ValueError(f"must be between 0 and {MAX_SECONDS} seconds (got {value})")
    return value


def decimal_text(value: Decimal) -> str:
    """Plain positional text (never `1E-7`), the form GraphQL and the digest carry."""
    return format(value, "f")


_DecimalJson = PlainSerializer(decimal_text, return_type=str, when_used="json")
Fraction = Annotated[Decimal, BeforeValidator(_refuse_floats), AfterValidator(_fraction), _DecimalJson]
Seconds = Annotated[Decimal, BeforeValidator(_refuse_floats), AfterValidator(_seconds), _DecimalJson]


def _text(value: str) -> str:
    # NFC so a title typed with a combining accent is the same report as one with a precomposed one.
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        raise ValueError("must not be blank")
    if len(value) > MAX_TEXT:
        raise ValueError(f"must be at most {MAX_TEXT} characters")
    return value


Text = Annotated[str, AfterValidator(_text)]


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- the parts of a report -----------------------------------------------------------------------


class InfluenceReference(_Frozen):
    """What the vendor says influenced the output: an ISWC, an ISRC, the vendor's own id, or a title
    with creator names. Several may be given; resolution tries ISWC, then ISRC, then the vendor id,
    then title and creators."""

    iswc: Annotated[Text | None, BeforeValidator(_blank_to_none)] = None
    isrc: Annotated[Text | None, BeforeValidator(_blank_to_none)] = None
    vendor_work_id: Annotated[Text | None, BeforeValidator(_blank_to_none)] = None
    title: Annotated[Text | None, BeforeValidator(_blank_to_none)] = None
    creators: tuple[Text, ...] = ()

    @field_validator("iswc")
    @classmethod
    def _canonical_iswc(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return parse_iswc(value)
        except InvalidIdentifier as exc:  # pydantic only turns ValueError into a located error
            raise ValueError(exc.message) from exc

    @field_validator("isrc")
    @classmethod
    def _canonical_isrc(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            canonical, _warnings = parse_isrc(value)
        except InvalidIdentifier as exc:
            raise ValueError(exc.message) from exc
        return canonical

    @field_validator("creators")
    @classmethod
    def _few_creators(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(value) > MAX_CREATORS:
            raise ValueError(f"at most {MAX_CREATORS} creator names")
        return value

    @model_validator(mode="after")
    def _identifies_something(self) -> InfluenceReference:
        if self.iswc or self.isrc or self.vendor_work_id:
            return self
        if self.title and self.creators:
            return self
        if self.title:
            raise ValueError(
                "a title alone cannot be matched: add creator names, an ISWC, ISRC or vendor_work_id"
            )
        raise ValueError("give at least one of iswc, isrc, vendor_work_id, or title with creator names")

    def identity_keys(self) -> frozenset[str]:
        """The identities this reference claims; two references sharing one name the same thing."""
        found = {f"iswc:{self.iswc}"} if self.iswc else set()
        if self.isrc:
            found.add(f"isrc:{self.isrc}")
        if self.vendor_work_id:
            found.add(f"vendor:{self.vendor_work_id}")
        if not found and self.title:
            names = "|".join(sorted(c.casefold() for c in self.creators))
            found.add(f"title:{self.title.casefold()}|{names}")
        return frozenset(found)


class Segment(_Frozen):
    """A stretch of the output (seconds from its start) and, when the vendor knows it, the stretch of
    the source it came from."""

    output_start: Seconds
    output_end: Seconds
    source_start: Seconds | None = None
    source_end: Seconds | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Segment:
        if self.output_end <= self.output_start:
            raise ValueError(
                f"output_end ({self.output_end}) must be after output_start ({self.output_start})"
            )
        if (self.source_start is None) != (self.source_end is None):
            raise ValueError("give both source_start and source_end, or neither")
        start, end = self.source_start, self.source_end
        if start is not None and end is not None and end <= start:
            raise ValueError(f"source_end ({end}) must be after source_start ({start})")
        return self


class Influence(_Frozen):
    """One influence edge: this reference shaped the output's `right_type` by `score` (0..1)."""

    reference: InfluenceReference
    right_type: RightType
    score: Fraction
    confidence: Fraction | None = None
    segments: tuple[Segment, ...] = ()

    @field_validator("segments")
    @classmethod
    def _few_segments(cls, value: tuple[Segment, ...]) -> tuple[Segment, ...]:
        if len(value) > MAX_SEGMENTS:
            raise ValueError(f"at most {MAX_SEGMENTS} segments per influence")
        return value


class AttributionReport(_Frozen):
    """One vendor's finding about one output. Locate the output by our `output_id`, by the SHA-256 of
    its audio (`output_content_hash`), or both."""

    output_id: Annotated[Text | None, BeforeValidator(_blank_to_none)] = None
    output_content_hash: Annotated[str | None, BeforeValidator(_blank_to_none)] = None
    vendor_id: Text
    vendor_report_id: Text
    method: Text
    method_version: Text
    computed_at: AwareDatetime
    influences: tuple[Influence, ...] = ()

    @field_validator("output_content_hash")
    @classmethod
    def _sha256_hex(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().lower()
        if not _SHA256_HEX.fullmatch(value):
            raise ValueError("must be the SHA-256 of the output audio as 64 hexadecimal characters")
        return value

    @field_validator("computed_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        # One zone for everyone, so "+02:00" and "Z" spellings of one instant digest alike.
        return within_window(value.astimezone(UTC))

    @field_validator("influences")
    @classmethod
    def _bounded(cls, value: tuple[Influence, ...]) -> tuple[Influence, ...]:
        if len(value) > MAX_INFLUENCES:
            raise ValueError(f"at most {MAX_INFLUENCES} influences per report; split the output's report")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> AttributionReport:
        if self.output_id is None and self.output_content_hash is None:
            raise ValueError("give output_id or output_content_hash so the output can be found")
        seen: dict[tuple[RightType, str], int] = {}
        for index, influence in enumerate(self.influences):
            for key in influence.reference.identity_keys():
                first = seen.setdefault((influence.right_type, key), index)
                if first != index:
                    raise ValueError(
                        f"influences[{index}] names the same {influence.right_type.value.lower()} "
                        f"as influences[{first}] ({key}); merge them into one influence"
                    )
        for right_type in RightType:
            total = self.total(right_type)
            if total > 1 + TOTAL_TOLERANCE:
                raise ValueError(
                    f"{right_type.value} scores add up to {decimal_text(total)}, more than 1 (100 %); "
                    "scores are shares of the output and cannot exceed it"
                )
        return self

    # --- reading -----------------------------------------------------------------------------

    def influences_for(self, right_type: RightType) -> tuple[Influence, ...]:
        return tuple(i for i in self.influences if i.right_type is right_type)

    def total(self, right_type: RightType) -> Decimal:
        """Sum of the scores for one right; exact (bounded places keep it inside Decimal precision)."""
        return sum((i.score for i in self.influences_for(right_type)), Decimal(0))

    def unattributed(self, right_type: RightType) -> Decimal:
        """The share of the output no influence claims; it follows the service-use rule in payouts.
        Never negative: the rounding slack above 1 is absorbed, not paid twice."""
        return max(Decimal(0), 1 - self.total(right_type))

    def canonical_json(self) -> bytes:
        """The report as canonical JSON: sorted keys, no whitespace, UTF-8, influences and segments
        in a fixed order, so the vendor's ordering does not make a resent report look new."""
        data = self.model_dump(mode="json")
        for influence in data["influences"]:
            influence["segments"].sort(key=_dumps)
            influence["reference"]["creators"].sort()
        data["influences"].sort(key=_dumps)
        return _dumps(data).encode("utf-8")

    def digest(self) -> str:
        """SHA-256 hex of the versioned canonical JSON: equal exactly when the report says the same."""
        return digest_of(self.canonical_json())


def digest_of(canonical: bytes) -> str:
    """A report's digest from its canonical JSON (for a caller that keeps the JSON too)."""
    return hashlib.sha256(DIGEST_VERSION.encode() + b"\n" + canonical).hexdigest()


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- the boundary: mappings in, located InvalidInput out -------------------------------------------


Locate = Callable[[tuple[int | str, ...]], str]


def location(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """pydantic's ('influences', 2, 'score') as `influences[2].score`, the way a person reads it."""
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def invalid_input(
    error: ValidationError, *, what: str, prefix: str = "", locate: Locate | None = None
) -> InvalidInput:
    """Turn pydantic's errors into one InvalidInput listing every field to fix.

    `locate` lets an adapter name the place in the vendor's own payload instead of our field path.
    """
    problems: list[dict[str, str]] = []
    for item in error.errors(include_url=False):
        cause = (item.get("ctx") or {}).get("error")
        message = str(cause) if isinstance(cause, ValueError) else item["msg"]
        loc = tuple(item["loc"])
        field = locate(loc) if locate is not None else location(loc, prefix)
        problems.append({"field": field or "(report)", "message": message})
    listed = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    count = f"{len(problems)} problems" if len(problems) > 1 else "1 problem"
    return InvalidInput(f"Invalid {what} ({count}): {listed}", details={"errors": problems})


def validate_report(
    data: Mapping[str, Any], *, prefix: str = "", locate: Locate | None = None
) -> AttributionReport:
    """Build a report from plain data, raising InvalidInput (with field locations) on any problem."""
    try:
        return AttributionReport.model_validate(data)
    except ValidationError as exc:
        raise invalid_input(exc, what="attribution report", prefix=prefix, locate=locate) from exc


def percent_to_fraction(value: Decimal) -> Decimal:
    """Exact: dividing by 100 only moves the decimal point, so no rounding can happen here."""
    return value.scaleb(-2)


# --- which report counts ----------------------------------------------------------------------------


def supersedes(candidate: AttributionReport, current: AttributionReport) -> bool:
    """True when `candidate`, received after `current`, replaces it as the vendor's report on the output.

    The caller has already established that both are about the same output (they may locate it
    differently, one by id and one by hash). Currency follows what the service saw: the report received
    last is current, whatever `computed_at` it states (a client's clock decides nothing; a report dated
    year 9999 once stayed current forever). An identical report changes nothing.
    """
    if candidate.vendor_id != current.vendor_id:
        raise ValueError("only a report from the same vendor can supersede another")
    return candidate.digest() != current.digest()
