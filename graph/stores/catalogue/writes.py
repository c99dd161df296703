"""Catalogue writes: creators, works with their whole split, recordings. Idempotent by natural key.

A creator is found by IPI name number, else by id; a work by ISWC, else by id (a client id, or the CWR
`cwr:<sender>:<submitter work id>`); a recording by ISRC. Each write first resolves those keys to nodes,
then compares the registration's digest with the one stored on the node: equal means unchanged, and
nothing is written. A work's properties, its old shares' removal and its new shares are written in the
caller's one transaction, so no reader ever sees half a work. Bulk writes are UNWIND batches.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from graph.database import Database, Tx
from graph.stores.catalogue.records import CreatorRecord, RecordingRecord, WorkRecord
from graph.stores.licensing.licensable import consenting, refresh_works
from registry.catalogue import (
    CreatorRef,
    CreatorRegistration,
    PublisherChain,
    RecordingRegistration,
    WorkRegistration,
)
from registry.errors import InvalidInput
from registry.shares import FULL_BP, TOLERANCE_BP

# One round trip per batch and step: results come back collected in one row, which the driver decodes
# many times faster than one row per item.
RESOLVE_CREATORS = """
UNWIND $refs AS r
OPTIONAL MATCH (a:Creator {ipi: r.ipi})
OPTIONAL MATCH (b:Creator {id: r.id})
WITH r, coalesce(a.id, b.id) AS id WHERE id IS NOT NULL
RETURN collect([r.key, id]) AS ids
"""
# Found by IPI, else by id, else created under `new_id`; properties change only when the digest does.
UPSERT_CREATORS = """
UNWIND $creators AS p
OPTIONAL MATCH (a:Creator {ipi: p.ipi})
OPTIONAL MATCH (b:Creator {id: p.id})
WITH p, coalesce(a.id, b.id, p.new_id) AS id
MERGE (c:Creator {id: id})
ON CREATE SET c.created_at = datetime()
WITH p, c, coalesce(c.digest, '') <> p.digest AS changed
SET c += CASE WHEN changed THEN p.props ELSE {} END,
    c.updated_at = CASE WHEN changed THEN datetime() ELSE c.updated_at END,
    c.digest = p.digest
RETURN collect([p.key, c.id]) AS ids
"""
CREATORS_BY_IDS = "UNWIND $ids AS id MATCH (c:Creator {id: id}) RETURN c {.*} AS node"
RESOLVE_WORKS = """
UNWIND $works AS w
OPTIONAL MATCH (a:Work {iswc: w.iswc})
OPTIONAL MATCH (b:Work {id: w.id})
WITH w, coalesce(a, b) AS n
RETURN collect([w.key, n.id, n.content_digest]) AS found
"""
# A changed work in one statement: its properties, its old shares removed, its new shares, its recordings.
# An ISWC is kept when a later registration leaves it out: the society assigned it, the sender may not know.
WRITE_WORKS = """
UNWIND $works AS w
MERGE (n:Work {id: w.id})
ON CREATE SET n.created_at = datetime(), n.status = 'ACTIVE'
SET n += w.props, n.iswc = coalesce(w.iswc, n.iswc), n.content_digest = w.digest, n.updated_at = datetime()
WITH n, w
CALL (n) {
  MATCH (n)<-[old:HOLDS_SHARE]-(:Creator) WHERE old.claim IS NULL
  DELETE old
}
CALL (n, w) {
  UNWIND w.shares AS s
  MATCH (c:Creator {id: s.creator_id})
  CREATE (c)-[:HOLDS_SHARE {role: s.role, performing_bp: s.performing_bp, mechanical_bp: s.mechanical_bp,
                            synchronisation_bp: s.synchronisation_bp}]->(n)
}
CALL (n, w) {
  UNWIND w.recordings AS r
  MERGE (rec:Recording {isrc: r.isrc})
  ON CREATE SET rec.id = r.id, rec.created_at = datetime()
  SET rec += r.props
  MERGE (rec)-[:EMBODIES]->(n)
}
CALL (n) {
  MATCH (n)-[:HAS_CHAIN]->(old:PublisherChain)
  DETACH DELETE old
}
CALL (n, w) {
  UNWIND w.chains AS ch
  CREATE (n)-[:HAS_CHAIN]->(pc:PublisherChain {number: ch.number})
  WITH pc, ch
  CALL (pc, ch) {
    UNWIND ch.members AS m
    MATCH (c:Creator {id: m.creator_id})
    CREATE (c)-[:IN_CHAIN {position: m.position, role_code: m.role_code, tis_codes: m.tis_codes,
                           included: m.included, performing_bp: m.performing_bp,
                           mechanical_bp: m.mechanical_bp, synchronisation_bp: m.synchronisation_bp}]->(pc)
  }
  CALL (pc, ch) {
    UNWIND ch.writers AS writer_id
    MATCH (c:Creator {id: writer_id})
    CREATE (pc)-[:PUBLISHES_FOR]->(c)
  }
}
"""
MERGE_RECORDINGS = """
UNWIND $recordings AS r
MERGE (rec:Recording {isrc: r.isrc})
ON CREATE SET rec.id = r.id, rec.created_at = datetime()
SET rec += r.props
WITH rec, r
UNWIND r.work_ids AS work_id
MATCH (w:Work {id: work_id})
MERGE (rec)-[:EMBODIES]->(w)
"""
# A second registration of a registered work under another registration id (two submitters, one ISWC) is
# a claim: its shares join the work's as HOLDS_SHARE edges marked with the claim's id, replacing only that
# claim's earlier edges. A claim changed since it was rejected stands again until an ADMIN decides anew.
CLAIM_DIGESTS = "UNWIND $ids AS id OPTIONAL MATCH (c:Claim {id: id}) RETURN collect([id, c.digest]) AS found"
WRITE_CLAIMS = """
UNWIND $claims AS k
MATCH (w:Work {id: k.work_id})
MERGE (c:Claim {id: k.id})
ON CREATE SET c.created_at = datetime()
SET c += k.props, c.status = 'ACTIVE', c.digest = k.digest, c.updated_at = datetime()
MERGE (c)-[:CLAIMS]->(w)
WITH w, c, k
CALL (w, c) {
  MATCH (w)<-[old:HOLDS_SHARE {claim: c.id}]-(:Creator)
  DELETE old
}
CALL (w, c, k) {
  UNWIND k.shares AS s
  MATCH (h:Creator {id: s.creator_id})
  CREATE (h)-[:HOLDS_SHARE {claim: c.id, role: s.role, performing_bp: s.performing_bp,
                            mechanical_bp: s.mechanical_bp, synchronisation_bp: s.synchronisation_bp}]->(w)
}
"""
# A work with claims is disputed while the shares claimed for some right add up to more than 100 %
# (beyond CWR's tolerance); `disputed_rights` says which.
RECOMPUTE_DISPUTES = """
UNWIND $ids AS id
MATCH (w:Work {id: id}) WHERE EXISTS { (w)<-[:CLAIMS]-(:Claim) }
CALL (w) {
  OPTIONAL MATCH (w)<-[s:HOLDS_SHARE]-(:Creator)
  RETURN coalesce(sum(s.performing_bp), 0) AS pr, coalesce(sum(s.mechanical_bp), 0) AS mr,
         coalesce(sum(s.synchronisation_bp), 0) AS sr
}
WITH w, [r IN [['PERFORMING', pr], ['MECHANICAL', mr], ['SYNCHRONISATION', sr]]
         WHERE r[1] > $limit | r[0]] AS over
SET w.disputed = size(over) > 0, w.disputed_rights = over
"""
WORK_BY_ID = "MATCH (w:Work {id: $id}) RETURN w {.*} AS node"
RECORDING_BY_ISRC = "MATCH (r:Recording {isrc: $isrc}) RETURN r {.*} AS node"
EXISTING_WORK_IDS = "UNWIND $ids AS id MATCH (w:Work {id: id}) RETURN collect(w.id) AS ids"


class Outcome(StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    UNCHANGED = "UNCHANGED"


@dataclass(frozen=True, slots=True)
class WorkOutcome:
    work_id: str
    outcome: Outcome


# --- creators ---------------------------------------------------------------------------------


async def resolve_creators(tx: Tx, refs: Sequence[CreatorRef]) -> dict[str, str]:
    """Node id by `CreatorRef.key` for the refs that name an existing creator."""
    unique = {ref.key: ref for ref in refs}
    params = [{"key": k, "ipi": r.ipi, "id": r.id} for k, r in unique.items()]
    row = await tx.single(RESOLVE_CREATORS, {"refs": params})
    return dict(row["ids"]) if row else {}


async def upsert_creators_tx(tx: Tx, creators: Sequence[CreatorRegistration]) -> dict[str, str]:
    """Create or update creators; returns the node id by `CreatorRef.key`."""
    unique = {c.key: c for c in creators}
    if not unique:
        return {}
    payload = [
        {
            "key": key,
            "ipi": creator.ipi,
            "id": creator.id,
            "new_id": creator.id or str(uuid.uuid4()),
            "props": creator.properties(),
            "digest": creator.digest,
        }
        for key, creator in unique.items()
    ]
    row = await tx.single(UPSERT_CREATORS, {"creators": payload})
    return dict(row["ids"]) if row else {}


async def upsert_creator(db: Database, creator: CreatorRegistration) -> CreatorRecord:
    async def work(tx: Tx) -> CreatorRecord:
        ids = await upsert_creators_tx(tx, [creator])
        row = await tx.single(CREATORS_BY_IDS, {"ids": [ids[creator.key]]})
        assert row is not None
        return CreatorRecord.from_node(row["node"])

    return await db.write(work)


# --- works ------------------------------------------------------------------------------------


def _work_key(work: WorkRegistration) -> str:
    return f"iswc:{work.iswc}" if work.iswc else f"id:{work.id}"


async def _resolve_holders(
    tx: Tx, works: Sequence[WorkRegistration], known: dict[str, str]
) -> dict[str, str]:
    refs = [s.holder for w in works for s in w.shares if s.holder.key not in known]
    found = known | (await resolve_creators(tx, refs) if refs else {})
    missing = sorted({ref.key for ref in refs if ref.key not in found})
    if missing:
        raise InvalidInput(
            f"No creator is registered as {', '.join(missing)}; register the share holders with "
            "upsertCreator first, then the work.",
            details={"unknown_holders": missing},
        )
    return found


# Called with each registration and the id of the existing node it resolved to, before anything is
# written: True makes the registration a claim on that work rather than its new content (the CWR import
# says so for a registration under another submitter's or work number's id).
Claim = Callable[[WorkRegistration, str], bool]


async def write_works_tx(
    tx: Tx,
    works: Sequence[WorkRegistration],
    holder_ids: dict[str, str] | None = None,
    claim: Claim | None = None,
) -> list[WorkOutcome]:
    """Write works whose content changed, each with its whole split; one outcome per work, in order.

    The caller must not pass two registrations of the same work in one call: they would both count as
    new and their shares would add up. A registration `claim` marks is written as a claim on the work it
    resolved to (its outcome names that work).
    """
    holders = await _resolve_holders(tx, works, holder_ids or {})
    keyed = [{"key": _work_key(w), "iswc": w.iswc, "id": w.id} for w in works]
    row = await tx.single(RESOLVE_WORKS, {"works": keyed})
    found = {key: (node_id, digest) for key, node_id, digest in (row["found"] if row else [])}
    outcomes: list[WorkOutcome] = []
    changed: list[tuple[str, WorkRegistration]] = []
    claims: list[tuple[int, str, WorkRegistration]] = []
    for work in works:
        node_id, digest = found[_work_key(work)]
        if node_id is None:
            work_id = work.id or str(uuid.uuid4())
            outcomes.append(WorkOutcome(work_id, Outcome.CREATED))
        elif claim is not None and claim(work, node_id):
            claims.append((len(outcomes), node_id, work))
            outcomes.append(WorkOutcome(node_id, Outcome.UNCHANGED))  # until the claim's digest says
            continue
        else:
            work_id = node_id
            same = digest == work.digest
            outcomes.append(WorkOutcome(work_id, Outcome.UNCHANGED if same else Outcome.UPDATED))
            if same:
                continue
        changed.append((work_id, work))
    # Claims land on works that existed before this call, so a work it creates has none to dispute.
    # (Read before the claims' own outcomes replace theirs: a new claim is CREATED on an existing work.)
    created = {outcome.work_id for outcome in outcomes if outcome.outcome is Outcome.CREATED}
    if changed:
        await _write_changed(tx, changed, holders)
    if claims:
        for index, outcome in await _write_claims(tx, claims, holders):
            outcomes[index] = outcome
    touched = {work_id for work_id, _ in changed} | {node_id for _, node_id, _ in claims}
    if touched - created:
        await tx.run(RECOMPUTE_DISPUTES, {"ids": sorted(touched - created), "limit": FULL_BP + TOLERANCE_BP})
    # Shares changed: so may the works' licensability.
    await refresh_works(tx, touched - await _unconsented(tx, changed, created, holders))
    return outcomes


async def _unconsented(
    tx: Tx, changed: list[tuple[str, WorkRegistration]], created: set[str], holders: dict[str, str]
) -> set[str]:
    """The works this call created whose holders have given no consent: licensable for no scope, with no
    next moment and no label to take off, they have nothing to judge (a first import's works, mostly)."""
    new = [
        (work_id, {holders[share.holder.key] for share in work.shares})
        for work_id, work in changed
        if work_id in created
    ]
    given = await consenting(tx, (creator_id for _, held in new for creator_id in held))
    return {work_id for work_id, held in new if held.isdisjoint(given)}


async def _write_claims(
    tx: Tx, claims: list[tuple[int, str, WorkRegistration]], holders: dict[str, str]
) -> list[tuple[int, WorkOutcome]]:
    """Write the claims whose content changed; (position, outcome) for each claim."""
    row = await tx.single(CLAIM_DIGESTS, {"ids": [str(work.id) for _, _, work in claims]})
    stored = dict(row["found"]) if row else {}
    outcomes: list[tuple[int, WorkOutcome]] = []
    payload = []
    for index, node_id, work in claims:
        digest = stored.get(str(work.id))
        outcome = Outcome.CREATED if digest is None else Outcome.UPDATED
        if digest == work.digest:
            outcome = Outcome.UNCHANGED
        outcomes.append((index, WorkOutcome(node_id, outcome)))
        if outcome is not Outcome.UNCHANGED:
            payload.append(
                {
                    "id": work.id,
                    "work_id": node_id,
                    "props": {**work.properties(), "work_id": node_id},
                    "digest": work.digest,
                    "shares": _share_payload(work, holders),
                }
            )
    if payload:
        await tx.run(WRITE_CLAIMS, {"claims": payload})
    return outcomes


async def _write_changed(
    tx: Tx, changed: list[tuple[str, WorkRegistration]], holders: dict[str, str]
) -> None:
    works = [
        {
            "id": work_id,
            "iswc": work.iswc,
            "props": work.properties(),
            "digest": work.digest,
            "shares": _share_payload(work, holders),
            "recordings": [_recording_payload(r, ()) for r in work.recordings],
            "chains": [_chain_payload(chain, holders) for chain in work.chains],
        }
        for work_id, work in changed
    ]
    await tx.run(WRITE_WORKS, {"works": works})


def _chain_payload(chain: PublisherChain, holders: dict[str, str]) -> dict[str, Any]:
    # Neo4j properties hold flat lists only: a member's territories are parallel lists, one entry each.
    return {
        "number": chain.number,
        "members": [
            {
                "creator_id": holders[member.holder.key],
                "position": position,
                "role_code": member.role_code,
                "tis_codes": [t.tis_code for t in member.territories],
                "included": [t.included for t in member.territories],
                "performing_bp": [t.performing_bp for t in member.territories],
                "mechanical_bp": [t.mechanical_bp for t in member.territories],
                "synchronisation_bp": [t.synchronisation_bp for t in member.territories],
            }
            for position, member in enumerate(chain.members)
        ],
        "writers": [holders[ref.key] for ref in chain.writers],
    }


def _share_payload(work: WorkRegistration, holders: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "creator_id": holders[s.holder.key],
            "role": s.role.value,
            "performing_bp": s.performing_bp,
            "mechanical_bp": s.mechanical_bp,
            "synchronisation_bp": s.synchronisation_bp,
        }
        for s in work.shares
    ]


async def upsert_work(db: Database, work: WorkRegistration) -> tuple[WorkRecord, Outcome]:
    """Register one work with its whole split (validated by the registration), atomically."""

    async def write(tx: Tx) -> tuple[WorkRecord, Outcome]:
        (outcome,) = await write_works_tx(tx, [work])
        row = await tx.single(WORK_BY_ID, {"id": outcome.work_id})
        assert row is not None
        return WorkRecord.from_node(row["node"]), outcome.outcome

    return await db.write(write)


# --- recordings -------------------------------------------------------------------------------


def _recording_payload(recording: RecordingRegistration, work_ids: Sequence[str]) -> dict[str, Any]:
    return {
        "isrc": recording.isrc,
        "id": str(uuid.uuid4()),
        "props": recording.properties(),
        "work_ids": sorted(set(work_ids)),
    }


async def upsert_recording(db: Database, recording: RecordingRegistration) -> RecordingRecord:
    """Create or update a recording by ISRC and link it to the works it embodies (links are added)."""

    async def write(tx: Tx) -> RecordingRecord:
        wanted = sorted(set(recording.work_ids))
        if wanted:
            row = await tx.single(EXISTING_WORK_IDS, {"ids": wanted})
            missing = sorted(set(wanted) - set(row["ids"] if row else []))
            if missing:
                raise InvalidInput(
                    f"No work has id {', '.join(missing)}; register the work first or fix workIds.",
                    details={"unknown_work_ids": missing},
                )
        await tx.run(MERGE_RECORDINGS, {"recordings": [_recording_payload(recording, wanted)]})
        node = await tx.single(RECORDING_BY_ISRC, {"isrc": recording.isrc})
        assert node is not None
        return RecordingRecord.from_node(node["node"])

    return await db.write(write)
