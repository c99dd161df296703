"""CWR works as catalogue registrations: which party is which creator, and each holder's share.

Keys: a party with an IPI name number is that creator everywhere; otherwise it is the sender's interested
party number (`cwr:<sender>:<ip number>`, unique within one sender only), and a party with neither (an
unknown other writer or publisher) is a creator of that work alone. A work without ISWC is keyed by the
sender's submitter work id (`cwr:<sender>:<submitter work id>`), so a later REV updates it.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

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
from registry.shares import ShareRole

__all__ = ["CwrRegistration", "registration_from_cwr", "sender_key"]

CwrRegistration = tuple[list[CreatorRegistration], WorkRegistration]


def sender_key(header: CwrHeader | None) -> str:
    """Who sent the file: its IPI or sender id, else its name; party and work numbers are theirs."""
    if header is None:
        return "unknown"
    return header.sender_id or header.sender_name or "unknown"


def _creator(party: CwrParty, index: int, work: CwrWork, sender: str) -> CreatorRegistration:
    if party.interested_party_number:
        creator_id = f"cwr:{sender}:{party.interested_party_number}"
    else:
        creator_id = f"cwr:{sender}:{work.submitter_work_id}:{party.record_type}{index}"
    first_name = party.first_name if party.is_writer else None
    kind = CreatorKind.PERSON if party.is_writer else CreatorKind.PUBLISHER
    return _registered(creator_id, party.name, first_name, kind, party.ipi_name_number, party.ipi_base_number)


# A catalogue's parties recur in work after work (a writer, its publisher): validating the same creator's
# registration again for each work was a tenth of an import's time. The model is frozen, so one is shared.
@lru_cache(maxsize=65_536)
def _registered(
    creator_id: str,
    name: str | None,
    first_name: str | None,
    kind: CreatorKind,
    ipi: str | None,
    ipi_base: str | None,
) -> CreatorRegistration:
    return CreatorRegistration(
        id=creator_id, name=name, first_name=first_name, kind=kind, ipi=ipi, ipi_base=ipi_base
    )


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
    """
    creators: list[CreatorRegistration] = []
    party_refs: dict[int, CreatorRef] = {}  # by id() of the parsed party: the ref it is registered under
    totals: dict[tuple[str, ShareRole], list[int]] = defaultdict(lambda: [0, 0, 0])
    refs = {}
    for index, party in enumerate((*work.writers, *work.publishers), start=1):
        creator = _creator(party, index, work, sender)
        creators.append(creator)
        party_refs[id(party)] = creator.ref
        key = (creator.ref.key, _role(party))
        refs[key] = creator.ref
        own = party.ownership
        for slot, bp in enumerate((own.performing_bp, own.mechanical_bp, own.synchronisation_bp)):
            totals[key][slot] += bp
    shares = tuple(
        ShareRegistration(
            holder=refs[key], role=key[1], performing_bp=p, mechanical_bp=m, synchronisation_bp=s
        )
        for key, (p, m, s) in totals.items()
    )
    recordings = {
        r.isrc: RecordingRegistration(
            isrc=r.isrc, title=r.title, artist=r.display_artist, duration_seconds=r.duration_seconds
        )
        for r in work.recordings
        if r.isrc
    }
    registration = WorkRegistration(
        id=f"cwr:{sender}:{work.submitter_work_id}",
        iswc=work.iswc,
        title=work.title,
        alternate_titles=tuple(dict.fromkeys(t for t in work.alternate_titles if t)),
        language=work.language,
        submitter_work_id=work.submitter_work_id,
        shares=shares,
        recordings=tuple(recordings.values()),
        chains=_chains(work, party_refs),
    )
    return creators, registration


def _chains(work: CwrWork, refs: dict[int, CreatorRef]) -> tuple[PublisherChain, ...]:
    """The SPU/OPU chains of title (by publisher sequence #) with their territories and PWR writers."""
    members: dict[int, list[ChainMember]] = defaultdict(list)
    chain_of_ip: dict[str, int] = {}
    for party in work.publishers:
        number = party.publisher_chain or 0
        members[number].append(
            ChainMember(
                holder=refs[id(party)],
                role_code=party.role_code or "E",
                territories=tuple(
                    ChainTerritory(
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
        PublisherChain(number=number, members=tuple(chain), writers=tuple(writers[number]))
        for number, chain in sorted(members.items())
    )
