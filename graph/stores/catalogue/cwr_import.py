"""Load a parsed CWR file into the catalogue: batched UNWIND transactions, never half a work.

Works are written in batches (`BATCH_SIZE` per transaction): one transaction upserts the batch's creators,
then its works with their whole splits and recordings. When a batch fails (a constraint, a bad value the
parser let through), its works are retried one transaction each, so one bad work is rejected alone and the
rest of the batch still loads. Works whose stored digest equals the file's are left untouched: importing
the same file twice changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import ValidationError

from graph.bulk_gc import full_collections_deferred
from graph.database import Database, Tx
from graph.metrics import IMPORT_RECORDS
from graph.stores.catalogue.writes import (
    Outcome,
    WorkOutcome,
    upsert_creators_tx,
    write_works_tx,
)
from registry.catalogue import CreatorRegistration, WorkRegistration
from registry.catalogue_cwr import registration_from_cwr, sender_key
from registry.cwr import CwrReader, CwrRejection, CwrWork
from registry.cwr.ack import AckEntry
from registry.errors import DomainError

log = logging.getLogger(__name__)
# Works per write transaction: as many as the raw floor writes at once (benchmarks/cwr_baseline.py).
BATCH_SIZE = 5_000
# The works that loaded claims landed on and that are in dispute now the file is in: their claims get CO.
DISPUTED_RIGHTS = """
UNWIND $ids AS id
MATCH (w:Work {id: id}) WHERE w.disputed
RETURN w.id AS id, w.disputed_rights AS rights
"""


@dataclass(frozen=True, slots=True)
class ImportRejection:
    """A transaction that was not loaded: where it is in the file and why."""

    transaction_seq: int | None
    record_seq: int | None
    record_type: str
    line_number: int
    submitter_work_id: str | None
    title: str | None
    reason: str
    rule: str | None = None  # the broken rule's code (registry.cwr.rules), when the parser named one

    @classmethod
    def from_parser(cls, rejection: CwrRejection) -> ImportRejection:
        return cls(
            rejection.transaction_seq,
            rejection.record_seq,
            rejection.record_type,
            rejection.line_number,
            rejection.submitter_work_id,
            rejection.title,
            rejection.reason,
            rejection.rule,
        )

    @classmethod
    def of_work(cls, work: CwrWork, reason: str) -> ImportRejection:
        return cls(
            work.transaction_seq,
            work.record_seq,
            work.transaction_type,
            work.line_number,
            work.submitter_work_id,
            work.title,
            reason,
        )


@dataclass
class ImportReport:
    works_created: int = 0
    works_updated: int = 0
    works_unchanged: int = 0
    works_repaired: int = 0  # loaded works that came with messages (a repair, a dropped field)
    rejections: list[ImportRejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # file-level messages, then each loaded work's
    work_ids: list[str] = field(default_factory=list)  # of every loaded work, in file order
    # Each transaction and what became of it, in file order, when an acknowledgement was asked for.
    acknowledgements: list[AckEntry] | None = None

    @property
    def works_loaded(self) -> int:
        return self.works_created + self.works_updated + self.works_unchanged

    @property
    def works_rejected(self) -> int:
        return len(self.rejections)

    def count(self, outcomes: Iterable[WorkOutcome]) -> None:
        for outcome in outcomes:
            self.work_ids.append(outcome.work_id)
            match outcome.outcome:
                case Outcome.CREATED:
                    self.works_created += 1
                case Outcome.UPDATED:
                    self.works_updated += 1
                case Outcome.UNCHANGED:
                    self.works_unchanged += 1


@dataclass(frozen=True, slots=True)
class _Pending:
    source: CwrWork
    creators: list[CreatorRegistration]
    work: WorkRegistration
    ack: AckEntry | None

    @property
    def keys(self) -> set[str]:
        return {f"id:{self.work.id}"} | ({f"iswc:{self.work.iswc}"} if self.work.iswc else set())


def _validation_reason(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'value'}: {err['msg']}" for err in exc.errors()
    )


class _Batches:
    """Collects works and writes them a batch at a time."""

    def __init__(self, db: Database, report: ImportReport, size: int) -> None:
        self.db = db
        self.report = report
        self.size = size
        self.pending: list[_Pending] = []
        self.keys: set[str] = set()
        # Creators this import has already written (a frozen registration: its key and content) and their
        # node ids: a catalogue's parties recur in work after work, and sending them again with every batch
        # cost more than the works themselves. Filled after a batch commits: a rolled-back one leaves none.
        self.written_creators: dict[CreatorRegistration, str] = {}
        # Acknowledgements of transactions written as claims on another registration's work.
        self.claim_acks: list[AckEntry] = []

    async def add(self, item: _Pending) -> None:
        # The same work twice in one batch would resolve as new twice; write the earlier one first.
        keys = item.keys
        if not self.keys.isdisjoint(keys):
            await self.flush()
        self.pending.append(item)
        self.keys |= keys
        if len(self.pending) >= self.size:
            await self.flush()

    async def flush(self) -> None:
        batch, self.pending, self.keys = self.pending, [], set()
        if not batch:
            return
        try:
            self._commit(batch, *await self.db.write(lambda tx: _write(tx, batch, self.written_creators)))
            IMPORT_RECORDS.labels("cwr").inc(len(batch))
        except DomainError as exc:
            log.info("batch of %d works failed (%s); writing them one by one", len(batch), exc.message)
            for item in batch:
                await self._write_alone(item)

    async def _write_alone(self, item: _Pending) -> None:
        try:
            self._commit([item], *await self.db.write(lambda tx: _write(tx, [item], self.written_creators)))
            IMPORT_RECORDS.labels("cwr").inc()
        except DomainError as exc:
            self.report.rejections.append(ImportRejection.of_work(item.source, exc.message))
            if item.ack is not None:
                item.ack.reason = exc.message

    def _commit(
        self, batch: list[_Pending], outcomes: list[WorkOutcome], creators: dict[CreatorRegistration, str]
    ) -> None:
        self.written_creators.update(creators)
        self.report.count(outcomes)
        for item, outcome in zip(batch, outcomes, strict=True):
            if item.source.messages:
                self.report.works_repaired += 1
                self.report.warnings.extend(item.source.warnings)
            if item.ack is not None:
                item.ack.work_id = outcome.work_id
                item.ack.iswc = item.work.iswc
                if outcome.work_id != item.work.id:
                    self.claim_acks.append(item.ack)

    async def mark_conflicts(self) -> None:
        """Claims whose work is disputed once the whole file is in: CWR status CO, naming the rights."""
        ids = sorted({ack.work_id for ack in self.claim_acks if ack.work_id})
        if not ids:
            return
        rows = await self.db.run_read(DISPUTED_RIGHTS, {"ids": ids})
        rights = {row["id"]: row["rights"] for row in rows}
        for ack in self.claim_acks:
            if ack.work_id in rights:
                ack.conflict = (
                    f"claims on work {ack.work_id} add up to more than 100 % of "
                    f"{', '.join(rights[ack.work_id]).lower()}: in dispute until an ADMIN resolves it"
                )


def _is_claim(work: WorkRegistration, node_id: str) -> bool:
    # Another CWR registration (another sender or work number) of a work a CWR registration created:
    # two submitters, one ISWC. The society keeps both; the second does not overwrite the first.
    return node_id != work.id and node_id.startswith("cwr:")


async def _write(
    tx: Tx, batch: list[_Pending], written: dict[CreatorRegistration, str]
) -> tuple[list[WorkOutcome], dict[CreatorRegistration, str]]:
    """Write a batch: its creators not yet written by this import, then its works; also the creator ids."""
    known: dict[str, str] = {}
    fresh: dict[CreatorRegistration, None] = {}
    for creator in (c for item in batch for c in item.creators):
        node_id = written.get(creator)
        if node_id is None:
            fresh[creator] = None
        else:
            known[creator.key] = node_id
    ids = await upsert_creators_tx(tx, list(fresh))
    outcomes = await write_works_tx(tx, [item.work for item in batch], known | ids, _is_claim)
    return outcomes, {creator: ids[creator.key] for creator in fresh}


async def import_cwr(
    db: Database, reader: CwrReader, *, batch_size: int = BATCH_SIZE, acknowledge: bool = False
) -> ImportReport:
    """Import every transaction `reader` yields; a file that is not CWR 2.x raises InvalidInput.

    With `acknowledge`, the report keeps each transaction's outcome for `registry.cwr.ack.write_ack`.
    """
    report = ImportReport(acknowledgements=[] if acknowledge else None)
    batches = _Batches(db, report, batch_size)
    with full_collections_deferred():
        await _read_into(batches, reader, acknowledge)
        await batches.flush()
    await batches.mark_conflicts()
    report.warnings[:0] = reader.warnings
    return report


async def _read_into(batches: _Batches, reader: CwrReader, acknowledge: bool) -> None:
    """Each transaction of the file: a rejection into the report, a work into the batches."""
    report = batches.report
    for item in reader:
        ack = AckEntry(item) if acknowledge else None
        if report.acknowledgements is not None and ack is not None:
            report.acknowledgements.append(ack)
        if isinstance(item, CwrRejection):
            report.rejections.append(ImportRejection.from_parser(item))
            continue
        try:
            creators, work = registration_from_cwr(item, sender_key(reader.header))
        except (DomainError, ValidationError) as exc:
            reason = exc.message if isinstance(exc, DomainError) else _validation_reason(exc)
            report.rejections.append(ImportRejection.of_work(item, reason))
            if ack is not None:
                ack.reason = reason
            continue
        await batches.add(_Pending(item, creators, work, ack))
