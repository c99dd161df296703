"""CWR works as catalogue registrations: which party is which creator, and each holder's share.

Keys: a party with an IPI name number is that creator everywhere; otherwise it is the sender's interested
party number (`cwr:<sender>:<ip number>`, unique within one sender only), and a party with neither (an
unknown other writer or publisher) is a creator of that work alone. A work without ISWC is keyed by the
sender's submitter work id (`cwr:<sender>:<submitter work id>`), so a later REV updates it.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache, partial

from registry.catalogue import (
    ChainMember,
    ChainTerritory,
    CreatorKind,
    CreatorRef,
    CreatorRegistration,
    PublisherChain,
    RecordingRegistration,
    ShareRegistration,
    WorkRegistration,
)
from registry.cwr.models import CwrHeader, CwrParty, CwrWork
from registry.errors import InvalidInput
from registry.shares import FULL_BP, ShareRole
from registry.trusted import trusted

__all__ = ["CwrRegistration", "registration_from_cwr", "sender_key"]

CwrRegistration = tuple[list[CreatorRegistration], WorkRegistration]


def sender_key(header: CwrHeader | None) -> str:
    """Who sent the file: its IPI or sender id, else its name; party and work numbers are theirs."""
    if header is None:
        return "unknown"
    return header.sender_id or header.sender_name or "unknown"


def _creator(
    party: CwrParty, index: int, work: CwrWork, sender: str
) -> tuple[CreatorRegistration, CreatorRef]:
    if party.interested_party_number:
        creator_id = f"cwr:{sender}:{party.interested_party_number}"
    else:
        creator_id = f"cwr:{sender}:{work.submitter_work_id}:{party.record_type}{index}"
    first_name = party.first_name if party.is_writer else None
    kind = CreatorKind.PERSON if party.is_writer else CreatorKind.PUBLISHER
    return _registered(creator_id, party.name, first_name, kind, party.ipi_name_number, party.ipi_base_number)


# A catalogue's parties recur in work after work (a writer, its publisher): validating the same creator's
# registration again for each work was a tenth of an import's time. The model is frozen, so one is shared,
# and so is the ref its shares name it by.
@lru_cache(maxsize=65_536)
def _registered(
    creator_id: str,
    name: str | None,
    first_name: str | None,
    kind: CreatorKind,
    ipi: str | None,
    ipi_base: str | None,
) -> tuple[CreatorRegistration, CreatorRef]:
    creator = CreatorRegistration(
        id=creator_id, name=name, first_name=first_name, kind=kind, ipi=ipi, ipi_base=ipi_base
    )
    return creator, creator.ref


def _role(party: CwrParty) -> ShareRole:
    if party.role is None:
        raise InvalidInput(
            f"{party.record_type} {party.name or party.interested_party_number or '(unnamed)'} has no "
            "writer designation or publisher type; every party's role must be known"
        )
    return party.role


def registration_from_cwr(work: CwrWork, sender: str) -> CwrRegistration:
    """The creators and the work registration of one accepted CWR transaction.

    A party listed twice in one role (a publisher in two chains) holds the sum of its shares in that
    role: the graph keeps one share per holder and role.

    The parser has validated what the registration holds (identifiers, shares, totals, lengths), so the
    registration models are built without validating them again (`registry.trusted`), except where a
    value could break a constraint the parser does not check: there the validating model refuses it
    exactly as it always did.
    """
    creators: list[CreatorRegistration] = []
    party_refs: dict[int, CreatorRef] = {}  # by id() of the parsed party: the ref it is registered under
    totals: dict[tuple[str, ShareRole], list[int]] = defaultdict(lambda: [0, 0, 0])
    refs = {}
    for index, party in enumerate((*work.writers, *work.publishers), start=1):
        creator, ref = _creator(party, index, work, sender)
        creators.append(creator)
        party_refs[id(party)] = ref
        key = (ref.key, _role(party))
        refs[key] = ref
        own = party.ownership
        slots = totals[key]
        slots[0] += own.performing_bp
        slots[1] += own.mechanical_bp
        slots[2] += own.synchronisation_bp
    shares = tuple(_share(refs[key], key[1], p, m, s) for key, (p, m, s) in totals.items())
    recordings = {
        r.isrc: trusted(
            RecordingRegistration,
            isrc=r.isrc,
            title=r.title,
            artist=r.display_artist,
            duration_seconds=r.duration_seconds,
            work_ids=(),
        )
        for r in work.recordings
        if r.isrc
    }
    values = {
        "id": f"cwr:{sender}:{work.submitter_work_id}",
        "iswc": work.iswc,
        "title": work.title,
        "alternate_titles": tuple(dict.fromkeys(t for t in work.alternate_titles if t)),
        "language": work.language,
        "submitter_work_id": work.submitter_work_id,
        "shares": shares,
        "recordings": tuple(recordings.values()),
        "chains": _chains(work, party_refs),
    }
    # A one-letter language code is the one work field a CWR line can hold that the model refuses.
    if work.language is not None and len(work.language) < 2:
        return creators, WorkRegistration(**values)
    return creators, trusted(WorkRegistration, **values)


def _share(holder: CreatorRef, role: ShareRole, p: int, m: int, s: int) -> ShareRegistration:
    # A party listed twice in one role may sum past 100 % within the work's tolerance: the model refuses it.
    build = ShareRegistration if max(p, m, s) > FULL_BP else partial(trusted, ShareRegistration)
    return build(holder=holder, role=role, performing_bp=p, mechanical_bp=m, synchronisation_bp=s)


def _chains(work: CwrWork, refs: dict[int, CreatorRef]) -> tuple[PublisherChain, ...]:
    """The SPU/OPU chains of title (by publisher sequence #) with their territories and PWR writers."""
    members: dict[int, list[ChainMember]] = defaultdict(list)
    chain_of_ip: dict[str, int] = {}
    for party in work.publishers:
        number = party.publisher_chain or 0
        members[number].append(
            trusted(
                ChainMember,
                holder=refs[id(party)],
                role_code=party.role_code or "E",
                territories=tuple(
                    trusted(
                        ChainTerritory,
                        tis_code=t.tis_code,
                        included=t.included,
                        performing_bp=t.shares.performing_bp,
                        mechanical_bp=t.shares.mechanical_bp,
                        synchronisation_bp=t.shares.synchronisation_bp,
                    )
                    for t in party.territories
                ),
            )
        )
        if party.interested_party_number:
            chain_of_ip.setdefault(party.interested_party_number, number)
    writers: dict[int, list[CreatorRef]] = defaultdict(list)
    for writer in work.writers:
        for ip in dict.fromkeys(writer.publisher_ip_numbers):
            if ip in chain_of_ip and refs[id(writer)] not in writers[chain_of_ip[ip]]:
                writers[chain_of_ip[ip]].append(refs[id(writer)])
    return tuple(
        trusted(PublisherChain, number=number, members=tuple(chain), writers=tuple(writers[number]))
        for number, chain in sorted(members.items())
    )
