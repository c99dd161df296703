"""What the provenance stores hand up: frozen records built from node property maps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph.stores._records import native, required_native
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
        return cls(
            id=row["id"],
            licensee_id=row["licensee_id"],
            name=row["name"],
            version=row["version"],
            base_model_id=row.get("base_model_id"),
            created_at=required_native(row["created_at"]),
        )


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: str
    licensee_id: str
    model_id: str
    grant_id: str | None
    started_at: datetime
    finished_at: datetime
    manifest_digest: str
    item_count: int
    compliant: bool
    grant_ok: bool
    unmatched_count: int
    created_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> RunRecord:
        return cls(
            id=row["id"],
            licensee_id=row["licensee_id"],
            model_id=row["model_id"],
            grant_id=row.get("grant_id"),
            started_at=required_native(row["started_at"]),
            finished_at=required_native(row["finished_at"]),
            manifest_digest=row.get("manifest_digest") or "",
            item_count=row.get("item_count") or 0,
            compliant=bool(row.get("compliant")),
            grant_ok=bool(row.get("grant_ok")),
            unmatched_count=row.get("unmatched_count") or 0,
            created_at=required_native(row["created_at"]),
        )


@dataclass(frozen=True, slots=True)
class OutputRecord:
    id: str
    content_hash: str
    model_id: str
    licensee_id: str
    created_at: datetime
    title: str | None
    duration_seconds: str | None
    compliant: bool
    declared_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OutputRecord:
        return cls(
            id=row["id"],
            content_hash=row["content_hash"],
            model_id=row["model_id"],
            licensee_id=row["licensee_id"],
            created_at=required_native(row["created_at"]),
            title=row.get("title"),
            duration_seconds=row.get("duration_seconds"),
            compliant=bool(row.get("compliant", True)),
            declared_at=native(row.get("declared_at")),
        )


@dataclass(frozen=True, slots=True)
class AudioDisputeRecord:
    """One audio that more than one licensee declared as its own output."""

    content_hash: str
    disputed_at: datetime
    outputs: tuple[OutputRecord, ...]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AudioDisputeRecord:
        return cls(
            content_hash=row["content_hash"],
            disputed_at=required_native(row["disputed_at"]),
            outputs=tuple(OutputRecord.from_row(o) for o in row["outputs"]),
        )


@dataclass(frozen=True, slots=True)
class FlagRecord:
    id: str
    code: FlagCode
    message: str
    subject_kind: SubjectKind
    subject_id: str
    reasons: tuple[str, ...]
    work_id: str | None
    recording_id: str | None
    reference: str | None
    detected_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> FlagRecord:
        return cls(
            id=row["id"],
            code=FlagCode(row["code"]),
            message=row["message"],
            subject_kind=SubjectKind(row["subject_kind"]),
            subject_id=row["subject_id"],
            reasons=tuple(row.get("reasons") or ()),
            work_id=row.get("work_id"),
            recording_id=row.get("recording_id"),
            reference=row.get("reference"),
            detected_at=required_native(row["detected_at"]),
        )
