"""What the catalogue stores hand up: plain frozen records built from node property maps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from graph.stores._records import record_from_row
from registry.catalogue import CreatorKind, WorkStatus
from registry.shares import ShareRole

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class CreatorRecord:
    id: str
    name: str | None
    first_name: str | None
    kind: CreatorKind = CreatorKind.PERSON
    ipi: str | None
    isni: str | None
    ipi_base: str | None
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> CreatorRecord:
        return record_from_row(cls, node)


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkRecord:
    id: str
    iswc: str | None
    title: str = ""
    alternate_titles: tuple[str, ...] = ()
    language: str | None
    submitter_work_id: str | None
    status: WorkStatus = WorkStatus.ACTIVE
    created_at: datetime | None
    updated_at: datetime | None
    # Claims by other registrations exceed 100 % of these rights (graph.stores.catalogue.disputes);
    # empty when not.
    disputed_rights: tuple[str, ...] = ()
    dispute_evidence: str | None = None
    dispute_resolved_by: str | None = None
    dispute_resolved_at: datetime | None = None

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> WorkRecord:
        # A resolved dispute keeps its rights on the node for the record of it; only an open one shows them.
        disputed = tuple(node.get("disputed_rights") or ()) if node.get("disputed") else ()
        return record_from_row(cls, node, disputed_rights=disputed)


@dataclass(frozen=True, slots=True)
class RecordingRecord:
    id: str
    isrc: str
    title: str | None
    artist: str | None
    duration_seconds: int | None

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> RecordingRecord:
        return record_from_row(cls, node)


@dataclass(frozen=True, slots=True)
class ShareRecord:
    """A HOLDS_SHARE relationship with both ends, so nested fields need no further query."""

    creator: CreatorRecord
    work: WorkRecord
    role: ShareRole
    performing_bp: int = 0
    mechanical_bp: int = 0
    synchronisation_bp: int = 0
    claim: str | None = None  # the claim (another registration of the work) this share is part of

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ShareRecord:
        creator, work = CreatorRecord.from_node(row["creator"]), WorkRecord.from_node(row["work"])
        return cls.of(creator, work, row["share"])

    @classmethod
    def of(cls, creator: CreatorRecord, work: WorkRecord, share: dict[str, Any]) -> ShareRecord:
        return record_from_row(cls, share, creator=creator, work=work)


@dataclass(frozen=True, slots=True)
class TerritoryRecord:
    """A chain member's collection shares in one territory (CISAC TIS code)."""

    tis_code: int
    included: bool
    performing_bp: int
    mechanical_bp: int
    synchronisation_bp: int


@dataclass(frozen=True, slots=True)
class ChainMemberRecord:
    """A publisher in a chain of title, with its collection territories."""

    creator: CreatorRecord
    role_code: str
    territories: tuple[TerritoryRecord, ...]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ChainMemberRecord:
        # Neo4j properties hold flat lists only: the territories come as parallel lists, one a column.
        columns = zip(*(row[c] for c in _TERRITORY_COLUMNS), strict=True)
        return record_from_row(cls, row, territories=tuple(TerritoryRecord(*t) for t in columns))


_TERRITORY_COLUMNS = ("tis_codes", "included", "performing_bp", "mechanical_bp", "synchronisation_bp")


@dataclass(frozen=True, slots=True)
class ChainRecord:
    """A work's chain of title (CWR publisher sequence #): members in order, the writers it publishes for."""

    number: int
    members: tuple[ChainMemberRecord, ...]
    writers: tuple[CreatorRecord, ...]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ChainRecord:
        members = tuple(
            ChainMemberRecord.from_row(m) for m in sorted(row["members"], key=lambda m: m["position"])
        )
        return record_from_row(cls, row, members=members)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    total: int
    items: list[T]
