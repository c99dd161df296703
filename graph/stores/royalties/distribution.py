"""The aggregation in Neo4j that feeds registry.royalties: per usage report, the facts its stream rule needs.

A distribution pages through a period's usage reports in `sort_key` order (keyset: never OFFSET, never
the whole period in memory) and, per page, reads every fact of the page in one read transaction of a
fixed number of queries, whatever the number of influences, works or holders:

- OUTPUT_USE: per output, its model, creation time and every current attribution report with its
  influences (matched to works, or unmatched references); registry.attribution_counting picks the
  report that counts under the licence's rule.
- SERVICE_USE and OUTPUT_USE: per model, its licence terms (the grant of the run that produced it, or
  the licensee's grant for the model's name and version) and its training lineage: every COMPLETE run
  that produced it or a model it was FINE_TUNED_FROM, with the works they USED and their weights.
- TRAINING: per model, the COMPLETE runs that produced it, each with its grant's terms, start time and
  used works.
- per work touched: the licensability facts (graph/stores/rights.work_facts, judged by registry.rights
  at the time that counts) and the registered shares.

When a work is judged: training at the run's start; service use at the first instant of the period
(the state in which the month's use began); output use, influences and lineage alike, at the output's
creation (when the works shaped it).
"""

from __future__ import annotations

import asyncio
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from graph.database import Database, Tx
from graph.stores._records import from_epoch_us, native
from graph.stores.catalogue.basis import CatalogueCache, catalogue_totals
from graph.stores.licensing.rights import work_facts
from registry.attribution_counting import CountingRule, ReportHead, counting_report
from registry.errors import NotFound
from registry.money import Currency, to_fraction
from registry.rights import Scope, WorkFacts
from registry.royalties import (
    Distribution,
    LicenceTerms,
    ReportInput,
    Stream,
    TrainingBase,
    WorkInput,
    WorkUsage,
    distribute_output_use,
    evolve,
)
from registry.royalties.facts import (
    ChainRow,
    LineageUse,
    ReportFacts,
    ShareRow,
    lineage_usages,
    report_input,
    terms_from_version,
    work_input,
    work_status,
)
from registry.royalties.period import JudgedLineage
from registry.royalties.rules import (
    CatalogueTotals,
    Leaf,
    OutputSplit,
    catalogue_leaves,
    output_use_split,
    service_use_leaves,
    training_leaves,
)
from registry.usage import Period, usage_prefix

BATCH_SIZE = 500
# Subjects settled between two turns of the event loop while the next page is read (settle_period).
SETTLE_GROUP = 5
# Models are few and their lineage is reused by every output they generated; a bounded cache keeps
# memory flat however many models a period touches.
MODEL_CACHE_SIZE = 64
WORK_CACHE_SIZE = 20_000
_NEVER = from_epoch_us(0)  # a report without a time sorts first

# One range on the index (after, end): a seek that starts at the last key and stops after a page.
# (STARTS WITH plus > made the planner seek the whole prefix and filter: every page cost O(period).)
# The page comes as one row, collected in key order: the driver reads every record with a task and a
# timer of its own (the server's receive-timeout hint), so 500 rows cost 110 ms a page against 8 ms.
REPORT_PAGE = """
MATCH (u:UsageReport)
WHERE u.sort_key > $after AND u.sort_key < $end
WITH u ORDER BY u.sort_key LIMIT $limit
RETURN collect([u.sort_key, u.id, u.subject_id, u.amount]) AS page
"""
# Every current report on each output, with its influences: the licence's counting rule chooses in
# Python (registry.attribution_counting). Only COMPOSITION influences carry money: shares are
# registered on works, and no master-rights holders are registered. Times travel as microseconds
# since the epoch, as the rights facts' do (the driver's DateTime hydration is pure Python). The page
# comes as one row of lists, each report's influences as parallel lists (matched works first): the
# driver's cost is per record and per container, and a page has 500 outputs and 10,000 influences.
OUTPUT_FACTS = """
UNWIND $ids AS oid
MATCH (o:Output {id: oid})
OPTIONAL MATCH (m:Model)-[:GENERATED]->(o)
WITH o, m, o.created_at AS at
RETURN collect([o.id, m.id, at.epochSeconds * 1000000 + at.microsecond, COLLECT {
  MATCH (r:AttributionReport)-[:ABOUT]->(o)
  WHERE coalesce(r.current, true)
  WITH r, r.computed_at AS computed, coalesce(r.received_at, r.computed_at) AS received, COLLECT {
    MATCH (r)-[i:INFLUENCE]->(w:Work) WHERE coalesce(i.right_type, 'COMPOSITION') = 'COMPOSITION'
    RETURN [w.id, toString(i.score), toString(i.confidence)]
  } AS matched, COLLECT {
    MATCH (r)-[:UNMATCHED]->(x:UnmatchedInfluence)
    WHERE coalesce(x.right_type, 'COMPOSITION') = 'COMPOSITION'
    RETURN [x.reference, toString(x.score), toString(x.confidence)]
  } AS unmatched
  WITH r, computed, received, size(matched) AS works, matched + unmatched AS edges
  RETURN [
    r.id, r.vendor_id, computed.epochSeconds * 1000000 + computed.microsecond,
    received.epochSeconds * 1000000 + received.microsecond,
    EXISTS { (:Licensee {id: m.licensee_id})-[:ENGAGED {designated: true}]->(:Vendor {id: r.vendor_id}) },
    works, [e IN edges | e[0]], [e IN edges | e[1]], [e IN edges | e[2]]
  ]
}]) AS outputs
"""
# A model's terms: the grant its own training ran under (latest run first), else the licensee's grant
# for the model's name and version. Its lineage: runs of the model and of every fine-tune ancestor.
MODEL_FACTS = """
UNWIND $ids AS mid
MATCH (m:Model {id: mid})
WITH m, COLLECT {
    MATCH (r:TrainingRun)-[:PRODUCED]->(m)
    MATCH (r)-[:UNDER]->(:Grant)-[:OF]->(v:LicenceVersion)
    WITH r, v ORDER BY r.started_at DESC, r.id
    RETURN v {.*}
  } + COLLECT {
    MATCH (:Licensee {id: m.licensee_id})-[:HOLDS]->(g:Grant)-[:OF]->(v:LicenceVersion)
    WHERE g.model_name = m.name AND g.model_version = m.version
    WITH g, v ORDER BY g.valid_from DESC, g.id
    RETURN v {.*}
  } AS versions
RETURN m.id AS id, versions[0] AS version, COLLECT {
  MATCH (m)-[:FINE_TUNED_FROM*0..]->(a:Model)
  WITH DISTINCT a
  MATCH (r:TrainingRun)-[:PRODUCED]->(a)
  WHERE coalesce(r.status, 'COMPLETE') = 'COMPLETE'
  MATCH (r)-[u:USED]->(w:Work)
  RETURN {work_id: w.id, run_id: r.id, model_id: a.id, weight: toString(coalesce(u.weight, '1'))}
} AS lineage
"""
TRAINING_FACTS = """
UNWIND $ids AS mid
MATCH (m:Model {id: mid})
RETURN m.id AS id, COLLECT {
  MATCH (r:TrainingRun)-[:PRODUCED]->(m)
  WHERE coalesce(r.status, 'COMPLETE') = 'COMPLETE'
  RETURN {
    id: r.id, started_at: r.started_at,
    granted_at: head(COLLECT { MATCH (r)-[:UNDER]->(g:Grant) RETURN g.valid_from }),
    version: head(COLLECT { MATCH (r)-[:UNDER]->(:Grant)-[:OF]->(v:LicenceVersion) RETURN v {.*} }),
    used: COLLECT {
      MATCH (r)-[u:USED]->(w:Work) RETURN {work_id: w.id, weight: toString(coalesce(u.weight, '1'))}
    }
  }
} AS runs
"""
SHARES = """
UNWIND $ids AS wid
MATCH (c:Creator)-[s:HOLDS_SHARE]->(:Work {id: wid})
WITH wid, collect({
  holder_id: c.id, role: s.role, performing_bp: coalesce(s.performing_bp, 0),
  mechanical_bp: coalesce(s.mechanical_bp, 0), synchronisation_bp: coalesce(s.synchronisation_bp, 0)
}) AS shares
RETURN collect({id: wid, shares: shares}) AS rows
"""
# The works' publisher chains (CWR): members in chain order and the writers each publishes for.
CHAINS = """
UNWIND $ids AS wid
MATCH (:Work {id: wid})-[:HAS_CHAIN]->(pc:PublisherChain)
WITH wid, collect({
  number: pc.number,
  members: COLLECT { MATCH (m:Creator)-[x:IN_CHAIN]->(pc) RETURN [m.id, x.role_code] ORDER BY x.position },
  writers: COLLECT { MATCH (pc)-[:PUBLISHES_FOR]->(c:Creator) RETURN c.id ORDER BY c.id }
}) AS chains
RETURN collect({id: wid, chains: chains}) AS rows
"""


@dataclass(frozen=True, slots=True)
class Subject:
    """One usage report of the period: what was reported for which model or output."""

    report_id: str
    subject_id: str
    amount: int
    sort_key: str = ""


@dataclass(frozen=True, slots=True)
class Settled:
    """A subject's exact leaves (fractions of `pool` adding up to 1); `revenue` is what was reported.

    Nothing is rounded here: a statement rounds once per payee over the whole period.
    """

    subject: Subject
    revenue: int
    pool: int
    leaves: list[Leaf]
    minimum_payout: int = 0  # the licence's, for the statement's carry-forward
    # Output use: the rule's split of the pool and the lineage it was judged against, summed by the
    # statement per work before holders (registry.royalties.period); `leaves` is then empty.
    output: tuple[OutputSplit, JudgedLineage] | None = None


@dataclass(frozen=True, slots=True)
class ModelFacts:
    id: str
    terms: LicenceTerms
    rule: CountingRule
    lineage: tuple[LineageUse, ...]
    judged: _Lineages = field(default_factory=lambda: _Lineages(), compare=False)


@dataclass(frozen=True, slots=True)
class OutputFacts:
    id: str
    model_id: str | None
    created_at: datetime | None
    # Each current report as OUTPUT_FACTS returns it: [id, vendor id, computed at, received at (epoch
    # microseconds), designated, matched count, references, scores, confidences].
    reports: Sequence[list[Any]]


@dataclass(frozen=True, slots=True)
class RunFacts:
    id: str
    started_at: datetime | None
    granted_at: datetime | None
    terms: LicenceTerms
    used: tuple[tuple[str, str], ...]  # (work id, weight)


class _Work:
    """One work's rule facts and shares, and its judgements per (scope, span of time).

    A work's licensability can change only at an instant one of its holders' consents starts or is
    revoked; between two such instants registry.rights gives the same answer. So a judgement is kept
    per span (the index of `at` among the sorted instants), and an output created at any moment of the
    span reuses it: one judgement per work and span instead of one per output.
    """

    __slots__ = ("chains", "facts", "instants", "judged", "shares")

    def __init__(
        self, facts: WorkFacts | None, shares: list[ShareRow], chains: Sequence[ChainRow] = ()
    ) -> None:
        self.facts = facts
        self.shares = shares
        self.chains = chains
        moments = {c.valid_from for h in facts.holders for c in h.consents} if facts else set()
        moments |= (
            {c.revoked_at for h in facts.holders for c in h.consents if c.revoked_at} if facts else set()
        )
        self.instants = sorted(moments)
        self.judged: dict[tuple[Scope, int], WorkInput] = {}

    def input(self, work_id: str, scope: Scope, at: datetime) -> WorkInput:
        key = (scope, bisect_right(self.instants, at))
        found = self.judged.get(key)
        if found is None:
            status = work_status(self.facts, scope, at)
            found = self.judged[key] = work_input(work_id, self.shares, status, self.chains)
        return found


_UNKNOWN = _Work(None, [])


class _Works:
    """The works one page touches, judged per (scope, moment) on demand (`_Work`)."""

    def __init__(self, works: Mapping[str, _Work]) -> None:
        self._works = works

    def input(self, work_id: str, scope: Scope, at: datetime) -> WorkInput:
        return self._works.get(work_id, _UNKNOWN).input(work_id, scope, at)

    def judge(self, scope: Scope, at: datetime) -> Callable[[str], WorkInput]:
        """`input` at one scope and moment, as a function of the work id (called for every influence:
        a judgement already made is found without a second call)."""
        works = self._works

        def judged(work_id: str) -> WorkInput:
            work = works.get(work_id, _UNKNOWN)
            found = work.judged.get((scope, bisect_right(work.instants, at)))
            return found if found is not None else work.input(work_id, scope, at)

        return judged

    def all(self, ids: set[str], scope: Scope, at: datetime) -> dict[str, WorkInput]:
        return {work_id: self.input(work_id, scope, at) for work_id in ids}

    def instants(self, work_id: str) -> list[datetime]:
        return self._works.get(work_id, _UNKNOWN).instants


class _Lineages:
    """Models' lineages judged per span of time: the union of their works' consent instants splits time
    into spans in which every lineage work keeps its judgement, so an output reuses its span's usages
    (one bisect) instead of judging the whole lineage again. Kept per model in the bounded ModelCache."""

    __slots__ = ("instants", "judged")

    def __init__(self) -> None:
        self.instants: list[datetime] | None = None
        self.judged: dict[int, JudgedLineage] = {}

    def at(self, model: ModelFacts, works: _Works, scope: Scope, at: datetime) -> JudgedLineage:
        if self.instants is None:
            ids = {u.work_id for u in model.lineage}
            self.instants = sorted({i for work_id in ids for i in works.instants(work_id)})
        span = bisect_right(self.instants, at)
        found = self.judged.get(span)
        if found is None:
            usages = _lineage(works, model, scope, at)
            found = self.judged[span] = JudgedLineage((model.id, scope, span), model.id, usages)
        return found


class WorkCache:
    """Works' rule facts, shares and judgements across pages, least recently used dropped first.

    A period's outputs draw on the same catalogue over and over; re-reading and re-judging it per page
    was most of the time. The bound keeps memory flat (a few KiB per work) however long the period.
    """

    def __init__(self, size: int = WORK_CACHE_SIZE) -> None:
        self._size = size
        self._items: OrderedDict[str, _Work] = OrderedDict()

    def missing(self, ids: set[str]) -> list[str]:
        return sorted(i for i in ids if i not in self._items)

    def put(
        self, work_id: str, facts: WorkFacts | None, shares: list[ShareRow], chains: Sequence[ChainRow] = ()
    ) -> None:
        self._items[work_id] = _Work(facts, shares, chains)
        self._items.move_to_end(work_id)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def works(self, ids: set[str]) -> _Works:
        entries = {i: self._items[i] for i in ids if i in self._items}
        for work_id in entries:
            self._items.move_to_end(work_id)
        return _Works(entries)


class ModelCache:
    """Model facts by id, least recently used dropped first."""

    def __init__(self, size: int = MODEL_CACHE_SIZE) -> None:
        self._size = size
        self._items: OrderedDict[str, ModelFacts] = OrderedDict()

    def get(self, model_id: str) -> ModelFacts | None:
        found = self._items.get(model_id)
        if found is not None:
            self._items.move_to_end(model_id)
        return found

    def put(self, facts: ModelFacts) -> None:
        self._items[facts.id] = facts
        self._items.move_to_end(facts.id)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


@dataclass
class Caches:
    """What one distribution remembers between pages: bounded, so memory does not grow with the period."""

    models: ModelCache = field(default_factory=ModelCache)
    works: WorkCache = field(default_factory=WorkCache)
    catalogue: CatalogueCache = field(default_factory=CatalogueCache)


# --- reading ------------------------------------------------------------------------------------


def _moment(value: Any) -> datetime | None:
    if isinstance(value, int):
        return from_epoch_us(value)
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return native(value)


async def _page(db: Database, prefix: str, after: str, limit: int) -> list[Subject]:
    # Every key of the distribution starts with `prefix`, which ends in "|": all of them sort below the
    # prefix with its last character bumped to "}" (ASCII, so code-point and UTF-16 orders agree).
    params = {"after": max(after, prefix), "end": prefix[:-1] + "}", "limit": limit}
    rows = await db.run_read_plain(REPORT_PAGE, params)
    return [
        Subject(report_id, subject_id, amount, key) for key, report_id, subject_id, amount in rows[0]["page"]
    ]


async def _models(tx: Tx, ids: set[str], cache: ModelCache) -> dict[str, ModelFacts]:
    found = {mid: hit for mid in ids if (hit := cache.get(mid)) is not None}
    missing = sorted(ids - found.keys())
    if missing:
        for row in await tx.run_plain(MODEL_FACTS, {"ids": missing}):
            version = row["version"]
            rule = CountingRule.from_terms(
                (version or {}).get("attribution_rule"), (version or {}).get("attribution_vendor_id")
            )
            lineage = tuple(
                LineageUse(u["work_id"], u["run_id"], u["model_id"], u["weight"]) for u in row["lineage"]
            )
            facts = ModelFacts(row["id"], terms_from_version(version), rule, lineage)
            cache.put(facts)
            found[facts.id] = facts
    return found


async def _works(tx: Tx, ids: set[str], cache: WorkCache) -> _Works:
    """The page's works, reading only those the cache lacks (three queries, or none)."""
    missing = cache.missing(ids)
    if missing:
        facts = await work_facts(tx, missing)
        rows = await tx.rows(SHARES, {"ids": missing})
        shares = {row["id"]: [ShareRow(**share) for share in row["shares"]] for row in rows}
        chains = {
            row["id"]: [_chain(chain) for chain in row["chains"]]
            for row in await tx.rows(CHAINS, {"ids": missing})
        }
        for work_id in missing:
            cache.put(work_id, facts.get(work_id), shares.get(work_id, []), chains.get(work_id, []))
    return cache.works(ids)


def _chain(row: dict[str, Any]) -> ChainRow:
    members = tuple((member[0], member[1] or "") for member in row["members"])
    return ChainRow(row["number"], members, tuple(row["writers"]))


async def _outputs(tx: Tx, ids: list[str]) -> dict[str, OutputFacts]:
    rows = await tx.run_plain(OUTPUT_FACTS, {"ids": ids})
    return {
        output_id: OutputFacts(output_id, model_id, _moment(created_at), reports)
        for output_id, model_id, created_at, reports in rows[0]["outputs"]
    }


def _chosen(output: OutputFacts, rule: CountingRule) -> ReportFacts | None:
    heads = [
        ReportHead(
            id=r[0],
            vendor_id=r[1] or "",
            computed_at=_moment(r[2]) or _NEVER,
            received_at=_moment(r[3]) or _NEVER,
            current=True,
            designated=bool(r[4]),
        )
        for r in output.reports
    ]
    head = counting_report(heads, rule)
    if head is None:
        return None
    report = next(r for r in output.reports if r[0] == head.id)
    return ReportFacts(head.id, head.vendor_id, report[6], report[7], report[8], report[5])


# --- per stream ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _OutputPage:
    outputs: dict[str, OutputFacts]
    models: dict[str, ModelFacts]
    works: _Works
    # Per output: the report that counts under its licence's rule.
    counted: dict[str, ReportFacts | None]


async def _output_page(db: Database, ids: list[str], cache: Caches) -> _OutputPage:
    async def work(tx: Tx) -> _OutputPage:
        outputs = await _outputs(tx, ids)
        models = await _models(tx, {o.model_id for o in outputs.values() if o.model_id}, cache.models)
        touched = {u.work_id for m in models.values() for u in m.lineage}
        counted = {}
        for output in outputs.values():
            rule = models[output.model_id].rule if output.model_id in models else CountingRule()
            chosen = counted[output.id] = _chosen(output, rule)
            if chosen is not None:
                touched.update(chosen.work_ids())
        return _OutputPage(outputs, models, await _works(tx, touched, cache.works), counted)

    return await db.read(work)


@dataclass(frozen=True, slots=True)
class _OutputCase:
    """What the output-use rule reads for one output: its pool, the rule's inputs and when it is judged."""

    pool: int
    output_id: str
    model_id: str
    model: ModelFacts | None
    terms: LicenceTerms
    report: ReportInput | None
    at: datetime


def _output_case(
    page: _OutputPage, output_id: str, amount: int, at_fallback: datetime, *, at_rate: bool
) -> _OutputCase:
    output = page.outputs.get(output_id)
    if output is None:
        raise NotFound(f"No output has id {output_id!r}.")
    model = page.models.get(output.model_id or "")
    terms = model.terms if model else LicenceTerms("none", "-")
    at = output.created_at or at_fallback
    chosen = page.counted[output_id]
    report = report_input(chosen, page.works.judge(Scope.OUTPUT_USE, at)) if chosen else None
    pool = terms.pool_for(Stream.OUTPUT_USE, amount) if at_rate else amount
    return _OutputCase(pool, output_id, output.model_id or "(unknown)", model, terms, report, at)


def _lineage(works: _Works, model: ModelFacts | None, scope: Scope, at: datetime) -> list[WorkUsage]:
    if model is None:
        return []
    inputs = works.all({u.work_id for u in model.lineage}, scope, at)
    return lineage_usages(model.lineage, inputs)


# An output whose model is unknown: its lineage's share has nothing to go to (NO_ELIGIBLE_WORKS).
_NO_LINEAGE = JudgedLineage(("(no model)",), "(unknown)", ())


# Each stream reads the facts of a page of subjects and answers how to settle any one of them.
Settle = Callable[[Subject], Settled]


async def _output_batch(db: Database, subjects: list[Subject], period: Period, cache: Caches) -> Settle:
    page = await _output_page(db, [s.subject_id for s in subjects], cache)

    def settle(subject: Subject) -> Settled:
        case = _output_case(page, subject.subject_id, subject.amount, period.start, at_rate=True)
        model = case.model
        lineage = model.judged.at(model, page.works, Scope.OUTPUT_USE, case.at) if model else _NO_LINEAGE
        output = (output_use_split(case.report, case.terms), lineage)
        return Settled(subject, subject.amount, case.pool, [], case.terms.minimum_payout, output)

    return settle


async def _service_batch(db: Database, subjects: list[Subject], period: Period, cache: Caches) -> Settle:
    async def work(tx: Tx) -> tuple[dict[str, ModelFacts], _Works]:
        models = await _models(tx, {s.subject_id for s in subjects}, cache.models)
        return models, await _works(tx, {u.work_id for m in models.values() for u in m.lineage}, cache.works)

    models, works = await db.read(work)

    def settle(subject: Subject) -> Settled:
        model = models.get(subject.subject_id)
        terms = model.terms if model else LicenceTerms("none", "-")
        lineage = _lineage(works, model, Scope.SERVICE_USE, period.start)
        pool = terms.pool_for(Stream.SERVICE_USE, subject.amount)
        leaves = service_use_leaves(model_id=subject.subject_id, terms=terms, lineage=lineage, explain=False)
        return Settled(subject, subject.amount, pool, leaves, terms.minimum_payout)

    return settle


async def _training_batch(db: Database, subjects: list[Subject], period: Period, cache: Caches) -> Settle:
    async def work(tx: Tx) -> tuple[dict[str, list[RunFacts]], _Works]:
        rows = await tx.run(TRAINING_FACTS, {"ids": sorted({s.subject_id for s in subjects})})
        runs = {row["id"]: [_run(r) for r in row["runs"]] for row in rows}
        touched = {work_id for found in runs.values() for run in found for work_id, _ in run.used}
        return runs, await _works(tx, touched, cache.works)

    runs, works = await db.read(work)
    catalogues = {
        run.id: await catalogue_totals(
            db, run.granted_at or run.started_at or period.start, run.terms.training_right, cache.catalogue
        )
        for found in runs.values()
        for run in found
        if run.terms.training_base is TrainingBase.CATALOGUE
    }

    def settle(subject: Subject) -> Settled:
        found = runs.get(subject.subject_id, [])
        minimum = max((run.terms.minimum_payout for run in found), default=0)
        leaves = _training(subject, found, works, period, catalogues)
        return Settled(subject, subject.amount, subject.amount, leaves, minimum)

    return settle


def _run(row: dict[str, Any]) -> RunFacts:
    used = tuple(sorted((u["work_id"], u["weight"]) for u in row["used"]))
    return RunFacts(
        row["id"],
        _moment(row["started_at"]),
        _moment(row.get("granted_at")),
        terms_from_version(row["version"]),
        used,
    )


def _training(
    subject: Subject,
    runs: list[RunFacts],
    works: _Works,
    period: Period,
    catalogues: Mapping[str, CatalogueTotals],
) -> list[Leaf]:
    """The model's training fee over the runs that produced it (equally), each by the training rule
    (over the works it used, or over the licensed catalogue when its licence says CATALOGUE)."""
    if not runs:
        note = f"model {subject.subject_id} (no complete training run)"
        return training_leaves(run_id=note, terms=LicenceTerms("none", "-"), used=[], explain=False)
    each = Fraction(1, len(runs))
    leaves: list[Leaf] = []
    for run in sorted(runs, key=lambda r: r.id):
        if run.id in catalogues:
            own = catalogue_leaves(
                run_id=run.id, terms=run.terms, catalogue=catalogues[run.id], explain=False
            )
            leaves += [evolve(leaf, fraction=leaf.fraction * each) for leaf in own]
            continue
        at = run.started_at or period.start
        used = [
            WorkUsage(works.input(work_id, Scope.TRAINING, at), to_fraction(weight, what="USED weight"))
            for work_id, weight in run.used
        ]
        own = training_leaves(run_id=run.id, terms=run.terms, used=used, explain=False)
        leaves += [evolve(leaf, fraction=leaf.fraction * each) for leaf in own]
    return leaves


_BATCHES = {
    Stream.OUTPUT_USE: _output_batch,
    Stream.SERVICE_USE: _service_batch,
    Stream.TRAINING: _training_batch,
}


async def settle_period(
    db: Database, stream: Stream, period: Period, currency: str, *, batch_size: int = BATCH_SIZE
) -> AsyncIterator[list[Settled]]:
    """Every usage report of the period, stream and currency, settled in sort_key order, a few at a time.

    Pages are read one ahead: while the caller settles and sums one page, the next one is read, so
    Neo4j works on it on the other core instead of waiting for Python (and Python for Neo4j). The
    event loop gets a turn between groups of SETTLE_GROUP subjects, which is when the read ahead
    sends its queries and takes in its rows. A group's objects die before the collector promotes them.
    """
    code = Currency.of(currency).code
    prefix = usage_prefix(stream, period, code)
    cache = Caches()
    read_batch = _BATCHES[stream]

    async def read(after: str) -> tuple[list[Subject], Settle | None]:
        subjects = await _page(db, prefix, after, batch_size)
        return subjects, await read_batch(db, subjects, period, cache) if subjects else None

    ahead = asyncio.ensure_future(read(""))
    try:
        while True:
            subjects, settle = await ahead
            if settle is None:
                return
            ahead = asyncio.ensure_future(read(subjects[-1].sort_key))
            for start in range(0, len(subjects), SETTLE_GROUP):
                yield [settle(subject) for subject in subjects[start : start + SETTLE_GROUP]]
                if not ahead.done():
                    await asyncio.sleep(0)
    finally:
        ahead.cancel()
        await asyncio.gather(ahead, return_exceptions=True)


async def page_subjects(
    db: Database, stream: Stream, period: Period, currency: str, *, batch_size: int = BATCH_SIZE
) -> AsyncIterator[list[Subject]]:
    """Only the paging of `settle_period`, without computing: the benchmark's baseline."""
    prefix = usage_prefix(stream, period, Currency.of(currency).code)
    after = ""
    while subjects := await _page(db, prefix, after, batch_size):
        yield subjects
        after = subjects[-1].sort_key


async def who_gets_paid(
    db: Database, output_id: str, amount: int, currency: str, *, explain: bool = True
) -> Distribution:
    """Who is paid, and why, if `amount` were earned by one output today: the OUTPUT_USE rule, unrated.

    The amount is the pool itself (no licence rate applied): the question is how it divides. Without
    `explain` the lines carry no paths or messages (they cost more than the rule's arithmetic).
    """
    code = Currency.of(currency).code
    page = await _output_page(db, [output_id], Caches())
    case = _output_case(page, output_id, amount, datetime.now(UTC), at_rate=False)
    return distribute_output_use(
        case.pool,
        code,
        output_id=output_id,
        model_id=case.model_id,
        terms=case.terms,
        report=case.report,
        lineage=_lineage(page.works, case.model, Scope.OUTPUT_USE, case.at),
        explain=explain,
    )
