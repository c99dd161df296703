"""Licensee declarations: models, training runs with streamed manifests, generated outputs.

```
(:Licensee)-[:OPERATES]->(:Model)-[:FINE_TUNED_FROM]->(:Model)
(:TrainingRun)-[:PRODUCED]->(:Model)   (:TrainingRun)-[:UNDER]->(:Grant)
(:TrainingRun)-[:USED {weight}]->(:Work | :Recording)
(:Model)-[:GENERATED]->(:Output)
(:ComplianceFlag)-[:ON]->(:TrainingRun | :Output)   (:ComplianceFlag)-[:CONCERNS]->(:Work)
```

A manifest streams in: the run node is written first with status UPLOADING, each batch of items in its own
transaction (USED edges, then the batch's compliance flags from registry.rights on the facts
graph.stores.licensing.rights gathers for the whole batch), and the run flips to COMPLETE at the end. Readers
only ever see COMPLETE runs. On any failure the partial run is deleted in batches, so nothing half-written is
left. A retry of a COMPLETE run with the same header and manifest digest writes nothing and returns it.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, LiteralString

from graph.audit import unaudited
from graph.database import Database, Tx
from graph.stores._records import require_same, taken
from graph.stores.licensing.licences import GRANTS_BY_ID, GrantRecord
from graph.stores.licensing.rights import unlicensable_facts
from graph.stores.provenance.records import ModelRecord, OutputRecord, RunRecord
from registry.errors import Conflict, NotFound
from registry.provenance import (
    FlagCode,
    FlagDraft,
    ItemKind,
    ManifestDigest,
    ManifestItem,
    ModelInput,
    OutputInput,
    ResolvedItem,
    RunInput,
    SubjectKind,
    flag_id,
    item_flags,
    lineage_flag,
    run_flags,
)
from registry.rights import GrantFacts, Scope, Use

BATCH_SIZE = 5_000
# A live upload writes a batch every few seconds; one silent this long died with its process.
ABANDONED_AFTER_SECONDS = 600
PURGE_BATCH = 10_000

MODEL_OF_LICENSEE = """
MATCH (l:Licensee {id: $licensee_id})
OPTIONAL MATCH (l)-[:OPERATES]->(m:Model {id: $model_id})
RETURN l.id AS licensee, m {.*} AS model
"""
MERGE_MODEL = """
MATCH (l:Licensee {id: $licensee_id})
MERGE (m:Model {id: $id})
ON CREATE SET m += $props, m.licensee_id = l.id, m.created_at = datetime()
WITH l, m, NOT EXISTS { (:Licensee)-[:OPERATES]->(m) } AS fresh
FOREACH (_ IN CASE WHEN fresh THEN [1] ELSE [] END | MERGE (l)-[:OPERATES]->(m))
WITH m, fresh
OPTIONAL MATCH (base:Model {id: m.base_model_id})
FOREACH (_ IN CASE WHEN fresh AND base IS NOT NULL THEN [1] ELSE [] END |
  MERGE (m)-[:FINE_TUNED_FROM]->(base))
RETURN m {.*} AS model
"""

RUN = "MATCH (r:TrainingRun {id: $id}) RETURN r {.*} AS run"
BEGIN_RUN = """
MATCH (m:Model {id: $model_id})
MERGE (r:TrainingRun {id: $id})
SET r += $props, r.status = 'UPLOADING', r.upload_token = $token, r.created_at = datetime(),
    r.grant_ok = $grant_ok
MERGE (r)-[:PRODUCED]->(m)
WITH r
OPTIONAL MATCH (g:Grant {id: $grant_id})
FOREACH (_ IN CASE WHEN g IS NULL THEN [] ELSE [1] END | MERGE (r)-[:UNDER]->(g))
RETURN r.id AS id
"""
# One entry per item: the node it names (a work by id or ISWC, a recording by ISRC, or nothing) and the
# works that node stands for. A read: the verdicts are judged before any edge is written.
RESOLVE_ITEMS = """
UNWIND $items AS item
OPTIONAL MATCH (wi:Work {id: item.work_id})
OPTIONAL MATCH (ws:Work {iswc: item.iswc})
OPTIONAL MATCH (rec:Recording {isrc: item.isrc})
WITH item, coalesce(wi, ws, rec) AS target
RETURN collect({
  ref: item.ref, id: target.id, recording: coalesce(target:Recording, false),
  work_ids: CASE WHEN target IS NULL THEN []
                 WHEN target:Recording THEN COLLECT { MATCH (target)-[:EMBODIES]->(w:Work) RETURN w.id }
                 ELSE [target.id] END
}) AS rows
"""
# CREATE, not MERGE: the run's edges were purged before the upload began and a transaction that fails is
# rolled back whole, so an edge never exists twice; duplicates are refused before this runs. The
# item-level verdict (`licensable`) goes on the edge, so summaries and royalties read it without flags.
WRITE_USED = """
MATCH (r:TrainingRun {id: $id}) WHERE r.upload_token = $token
CALL (r) {
  UNWIND $works AS row MATCH (t:Work {id: row.id})
  CREATE (r)-[:USED {weight: row.weight, ref: row.ref, licensable: row.licensable}]->(t)
}
CALL (r) {
  UNWIND $recordings AS row MATCH (t:Recording {id: row.id})
  CREATE (r)-[:USED {weight: row.weight, ref: row.ref, licensable: row.licensable}]->(t)
}
SET r.batch_at = datetime()
RETURN r.id AS id
"""
_FLAG_TAIL = """
MERGE (x:ComplianceFlag {id: f.id})
ON CREATE SET x += f.props, x.detected_at = datetime()
MERGE (x)-[:ON]->(s)
WITH x, f
OPTIONAL MATCH (w:Work {id: f.props.work_id})
FOREACH (_ IN CASE WHEN w IS NULL THEN [] ELSE [1] END | MERGE (x)-[:CONCERNS]->(w))
"""
WRITE_FLAGS = {
    SubjectKind.TRAINING_RUN: "UNWIND $flags AS f MATCH (s:TrainingRun {id: f.props.subject_id})"
    + _FLAG_TAIL,
    SubjectKind.OUTPUT: "UNWIND $flags AS f MATCH (s:Output {id: f.props.subject_id})" + _FLAG_TAIL,
}
FINISH_RUN = """
MATCH (r:TrainingRun {id: $id}) WHERE r.upload_token = $token
SET r.status = 'COMPLETE', r.item_count = $count, r.manifest_digest = $digest, r.unmatched_count = $unmatched,
    r.compliant = NOT EXISTS { (:ComplianceFlag)-[:ON]->(r) }, r.completed_at = datetime()
REMOVE r.upload_token
RETURN r {.*} AS run
"""
# Outputs declared before a run of their lineage was: they inherit its verdict when it completes.
DESCENDANT_OUTPUTS = """
MATCH (:TrainingRun {id: $id})-[:PRODUCED]->(m:Model)
MATCH (m)<-[:FINE_TUNED_FROM*0..]-(:Model)-[:GENERATED]->(o:Output)
RETURN DISTINCT o.id AS id, m.id AS model_id
"""
MARK_OUTPUTS_NON_COMPLIANT = "UNWIND $ids AS id MATCH (o:Output {id: id}) SET o.compliant = false"
PURGE_EDGES = """
MATCH (:TrainingRun {id: $id})-[u:USED]->()
WITH u LIMIT $limit DELETE u RETURN count(*) AS n
"""
PURGE_FLAGS = """
MATCH (f:ComplianceFlag)-[:ON]->(:TrainingRun {id: $id})
WITH f LIMIT $limit DETACH DELETE f RETURN count(*) AS n
"""
DELETE_RUN = "MATCH (r:TrainingRun {id: $id}) WHERE r.upload_token = $token DETACH DELETE r"
# Uploads whose process died (kill -9 of the API or of Neo4j): UPLOADING, and no batch for a while. A run
# announced by OpenLineage START writes nothing until its COMPLETE, however long the training takes: it is
# no upload until a batch is written (FAIL or ABORT discards it).
ABANDONED_UPLOADS = """
MATCH (r:TrainingRun {status: 'UPLOADING'})
WHERE coalesce(r.batch_at, r.created_at) < datetime() - duration({seconds: $idle})
  AND NOT (r.batch_at IS NULL AND r.openlineage_start IS NOT NULL)
RETURN r.id AS id, r.upload_token AS token ORDER BY r.id
"""
# One purger per remnant, however many workers and replicas look at once: the node's write lock is taken
# first (the SET), so the token compared after it is the committed one and only one claim can match it. The
# claim restarts the idle clock: another purger takes the remnant over only once this one has been silent as
# long as an abandoned upload (it died), never while it is still deleting.
CLAIM_ABANDONED = """
MATCH (r:TrainingRun {id: $id})
SET r.purge_lock = true
REMOVE r.purge_lock
WITH r WHERE r.status = 'UPLOADING' AND r.upload_token = $token
  AND coalesce(r.batch_at, r.created_at) < datetime() - duration({seconds: $idle})
SET r.upload_token = $claim, r.batch_at = datetime()
RETURN r.id AS id
"""
# Batched in their own transactions and stopped by the token as soon as a new upload of the run takes it
# over. Not audited one by one: the claimed run's deletion below is the purge's one event.
PURGE_CLAIMED_EDGES = """
MATCH (r:TrainingRun {id: $id}) WHERE r.upload_token = $claim
MATCH (r)-[u:USED]->()
CALL (u) { DELETE u } IN TRANSACTIONS OF 10000 ROWS
"""
PURGE_CLAIMED_FLAGS = """
MATCH (r:TrainingRun {id: $id}) WHERE r.upload_token = $claim
MATCH (f:ComplianceFlag)-[:ON]->(r)
CALL (f) { DETACH DELETE f } IN TRANSACTIONS OF 10000 ROWS
"""
# The run goes with a marker of how far the trail holds events about this upload of it: the audit listing
# hides those (they belong to a run no reader ever saw), and a later upload of the same id is listed again.
DELETE_CLAIMED = """
MATCH (r:TrainingRun {id: $id}) WHERE r.upload_token = $claim
OPTIONAL MATCH (h:AuditHead {id: 'audit'})
CREATE (:PurgedUpload {run_id: r.id, through_seq: coalesce(h.seq, 0), purged_at: datetime()})
DETACH DELETE r
"""

# Every declaration of an audio first takes that audio's lock, so declarations of one audio run one at a
# time and the dispute check below always sees the others (V0011).
LOCK_AUDIO = """
MERGE (a:Audio {content_hash: $hash})
ON CREATE SET a.first_declared_at = datetime()
SET a.last_declared_at = datetime()
"""
OWN_OUTPUT_BY_HASH = """
MATCH (m:Model)-[:GENERATED]->(o:Output {content_hash: $hash}) WHERE m.licensee_id = $licensee_id
RETURN o {.*, model_id: m.id, licensee_id: m.licensee_id} AS output
"""
# Two licensees holding one audio cannot both have generated it: the society decides (audioDisputes).
OPEN_AUDIO_DISPUTE = """
MATCH (a:Audio {content_hash: $hash})
MATCH (m:Model)-[:GENERATED]->(:Output {content_hash: $hash})
WITH a, count(DISTINCT m.licensee_id) AS holders WHERE holders > 1
SET a.disputed_at = coalesce(a.disputed_at, datetime()), a.holders = holders
"""
NON_COMPLIANT_LINEAGE = """
MATCH (:Model {id: $model_id})-[:FINE_TUNED_FROM*0..]->(a:Model)<-[:PRODUCED]-(r:TrainingRun)
WHERE r.status = 'COMPLETE' AND r.compliant = false
RETURN DISTINCT r.id AS run_id, a.id AS model_id ORDER BY run_id
"""
CREATE_OUTPUT = """
MATCH (m:Model {id: $model_id})
MERGE (o:Output {licensee_id: m.licensee_id, content_hash: $hash})
ON CREATE SET o += $props, o.declared_at = datetime()
MERGE (m)-[:GENERATED]->(o)
RETURN o {.*, model_id: m.id, licensee_id: m.licensee_id} AS output
"""


# --- models ----------------------------------------------------------------------------------


async def declare_model(db: Database, model: ModelInput) -> ModelRecord:
    """MERGE on the id; a replay returns the stored model, other details under the id are a CONFLICT."""
    props = {"name": model.name, "version": model.version, "base_model_id": model.base_model_id}

    async def work(tx: Tx) -> ModelRecord:
        await _require_licensee(tx, model.licensee_id)
        if model.base_model_id is not None:
            await _own_model(tx, model.licensee_id, model.base_model_id, "base model")
        row = await tx.single(
            MERGE_MODEL, {"licensee_id": model.licensee_id, "id": model.model_id, "props": props}
        )
        assert row is not None
        stored = row["model"]
        require_same("Model", model.model_id, stored, props | {"licensee_id": model.licensee_id})
        tx.touch(model.model_id)
        return ModelRecord.from_row(stored)

    return await db.write(work)


async def _require_licensee(tx: Tx, licensee_id: str) -> None:
    row = await tx.single(MODEL_OF_LICENSEE, {"licensee_id": licensee_id, "model_id": ""})
    if row is None:
        raise NotFound(f"No licensee has id {licensee_id!r}; an admin registers licensees first.")


async def _own_model(tx: Tx, licensee_id: str, model_id: str, what: str) -> dict[str, Any]:
    """The licensee's model; a missing one and another licensee's answer alike, so nothing leaks."""
    row = await tx.single(MODEL_OF_LICENSEE, {"licensee_id": licensee_id, "model_id": model_id})
    if row is None or row["model"] is None:
        raise NotFound(f"Licensee {licensee_id} operates no model with id {model_id!r} (the {what}).")
    model: dict[str, Any] = row["model"]
    return model


# --- training runs ---------------------------------------------------------------------------


async def declare_training_run(
    db: Database, run: RunInput, items: AsyncIterable[ManifestItem], *, batch_size: int = BATCH_SIZE
) -> RunRecord:
    """Write the run and its streamed manifest in batches; all or nothing (see the module's note)."""
    existing = await _existing_run(db, run.id)
    if existing is not None and existing.get("status") == "COMPLETE":
        return await _replayed(run, existing, items)
    if existing is not None and existing.get("licensee_id") != run.licensee_id:
        raise taken("Training run", run.id)
    token = secrets.token_hex(16)
    await db.write(lambda tx: _begin(tx, run, token))
    try:
        if existing is not None:
            # A leftover of an upload that died half-way (its process killed) goes before anything new.
            await _purge_items(db, run.id)
        digest, unmatched, seen = ManifestDigest(), [0], dict[str, str]()
        async for batch in _batches(items, batch_size):
            for item in batch:
                digest.add(item)
            result = await db.write(_batch_writer(run, token, batch, seen))
            # Only after the commit: a retried transaction must not find its own items already seen.
            unmatched[0] += result.unmatched
            seen.update(result.written)
        return await db.write(lambda tx: _finish(tx, run.id, token, digest, unmatched[0]))
    except BaseException:
        # Shielded: a client that disconnects mid-upload must still not leave a partial run behind.
        await asyncio.shield(_discard(db, run.id, token))
        raise


async def _existing_run(db: Database, run_id: str) -> dict[str, Any] | None:
    rows = await db.run_read(RUN, {"id": run_id})
    return rows[0]["run"] if rows else None


async def _replayed(run: RunInput, stored: dict[str, Any], items: AsyncIterable[ManifestItem]) -> RunRecord:
    digest = ManifestDigest()
    async for item in items:
        digest.add(item)
    sent = run.header() | {"licensee_id": run.licensee_id, "manifest_digest": digest.hexdigest()}
    require_same("Training run", run.id, stored, sent)
    return RunRecord.from_row(stored)


async def _batches(items: AsyncIterable[ManifestItem], size: int) -> AsyncIterator[list[ManifestItem]]:
    batch: list[ManifestItem] = []
    async for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


async def _begin(tx: Tx, run: RunInput, token: str) -> None:
    model = await _own_model(tx, run.licensee_id, run.model_id, "model the run produced")
    grant, grant_model = await _grant(tx, run.grant_id)
    flags = run_flags(
        grant=grant,
        grant_model=grant_model,
        licensee_id=run.licensee_id,
        model=(model["name"], model["version"]),
        started_at=run.started_at,
    )
    props = run.header() | {"licensee_id": run.licensee_id}
    params = {"id": run.id, "model_id": run.model_id, "grant_id": run.grant_id, "token": token}
    await tx.run(BEGIN_RUN, params | {"props": props, "grant_ok": not flags})
    await write_flags(tx, SubjectKind.TRAINING_RUN, run.id, flags)
    tx.touch(run.id)


async def _grant(tx: Tx, grant_id: str | None) -> tuple[GrantFacts | None, tuple[str, str] | None]:
    if grant_id is None:
        return None, None
    rows = await tx.run(GRANTS_BY_ID, {"ids": [grant_id]})
    if not rows:
        raise NotFound(f"No grant has id {grant_id!r}.")
    record = GrantRecord.from_row(rows[0]["grant"])
    scopes = frozenset(Scope(s) for s in rows[0]["licence_scopes"])
    excluded = frozenset(Use(u) for u in rows[0]["excluded_uses"] or [])
    return record.facts(scopes, excluded), (record.model_name, record.model_version)


def _batch_writer(
    run: RunInput, token: str, batch: list[ManifestItem], seen: dict[str, str]
) -> Callable[[Tx], Awaitable[BatchResult]]:
    return lambda tx: _write_batch(tx, run, token, batch, seen)


@dataclass(frozen=True, slots=True)
class BatchResult:
    unmatched: int
    written: dict[str, str]  # node key -> the reference that named it, for the next batches' duplicate check


async def _write_batch(
    tx: Tx, run: RunInput, token: str, batch: list[ManifestItem], seen: dict[str, str]
) -> BatchResult:
    """Resolve, judge, then write the edges and flags of one batch (`seen`: earlier batches' nodes)."""
    resolved = [_resolved(r) for r in await tx.rows(RESOLVE_ITEMS, {"items": [i.row() for i in batch]})]
    written = _refuse_duplicates(resolved, seen)
    # Only the works not licensable at the run's start come back with facts (their flags say why).
    work_ids = sorted({w for item in resolved for w in item.work_ids})
    facts = await unlicensable_facts(tx, work_ids, Scope.TRAINING, run.started_at)
    flags = item_flags(resolved, facts, run.started_at)
    tainted = {f.recording_id or f.work_id for f in flags if f.code is not FlagCode.UNKNOWN_CONTENT}
    weights = {item.reference: item.weight for item in batch}
    rows: dict[ItemKind, list[dict[str, Any]]] = {ItemKind.WORK: [], ItemKind.RECORDING: []}
    for item in resolved:
        if item.node_id is not None:
            row = {"id": item.node_id, "ref": item.reference, "weight": weights[item.reference]}
            rows[item.kind].append(row | {"licensable": item.node_id not in tainted})
    params = {
        "id": run.id,
        "token": token,
        "works": rows[ItemKind.WORK],
        "recordings": rows[ItemKind.RECORDING],
    }
    if await tx.single(WRITE_USED, params) is None:
        raise Conflict(f"Training run {run.id} is being uploaded by another request; this upload stopped.")
    await write_flags(tx, SubjectKind.TRAINING_RUN, run.id, flags)
    tx.touch(run.id)
    return BatchResult(sum(1 for item in resolved if item.node_id is None), written)


def _refuse_duplicates(resolved: list[ResolvedItem], seen: dict[str, str]) -> dict[str, str]:
    """The same work or recording named twice (by id and by ISWC, say) is refused: which weight holds?"""
    written: dict[str, str] = {}
    for item in resolved:
        if item.node_id is None:
            continue
        key = f"{item.kind.value}:{item.node_id}"
        earlier = seen.get(key) or written.get(key)
        if earlier is not None:
            raise Conflict(
                f"The manifest names {earlier} and {item.reference}, which are the same "
                f"{item.kind.value.lower()} {item.node_id}; list it once."
            )
        written[key] = item.reference
    return written


def _resolved(row: dict[str, Any]) -> ResolvedItem:
    kind = ItemKind.RECORDING if row["recording"] or row["ref"].startswith("isrc:") else ItemKind.WORK
    return ResolvedItem(reference=row["ref"], kind=kind, node_id=row["id"], work_ids=tuple(row["work_ids"]))


async def _finish(tx: Tx, run_id: str, token: str, digest: ManifestDigest, unmatched: int) -> RunRecord:
    params = {"id": run_id, "token": token, "count": digest.count, "digest": digest.hexdigest()}
    params["unmatched"] = unmatched
    row = await tx.single(FINISH_RUN, params)
    if row is None:
        raise Conflict(f"Training run {run_id} was taken over by another upload; this upload stopped.")
    record = RunRecord.from_row(row["run"])
    if not record.compliant:
        outputs = await tx.run(DESCENDANT_OUTPUTS, {"id": run_id})
        rows = [_flag_row(SubjectKind.OUTPUT, o["id"], lineage_flag(run_id, o["model_id"])) for o in outputs]
        if rows:
            await tx.run(WRITE_FLAGS[SubjectKind.OUTPUT], {"flags": rows})
            await tx.run(MARK_OUTPUTS_NON_COMPLIANT, {"ids": [o["id"] for o in outputs]})
            tx.touch(*(o["id"] for o in outputs))
    tx.touch(run_id)
    return record


async def _purge_items(db: Database, run_id: str) -> None:
    for query in (PURGE_EDGES, PURGE_FLAGS):
        while True:
            rows = await db.run_write(query, {"id": run_id, "limit": PURGE_BATCH})
            if rows[0]["n"] == 0:
                break


async def _discard(db: Database, run_id: str, token: str) -> None:
    """Delete what this upload wrote; if another upload has taken the run over, leave the run to it."""
    rows = await db.run_read(RUN, {"id": run_id})
    if not rows or rows[0]["run"].get("upload_token") != token:
        return
    await _purge_items(db, run_id)
    await db.run_write(DELETE_RUN, {"id": run_id, "token": token})


async def purge_abandoned_uploads(db: Database, idle_seconds: int = ABANDONED_AFTER_SECONDS) -> list[str]:
    """Delete the remnants of uploads that died half-way (their run, edges and flags); returns their ids.

    Run at start-up and on a schedule by every worker and replica (opustrace/app.py), under an audit scope.
    Safe side by side: each remnant is claimed by one purger, and only the claimed run's deletion writes an
    event, so each purged run has exactly one. An upload still alive writes a batch far more often than
    `idle_seconds`, so it is left be; a purger that died is taken over once its claim is as old.
    """
    purged = []
    for row in await db.run_read(ABANDONED_UPLOADS, {"idle": idle_seconds}):
        claim = secrets.token_hex(16)
        params = {"id": row["id"], "token": row["token"], "idle": idle_seconds, "claim": claim}
        if await _unaudited_write(db, CLAIM_ABANDONED, params):
            await db.run_autocommit(PURGE_CLAIMED_EDGES, {"id": row["id"], "claim": claim})
            await db.run_autocommit(PURGE_CLAIMED_FLAGS, {"id": row["id"], "claim": claim})
            if await db.write(partial(_delete_claimed, run_id=row["id"], claim=claim)):
                purged.append(row["id"])
    return purged


async def _unaudited_write(db: Database, query: LiteralString, params: dict[str, Any]) -> list[Any]:
    with unaudited():
        return await db.run_write(query, params)


async def _delete_claimed(tx: Tx, run_id: str, claim: str) -> bool:
    await tx.run(DELETE_CLAIMED, {"id": run_id, "claim": claim})
    if tx.changed:
        tx.touch(run_id)
    return tx.changed


async def items_of(items: Iterable[ManifestItem]) -> AsyncIterator[ManifestItem]:
    """A list manifest as the stream `declare_training_run` reads."""
    for item in items:
        yield item


# --- outputs ---------------------------------------------------------------------------------


async def declare_output(db: Database, output: OutputInput) -> OutputRecord:
    """One output per licensee and audio: a replay returns the stored output, other details a CONFLICT that
    names the caller's own fields only; flagged when the model's lineage has a non-compliant run."""
    props = {
        "id": output.output_id,
        # The contract calls the generation time `created_at`; attribution reads `generated_at`.
        "created_at": output.generated_at,
        "generated_at": output.generated_at,
        "title": output.title,
        "duration_seconds": str(output.duration_seconds) if output.duration_seconds is not None else None,
    }
    # Without a chosen id, a replay names the stored output under whatever default it was declared.
    compared = props if output.id else {k: v for k, v in props.items() if k != "id"}
    sent = compared | {"model_id": output.model_id}

    async def work(tx: Tx) -> OutputRecord:
        await _own_model(tx, output.licensee_id, output.model_id, "model that generated the output")
        params = {"hash": output.content_hash, "licensee_id": output.licensee_id}
        await tx.run(LOCK_AUDIO, params)
        existing = await tx.single(OWN_OUTPUT_BY_HASH, params)
        if existing is not None:
            require_same("Output", existing["output"]["id"], existing["output"], sent)
            return OutputRecord.from_row(existing["output"])
        tainted = await tx.run(NON_COMPLIANT_LINEAGE, {"model_id": output.model_id})
        params = {"model_id": output.model_id, "hash": output.content_hash}
        row = await tx.single(CREATE_OUTPUT, params | {"props": props | {"compliant": not tainted}})
        assert row is not None
        await tx.run(OPEN_AUDIO_DISPUTE, {"hash": output.content_hash})
        flags = [lineage_flag(r["run_id"], r["model_id"]) for r in tainted]
        await write_flags(tx, SubjectKind.OUTPUT, output.output_id, flags)
        tx.touch(output.output_id)
        return OutputRecord.from_row(row["output"])

    return await db.write(work)


# --- flags -----------------------------------------------------------------------------------


async def write_flags(tx: Tx, kind: SubjectKind, subject_id: str, flags: list[FlagDraft]) -> None:
    if not flags:
        return
    rows = [_flag_row(kind, subject_id, f) for f in flags]
    await tx.run(WRITE_FLAGS[kind], {"flags": rows})


def _flag_row(kind: SubjectKind, subject_id: str, flag: FlagDraft) -> dict[str, Any]:
    target = flag.recording_id or flag.work_id or flag.reference
    if flag.recording_id and flag.work_id:
        target = f"{flag.recording_id}/{flag.work_id}"
    props = {
        "code": flag.code.value,
        "message": flag.message,
        "reasons": list(flag.reasons),
        "subject_kind": kind.value,
        "subject_id": subject_id,
        "work_id": flag.work_id,
        "recording_id": flag.recording_id,
        "reference": flag.reference,
    }
    return {"id": flag_id(subject_id, flag.code, target), "props": props}


# --- OpenLineage: a run opened by START, completed by COMPLETE, discarded by FAIL or ABORT ------------

OPEN_RUN = """
MATCH (m:Model {id: $model_id})
MERGE (r:TrainingRun {id: $id})
ON CREATE SET r += $props, r.status = 'UPLOADING', r.upload_token = $token, r.created_at = datetime()
MERGE (r)-[:PRODUCED]->(m)
RETURN r {.*} AS run
"""
KEEP_OPENLINEAGE = "MATCH (r:TrainingRun {id: $id}) SET r += $props RETURN r.id AS id"


async def open_run(
    db: Database,
    run_id: str,
    licensee_id: str,
    model_id: str,
    grant_id: str | None,
    started_at: datetime,
    kept: dict[str, str],
) -> dict[str, Any]:
    """A run announced before its manifest (OpenLineage START): UPLOADING, so no reader sees it, until
    `declare_training_run` completes it or `discard_open_run` removes it. A repeated START is harmless."""

    async def work(tx: Tx) -> dict[str, Any]:
        await _own_model(tx, licensee_id, model_id, "model the run produces")
        await _grant(tx, grant_id)
        existing = await tx.single(RUN, {"id": run_id})
        if existing is not None and existing["run"].get("licensee_id") != licensee_id:
            raise taken("Training run", run_id)
        if existing is not None and existing["run"].get("status") == "COMPLETE":
            raise Conflict(f"Training run {run_id!r} is already complete; a new run needs a new id.")
        props: dict[str, Any] = {"licensee_id": licensee_id, "model_id": model_id, "grant_id": grant_id}
        props |= {"started_at": started_at} | kept
        params = {"id": run_id, "model_id": model_id, "props": props, "token": secrets.token_hex(16)}
        row = await tx.single(OPEN_RUN, params)
        assert row is not None
        tx.touch(run_id)
        stored: dict[str, Any] = row["run"]
        return stored

    return await db.write(work)


async def announced_run(db: Database, run_id: str, licensee_id: str) -> dict[str, Any]:
    """The run a START opened for this licensee (or a complete one, for a repeated COMPLETE)."""
    found = await _existing_run(db, run_id)
    if found is None or found.get("licensee_id") != licensee_id:
        raise NotFound(f"No training run {run_id!r} was started: send its START event first.")
    return found


async def keep_openlineage(db: Database, run_id: str, kept: dict[str, str]) -> None:
    async def work(tx: Tx) -> None:
        await tx.run(KEEP_OPENLINEAGE, {"id": run_id, "props": kept})
        tx.touch(run_id)

    await db.write(work)


async def discard_open_run(db: Database, run_id: str, licensee_id: str) -> bool:
    """FAIL or ABORT: remove a run still UPLOADING; False when there was none. A complete run stays."""
    found = await _existing_run(db, run_id)
    if found is None or found.get("licensee_id") != licensee_id:
        return False
    if found.get("status") == "COMPLETE":
        raise Conflict(f"Training run {run_id!r} is complete; a failed retry does not discard it.")
    await _discard(db, run_id, found.get("upload_token") or "")
    return True
