"""Validated inputs for consent, licence and grant writes (pydantic: the input boundary).

Ids are chosen by the client: the stores MERGE on them, so sending the same request twice
returns the first record instead of creating a second one. Rates are exact decimal strings and
the training fee an integer count of minor units (registry.money), never floats.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from registry.errors import InvalidInput
from registry.money import Currency, parse_amount, to_fraction
from registry.record_ids import LicenseeId, RecordId
from registry.rights import Decision, Scope, Use, require_aware
from registry.shares import Right

__all__ = [
    "CLOCK_SKEW",
    "ConsentInput",
    "GrantInput",
    "LicenceInput",
    "LicenceVersionInput",
    "LicenseeInput",
    "StatusChangeInput",
    "TrainingBasis",
    "canonical_rate",
    "check_consent_start",
    "grant_scopes",
]

# A client's clock may run a little behind ours; more than this is a back-dated consent.
CLOCK_SKEW = timedelta(minutes=5)

# Plain decimals only: no exponent, no fraction, no sign, ASCII digits.
_RATE = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,12})?", re.ASCII)

Id = RecordId
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


def _aware(moment: datetime) -> datetime:
    require_aware(moment)
    return moment


Moment = Annotated[datetime, AfterValidator(_aware)]


def _scopes(scopes: frozenset[Scope]) -> frozenset[Scope]:
    if not scopes:
        raise ValueError("give at least one scope (TRAINING, SERVICE_USE, OUTPUT_USE)")
    return scopes


Scopes = Annotated[frozenset[Scope], AfterValidator(_scopes)]


class _Input(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ConsentInput(_Input):
    """An opt-in for one work or the creator's whole catalogue, or a decline of one work."""

    id: Id
    creator_id: Id
    decision: Decision = Decision.OPT_IN
    scopes: Scopes
    work_id: Id | None = None
    catalogue: bool = False
    valid_from: Moment | None = None
    evidence: Text | None = None

    @model_validator(mode="after")
    def _one_target(self) -> ConsentInput:
        if self.catalogue == (self.work_id is not None):
            raise ValueError("give either workId (one work) or catalogue: true (every work), not both")
        if self.decision is Decision.DECLINE and self.catalogue:
            raise ValueError("a decline names one work: give workId")
        return self


def check_consent_start(valid_from: datetime | None, now: datetime, *, admin: bool) -> datetime:
    """When a consent starts: now by default; only an admin, with evidence, may date it earlier.

    A back-dated opt-in would make uses that happened before it licensable after the fact.
    """
    require_aware(now)
    start = valid_from or now
    if start < now - CLOCK_SKEW and not admin:
        raise InvalidInput(
            "validFrom is in the past: a consent starts now or later. Leave validFrom empty to start now."
        )
    return start


class LicenseeInput(_Input):
    id: LicenseeId
    name: Text


class LicenceInput(_Input):
    id: Id
    name: Text


class TrainingBasis:
    USED_WORKS = "USED_WORKS"
    CATALOGUE = "CATALOGUE"


def canonical_rate(text: str, what: str) -> str:
    """An exact rate in 0..1 as a canonical decimal string ("0.150" -> "0.15"); fractions refused."""
    if _RATE.fullmatch(text.strip()) is None:
        raise InvalidInput(f'The {what} {text!r} must be a decimal string such as "0.15".')
    value = to_fraction(text, what=what)
    if not 0 <= value <= 1:
        raise InvalidInput(f'The {what} {text!r} must be between 0 and 1, e.g. "0.15" for 15 %.')
    normal = Decimal(text.strip()).normalize()
    return format(normal, "f")


def _default_stream_rights() -> dict[Scope, Right]:
    # registry.royalties' defaults: the mechanical right splits training, performing the rest.
    return {
        Scope.TRAINING: Right.MECHANICAL,
        Scope.SERVICE_USE: Right.PERFORMING,
        Scope.OUTPUT_USE: Right.PERFORMING,
    }


class LicenceVersionInput(_Input):
    """The terms of one version of a licence. Versions are immutable once created."""

    id: Id
    licence_id: Id
    version: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    scopes: Scopes
    excluded_uses: frozenset[Use] = frozenset()
    currency: str
    training_fee: str = Field(description="Decimal string in the currency, e.g. '1200.00'")
    minimum_payout: str = Field(
        default="0", description="A creator's statement total below this is carried to the next period"
    )
    service_rate: str
    output_rate: str
    confidence_threshold: str = "0"
    stream_rights: dict[Scope, Right] = Field(default_factory=_default_stream_rights)
    training_basis: str = TrainingBasis.USED_WORKS
    training_weighted: bool = False
    # Collection goes through the publisher: a writer's money is paid to the publisher its CWR chain
    # names for it (registry.royalties); otherwise the writer is paid and the chain is evidence.
    publisher_collects: bool = False
    effective_from: Moment

    @model_validator(mode="after")
    def _terms(self) -> LicenceVersionInput:
        Currency.of(self.currency)
        if self.training_basis not in (TrainingBasis.USED_WORKS, TrainingBasis.CATALOGUE):
            raise ValueError("trainingBasis is USED_WORKS or CATALOGUE")
        return self

    @property
    def currency_code(self) -> str:
        return Currency.of(self.currency).code

    def training_fee_minor(self) -> int:
        return parse_amount(self.training_fee, self.currency)

    def rates(self) -> dict[str, str]:
        return {
            "service_rate": canonical_rate(self.service_rate, "service rate"),
            "output_rate": canonical_rate(self.output_rate, "output rate"),
            "confidence_threshold": canonical_rate(self.confidence_threshold, "confidence threshold"),
        }

    def stream_rights_json(self) -> str:
        rights = _default_stream_rights() | self.stream_rights
        return json.dumps({scope.value: right.value for scope, right in sorted(rights.items())})

    def to_properties(self) -> dict[str, Any]:
        """The node's properties; raises InvalidInput for a bad amount or rate."""
        return {
            "version": self.version,
            "scopes": sorted(self.scopes),
            "excluded_uses": sorted(self.excluded_uses),
            "currency": self.currency_code,
            "training_fee": self.training_fee_minor(),
            "minimum_payout": parse_amount(self.minimum_payout, self.currency),
            **self.rates(),
            "stream_rights": self.stream_rights_json(),
            "training_basis": self.training_basis,
            "training_weighted": self.training_weighted,
            "publisher_collects": self.publisher_collects,
            "effective_from": self.effective_from,
        }


class GrantInput(_Input):
    """One licensee, one licence version, one model version, for a validity period."""

    id: Id
    licensee_id: Id
    licence_version_id: Id
    model_name: Text
    model_version: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    scopes: Scopes | None = None
    valid_from: Moment
    valid_to: Moment

    @model_validator(mode="after")
    def _period(self) -> GrantInput:
        if self.valid_to <= self.valid_from:
            raise ValueError("validTo must be after validFrom")
        return self


class StatusChangeInput(_Input):
    grant_id: Id
    reason: Text | None = None


def grant_scopes(requested: frozenset[Scope] | None, licence_scopes: frozenset[Scope]) -> frozenset[Scope]:
    """A grant covers its licence version's scopes, or fewer; never a scope the licence does not allow."""
    if requested is None:
        return licence_scopes
    outside = sorted(requested - licence_scopes)
    if outside:
        raise InvalidInput(
            f"The licence version does not allow {', '.join(outside)}; a grant may cover only "
            f"{', '.join(sorted(licence_scopes))}."
        )
    return requested
