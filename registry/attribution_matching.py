"""Resolving a vendor's reference to one registry work or recording: the order and the "exactly one" rule.

The graph layer gathers, for a whole report at once, every candidate each method could find; this
module decides. Order (docs/attribution-formats.md, "Resolution"): ISWC, ISRC, the vendor's own id as
matched on earlier reports, then title with a creator name. The first method that finds anything
decides: it either names exactly one target (a match) or several (ambiguous, kept unmatched). An
identifier the registry does not know may still name a registered work that lacks it, so the title
step runs then too; the graph query offers it only works whose own ISWC (if any) does not contradict
the reference's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from registry.attribution import InfluenceReference, RightType


class MatchedBy(StrEnum):
    ISWC = "ISWC"
    ISRC = "ISRC"
    VENDOR_ID = "VENDOR_ID"
    TITLE_CREATORS = "TITLE_CREATORS"


class UnmatchedReason(StrEnum):
    NOT_REGISTERED = "NOT_REGISTERED"  # an identifier the registry does not know
    NO_MATCH = "NO_MATCH"  # no identifier, and no title + creator match
    AMBIGUOUS = "AMBIGUOUS"  # more than one candidate: guessing would pay the wrong people
    NO_SINGLE_WORK = "NO_SINGLE_WORK"  # a composition named by ISRC whose recording embodies 0 or 2+ works


@dataclass(frozen=True, slots=True)
class Candidates:
    """Target ids each method found for one reference (graph ids of Works or Recordings)."""

    iswc: tuple[str, ...] = ()
    isrc: tuple[str, ...] = ()  # for COMPOSITION: the works the ISRC's recording embodies
    isrc_recording_found: bool = False
    vendor_id: tuple[str, ...] = ()
    title_creators: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Match:
    target_id: str
    matched_by: MatchedBy


@dataclass(frozen=True, slots=True)
class Unmatched:
    reason: UnmatchedReason
    message: str


def resolve(reference: InfluenceReference, right_type: RightType, found: Candidates) -> Match | Unmatched:
    """The one target of `reference`, or why there is none."""
    target = "work" if right_type is RightType.COMPOSITION else "recording"
    steps: list[tuple[MatchedBy, str | None, tuple[str, ...]]] = [
        (MatchedBy.ISWC, reference.iswc if right_type is RightType.COMPOSITION else None, found.iswc),
        (MatchedBy.ISRC, reference.isrc, found.isrc),
        (MatchedBy.VENDOR_ID, reference.vendor_work_id, found.vendor_id),
    ]
    for method, given, ids in steps:
        if given is None or not ids:
            continue
        return _one(sorted(set(ids)), method, f"{target}s with {method.value} {given}")
    if reference.title and reference.creators and found.title_creators:
        names = ", ".join(reference.creators)
        what = f"{target}s titled {reference.title!r} by {names}"
        return _one(sorted(set(found.title_creators)), MatchedBy.TITLE_CREATORS, what)
    return _why_unmatched(reference, right_type, found, target)


def _one(ids: list[str], method: MatchedBy, what: str) -> Match | Unmatched:
    if len(ids) == 1:
        return Match(ids[0], method)
    shown = ", ".join(ids[:5]) + (" …" if len(ids) > 5 else "")
    return Unmatched(UnmatchedReason.AMBIGUOUS, f"{len(ids)} {what} ({shown}); register which one is meant")


def _why_unmatched(
    reference: InfluenceReference, right_type: RightType, found: Candidates, target: str
) -> Unmatched:
    if right_type is RightType.COMPOSITION and reference.isrc and found.isrc_recording_found:
        return Unmatched(
            UnmatchedReason.NO_SINGLE_WORK,
            f"recording {reference.isrc} is registered but does not embody exactly one work",
        )
    known = [
        f"{label} {value}"
        for label, value in (
            ("ISWC", reference.iswc if right_type is RightType.COMPOSITION else None),
            ("ISRC", reference.isrc),
            ("vendor id", reference.vendor_work_id),
        )
        if value
    ]
    if known:
        return Unmatched(UnmatchedReason.NOT_REGISTERED, f"no registered {target} has {' or '.join(known)}")
    return Unmatched(
        UnmatchedReason.NO_MATCH,
        f"no registered {target} is titled {reference.title!r} with a creator named "
        f"{', '.join(reference.creators)}",
    )
