"""What the provenance stores hand up: frozen records built from node property maps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph.stores._records import record_from_row
from registry.provenance import FlagCode, SubjectKind


@dataclass(frozen=True, slots=True)
class ModelRecord:
    id: str
    licensee_id: str
    name: str
    version: str
    base_model_id: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ModelRecord:
        return record_from_row(cls, row)


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: str
    licensee_id: str
    model_id: str
    grant_id: str | None
    started_at: datetime
    finished_at: datetime
    created_at: datetime
    manifest_digest: str = ""
    item_count: int = 0
    compliant: bool = False
    grant_ok: bool = False
    unmatched_count: int = 0

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> RunRecord:
        return record_from_row(cls, row)


@dataclass(frozen=True, slots=True)
class OutputRecord:
    id: str
    content_hash: str
    model_id: str
    licensee_id: str
    created_at: datetime
    title: str | None
    duration_seconds: str | None
    declared_at: datetime | None
    compliant: bool = True

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OutputRecord:
        return record_from_row(cls, row)


@dataclass(frozen=True, slots=True)
class AudioDisputeRecord:
    """One audio that more than one licensee declared as its own output."""

    content_hash: str
    disputed_at: datetime
    outputs: tuple[OutputRecord, ...]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AudioDisputeRecord:
        return record_from_row(cls, row)


@dataclass(frozen=True, slots=True)
class FlagRecord:
    id: str
    code: FlagCode
    message: str
    subject_kind: SubjectKind
    subject_id: str
    work_id: str | None
    recording_id: str | None
    reference: str | None
    detected_at: datetime
    reasons: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> FlagRecord:
        return record_from_row(cls, row)
