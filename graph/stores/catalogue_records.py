"""What the catalogue stores hand up: plain frozen records built from node property maps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from graph.stores._records import native
from registry.catalogue import CreatorKind, WorkStatus
from registry.shares import ShareRole

T = TypeVar("T")


def _time(value: Any) -> datetime | None:
    return native(value)


@dataclass(frozen=True, slots=True)
class CreatorRecord:
    id: str
    name: str | None
    first_name: str | None
    kind: CreatorKind
    ipi: str | None
    isni: str | None
    ipi_base: str | None
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> CreatorRecord:
        return cls(
            id=node["id"],
            name=node.get("name"),
            first_name=node.get("first_name"),
            kind=CreatorKind(node.get("kind") or CreatorKind.PERSON),
            ipi=node.get("ipi"),
            isni=node.get("isni"),
            ipi_base=node.get("ipi_base"),
            created_at=_time(node.get("created_at")),
            updated_at=_time(node.get("updated_at")),
        )


@dataclass(frozen=True, slots=True)
class WorkRecord:
    id: str
    iswc: str | None
    title: str
    alternate_titles: tuple[str, ...]
    language: str | None
    submitter_work_id: str | None
    status: WorkStatus
    created_at: datetime | None
    updated_at: datetime | None
    # Claims by other registrations exceed 100 % of these rights (graph.stores.disputes); empty when not.
    disputed_rights: tuple[str, ...] = ()
    dispute_evidence: str | None = None
    dispute_resolved_by: str | None = None
    dispute_resolved_at: datetime | None = None

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> WorkRecord:
        return cls(
            id=node["id"],
            iswc=node.get("iswc"),
            title=node.get("title") or "",
            alternate_titles=tuple(node.get("alternate_titles") or ()),
            language=node.get("language"),
            submitter_work_id=node.get("submitter_work_id"),
            status=WorkStatus(node.get("status") or WorkStatus.ACTIVE),
            created_at=_time(node.get("created_at")),
            updated_at=_time(node.get("updated_at")),
            disputed_rights=tuple(node.get("disputed_rights") or ()) if node.get("disputed") else (),
            dispute_evidence=node.get("dispute_evidence"),
            dispute_resolved_by=node.get("dispute_resolved_by"),
            dispute_resolved_at=_time(node.get("dispute_resolved_at")),
        )


@dataclass(frozen=True, slots=True)
class RecordingRecord:
    id: str
    isrc: str
    title: str | None
    artist: str | None
    duration_seconds: int | None

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> RecordingRecord:
        return cls(
            id=node["id"],
            isrc=node["isrc"],
            title=node.get("title"),
            artist=node.get("artist"),
            duration_seconds=node.get("duration_seconds"),
        )


@dataclass(frozen=True, slots=True)
class ShareRecord:
    """A HOLDS_SHARE relationship with both ends, so nested fields need no further query."""

    creator: CreatorRecord
    work: WorkRecord
    role: ShareRole
    performing_bp: int
    mechanical_bp: int
    synchronisation_bp: int
    claim: str | None = None  # the claim (another registration of the work) this share is part of

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ShareRecord:
        creator, work = CreatorRecord.from_node(row["creator"]), WorkRecord.from_node(row["work"])
        return cls.of(creator, work, row["share"])

    @classmethod
    def of(cls, creator: CreatorRecord, work: WorkRecord, share: dict[str, Any]) -> ShareRecord:
        return cls(
            creator=creator,
            work=work,
            role=ShareRole(share["role"]),
            performing_bp=share.get("performing_bp", 0),
            mechanical_bp=share.get("mechanical_bp", 0),
            synchronisation_bp=share.get("synchronisation_bp", 0),
            claim=share.get("claim"),
        )


@dataclass(frozen=True, slots=True)
class ChainMemberRecord:
    """A publisher in a chain of title, with its collection territories (tis, included, pr, mr, sr)."""

    creator: CreatorRecord
    role_code: str
    territories: tuple[tuple[int, bool, int, int, int], ...]


@dataclass(frozen=True, slots=True)
class ChainRecord:
    """A work's chain of title (CWR publisher sequence #): members in order, the writers it publishes for."""

    number: int
    members: tuple[ChainMemberRecord, ...]
    writers: tuple[CreatorRecord, ...]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ChainRecord:
        members = tuple(
            ChainMemberRecord(
                creator=CreatorRecord.from_node(m["creator"]),
                role_code=m["role_code"],
                territories=tuple(
                    zip(
                        m["tis_codes"],
                        m["included"],
                        m["performing_bp"],
                        m["mechanical_bp"],
                        m["synchronisation_bp"],
                        strict=True,
                    )
                ),
            )
            for m in sorted(row["members"], key=lambda m: m["position"])
        )
        writers = tuple(CreatorRecord.from_node(w) for w in row["writers"])
        return cls(number=row["number"], members=members, writers=writers)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    total: int
    items: list[T]
