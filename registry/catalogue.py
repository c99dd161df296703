"""Creators, works and recordings as registrations: validated input, normalised for the graph.

Every registration carries a natural key (IPI, ISWC, ISRC) or a client-supplied id, and a digest of its
content: a store compares digests to tell an update from a repeat, so that registering the same thing
twice changes nothing (not even `updated_at`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from registry.errors import InvalidInput
from registry.identifiers import (
    check_ipi_base_number,
    parse_ipi_name_number,
    parse_isni,
    parse_isrc,
    parse_optional_iswc,
)
from registry.shares import FULL_BP, Share, ShareRole, validate_work_shares

__all__ = [
    "ChainMember",
    "ChainTerritory",
    "CreatorKind",
    "CreatorRef",
    "CreatorRegistration",
    "PublisherChain",
    "RecordingRegistration",
    "ShareRegistration",
    "WorkRegistration",
    "WorkStatus",
    "content_digest",
    "search_text",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
Text = Annotated[str, Field(min_length=1, max_length=500)]
BasisPoints = Annotated[int, Field(ge=0, le=FULL_BP, strict=True)]


class CreatorKind(StrEnum):
    PERSON = "PERSON"
    PUBLISHER = "PUBLISHER"


class WorkStatus(StrEnum):
    ACTIVE = "ACTIVE"
    WITHDRAWN = "WITHDRAWN"


def content_digest(content: Any) -> str:
    """A stable digest of JSON-able content: same content, same digest, whatever the key order."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def search_text(*parts: str | None) -> str:
    """Lower-cased text a case-insensitive substring filter runs on; parts one per line, so that a
    search never matches across two titles."""
    return "\n".join(part.lower() for part in parts if part)


class CreatorRef(BaseModel):
    """How a share names its holder: by IPI name number (preferred, global) or by creator id."""

    model_config = _FROZEN

    ipi: str | None = None
    id: str | None = None

    @model_validator(mode="after")
    def _needs_a_key(self) -> CreatorRef:
        if self.ipi is None and self.id is None:
            raise InvalidInput("A share holder needs a creatorId or a creatorIpi.")
        return self

    @property
    def key(self) -> str:
        return _ref_key(self.ipi, self.id)


def _ref_key(ipi: str | None, creator_id: str | None) -> str:
    return f"ipi:{ipi}" if ipi else f"id:{creator_id}"


class CreatorRegistration(BaseModel):
    """A creator as registered. Unset optional fields are left as they are on an existing creator."""

    model_config = _FROZEN

    id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    name: Text | None
    first_name: Text | None = None
    kind: CreatorKind
    ipi: str | None = None
    isni: str | None = None
    ipi_base: str | None = None

    @field_validator("ipi", mode="before")
    @classmethod
    def _ipi(cls, value: str | None) -> str | None:
        return None if value is None else parse_ipi_name_number(value)

    @field_validator("isni", mode="before")
    @classmethod
    def _isni(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else parse_isni(value)

    @field_validator("ipi_base", mode="before")
    @classmethod
    def _ipi_base(cls, value: str | None) -> str | None:
        # A failed base check digit is only a warning in registry.identifiers; the value is kept.
        return None if value is None or not value.strip() else check_ipi_base_number(value)[0]

    @model_validator(mode="after")
    def _needs_a_key(self) -> CreatorRegistration:
        if self.ipi is None and self.id is None:
            raise InvalidInput("A creator needs an IPI name number or an id to be registered under.")
        return self

    @property
    def ref(self) -> CreatorRef:
        return CreatorRef(ipi=self.ipi, id=self.id)

    @property
    def key(self) -> str:
        """`ref.key` without building the ref (a CWR import asks for it for every party of every work)."""
        return _ref_key(self.ipi, self.id)

    def properties(self) -> dict[str, Any]:
        """What to set on the node: set fields only, with the lower-cased name the name filter searches."""
        props = self.model_dump(exclude={"id"}, exclude_none=True, mode="json")
        full = " ".join(part for part in (self.first_name, self.name) if part)
        props["name_search"] = search_text(full, self.name)
        return props

    @property
    def digest(self) -> str:
        return content_digest(self.properties())


class ShareRegistration(BaseModel):
    """One holder's share of a work in one role, per right, in basis points (10000 = 100 %)."""

    model_config = _FROZEN

    holder: CreatorRef
    role: ShareRole
    performing_bp: BasisPoints
    mechanical_bp: BasisPoints
    synchronisation_bp: BasisPoints


class RecordingRegistration(BaseModel):
    model_config = _FROZEN

    isrc: str
    title: Text | None = None
    artist: Text | None = None
    duration_seconds: Annotated[int, Field(ge=0)] | None = None
    # The works it embodies, by work id; links are added, never removed by a registration.
    work_ids: tuple[str, ...] = ()

    @field_validator("isrc", mode="before")
    @classmethod
    def _isrc(cls, value: str) -> str:
        return parse_isrc(value)[0]

    def properties(self) -> dict[str, Any]:
        """The set fields but the keys (what model_dump(exclude_none) gave, without its cost per work)."""
        props = {"title": self.title, "artist": self.artist, "duration_seconds": self.duration_seconds}
        return {name: value for name, value in props.items() if value is not None}


class ChainTerritory(BaseModel):
    """One SPT record of a chain member: its collection shares in one territory (TIS code)."""

    model_config = _FROZEN

    tis_code: int  # 2136 = World; ISO 3166 numeric or a TIS group otherwise
    included: bool
    performing_bp: BasisPoints
    mechanical_bp: BasisPoints
    synchronisation_bp: BasisPoints


class ChainMember(BaseModel):
    """A publisher in a chain: the original publisher (E), its administrator (AM), sub-publishers (SE)…"""

    model_config = _FROZEN

    holder: CreatorRef
    role_code: Annotated[str, Field(min_length=1, max_length=2)]
    territories: tuple[ChainTerritory, ...] = ()


class PublisherChain(BaseModel):
    """One chain of title (CWR publisher sequence #): its members in file order, and the writers it
    publishes for (PWR records naming one of its members)."""

    model_config = _FROZEN

    number: Annotated[int, Field(ge=0)]
    members: tuple[ChainMember, ...]
    writers: tuple[CreatorRef, ...] = ()


class WorkRegistration(BaseModel):
    """A work with its titles, its complete set of shares, and (from CWR) its recordings.

    The shares replace whatever the work had: a registration states the whole split, never part of it.
    """

    model_config = _FROZEN

    id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    iswc: str | None = None
    title: Text
    alternate_titles: tuple[Text, ...] = ()
    language: Annotated[str, Field(min_length=2, max_length=3)] | None = None
    submitter_work_id: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    shares: tuple[ShareRegistration, ...] = ()
    recordings: tuple[RecordingRegistration, ...] = ()
    chains: tuple[PublisherChain, ...] = ()  # from CWR SPU/SPT/PWR; replaced with the shares

    @field_validator("iswc", mode="before")
    @classmethod
    def _iswc(cls, value: str | None) -> str | None:
        return parse_optional_iswc(value)

    @model_validator(mode="after")
    def _check(self) -> WorkRegistration:
        if self.iswc is None and self.id is None:
            raise InvalidInput("A work needs an ISWC or an id to be registered under.")
        _check_one_share_per_holder_and_role(self.shares)
        validate_work_shares(
            [
                Share(
                    holder_id=s.holder.key,
                    role=s.role,
                    performing_bp=s.performing_bp,
                    mechanical_bp=s.mechanical_bp,
                    synchronisation_bp=s.synchronisation_bp,
                )
                for s in self.shares
            ]
        )
        return self

    def properties(self) -> dict[str, Any]:
        """Node properties except the keys (id, iswc); unset optional fields are stored as absent."""
        return {
            "title": self.title,
            "alternate_titles": list(self.alternate_titles),
            "language": self.language,
            "submitter_work_id": self.submitter_work_id,
            "title_search": search_text(self.title, *self.alternate_titles),
        }

    @property
    def digest(self) -> str:
        """The digest of everything but the id. Its content is what `model_dump(exclude={"id"},
        mode="json")` gives, built by hand (model_dump was a fifth of a CWR import's time): a work's
        stored digest decides whether a registration changes it, so the text hashed must stay the same
        as earlier versions hashed, or every re-import would rewrite every work."""
        shares = sorted(
            (_share_content(s) for s in self.shares), key=lambda s: (s["holder"]["ipi"] or "", str(s))
        )
        return content_digest(
            {
                "iswc": self.iswc,
                "title": self.title,
                "alternate_titles": self.alternate_titles,
                "language": self.language,
                "submitter_work_id": self.submitter_work_id,
                "shares": shares,
                "recordings": sorted(
                    (_recording_content(r) for r in self.recordings), key=lambda r: r["isrc"]
                ),
                "chains": [_chain_content(chain) for chain in self.chains],
            }
        )


# The model_dump(mode="json") of each part, key for key in field order (a share's str() sorts shares).
def _holder_content(ref: CreatorRef) -> dict[str, Any]:
    return {"ipi": ref.ipi, "id": ref.id}


def _share_content(share: ShareRegistration) -> dict[str, Any]:
    return {
        "holder": _holder_content(share.holder),
        "role": share.role.value,
        "performing_bp": share.performing_bp,
        "mechanical_bp": share.mechanical_bp,
        "synchronisation_bp": share.synchronisation_bp,
    }


def _recording_content(recording: RecordingRegistration) -> dict[str, Any]:
    return {
        "isrc": recording.isrc,
        "title": recording.title,
        "artist": recording.artist,
        "duration_seconds": recording.duration_seconds,
        "work_ids": recording.work_ids,
    }


def _chain_content(chain: PublisherChain) -> dict[str, Any]:
    members = [
        {
            "holder": _holder_content(member.holder),
            "role_code": member.role_code,
            "territories": [
                {
                    "tis_code": t.tis_code,
                    "included": t.included,
                    "performing_bp": t.performing_bp,
                    "mechanical_bp": t.mechanical_bp,
                    "synchronisation_bp": t.synchronisation_bp,
                }
                for t in member.territories
            ],
        }
        for member in chain.members
    ]
    return {
        "number": chain.number,
        "members": members,
        "writers": [_holder_content(w) for w in chain.writers],
    }


def _check_one_share_per_holder_and_role(shares: Sequence[ShareRegistration]) -> None:
    seen: set[tuple[str, ShareRole]] = set()
    for share in shares:
        pair = (share.holder.key, share.role)
        if pair in seen:
            raise InvalidInput(
                f"{share.holder.key} holds the {share.role.value} role twice; list each holder once per "
                "role, with that role's whole share."
            )
        seen.add(pair)
