"""The one Neo4j driver of a process, and the managed transactions every store runs through.

Every query goes through `Tx.run`, which counts it: the N+1 tests read that count to prove that one
GraphQL request makes a bounded number of round trips whatever the size of its answer.

Read-your-writes in a cluster: every session of the process shares one bookmark manager, so a read waits
until the member serving it has seen every write this process committed before. Across processes (workers,
replicas) a request may carry the bookmarks another one answered with (`carrying_bookmarks`).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any, LiteralString, TypeVar

import neo4j
from neo4j import AsyncGraphDatabase, AsyncManagedTransaction
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConstraintError,
    DatabaseError,
    DatabaseUnavailable,
    IncompleteCommit,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph import audit
from graph.metrics import NEO4J_QUERIES, NEO4J_TRANSACTION_SECONDS
from registry.errors import Conflict, InvalidInput, Unavailable

T = TypeVar("T")
Record = dict[str, Any]
log = logging.getLogger(__name__)
# Waits between start-up attempts while the database is away: doubled each time, never above the cap.
FIRST_WAIT_SECONDS = 0.5
LONGEST_WAIT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Neo4jSettings:
    uri: str
    user: str
    password: str
    database: str = "neo4j"
    # Fail fast when the database is away, rather than hold a request for the driver's 60 s default.
    connection_timeout: float = 3.0
    acquisition_timeout: float = 5.0
    # Long enough to ride out a deadlock or a leader switch, short enough that an outage answers quickly.
    max_retry_time: float = 3.0


class QueryCounter:
    """Counts queries sent in the current context (one GraphQL request, one test)."""

    _current: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("query_count", default=None)

    @classmethod
    @asynccontextmanager
    async def counting(cls) -> AsyncIterator[list[int]]:
        box = [0]
        token = cls._current.set(box)
        try:
            yield box
        finally:
            cls._current.reset(token)

    @classmethod
    def tick(cls) -> None:
        box = cls._current.get()
        if box is not None:
            box[0] += 1


@dataclass(slots=True)
class CarriedBookmarks:
    """The bookmarks a request brought (`given`) and those its sessions ended with (`latest`)."""

    given: tuple[str, ...] = ()
    latest: list[str] = field(default_factory=list)


_bookmarks: contextvars.ContextVar[CarriedBookmarks | None] = contextvars.ContextVar(
    "bookmarks", default=None
)


@contextmanager
def carrying_bookmarks(given: tuple[str, ...]) -> Iterator[CarriedBookmarks]:
    """Sessions opened inside start after `given`; the yielded object collects the bookmarks they end with."""
    carried = CarriedBookmarks(given)
    token = _bookmarks.set(carried)
    try:
        yield carried
    finally:
        _bookmarks.reset(token)


class Tx:
    """A managed transaction with eager results; stores receive this, never the raw driver."""

    def __init__(self, tx: AsyncManagedTransaction, kind: str = "read") -> None:
        self._tx = tx
        self.kind = kind
        self.touched: list[str] = []
        self.changed = False

    def touch(self, *ids: str | None) -> None:
        """Name the records this transaction wrote; the audit event lists them."""
        self.touched.extend(i for i in ids if i)

    async def run(self, query: LiteralString, params: Mapping[str, Any] | None = None) -> list[Record]:
        return await self._run(query, params, exported=True)

    async def run_plain(self, query: LiteralString, params: Mapping[str, Any] | None = None) -> list[Record]:
        """`run` for a query that returns only scalars, lists and maps (no nodes, relationships or paths):
        each record as it was decoded, without the driver's recursive `Record.data()` export, which cost
        a fifth of a distribution's time on its per-output reports."""
        return await self._run(query, params, exported=False)

    async def _run(
        self, query: LiteralString, params: Mapping[str, Any] | None, *, exported: bool
    ) -> list[Record]:
        QueryCounter.tick()
        NEO4J_QUERIES.labels(self.kind).inc()
        result = await self._tx.run(query, dict(params or {}))
        if exported:
            records = await _records(result)
        else:
            records = [dict(zip(record.keys(), record, strict=True)) async for record in result]
        summary = await result.consume()
        self.changed = self.changed or summary.counters.contains_updates
        return records

    async def rows(self, query: LiteralString, params: Mapping[str, Any] | None = None) -> list[Record]:
        """The rows of a query that returns them all as one list, `RETURN collect({...}) AS rows` (values,
        lists and maps only). The driver spends 50-100 µs of Python on every record it receives (its
        message and chunk handling), whatever the record holds; one record of 5,000 maps took a fifth
        of the time of 5,000 records, one record of 5,000-long lists a tenth."""
        records = await self._run(query, params, exported=False)
        packed: list[Record] = records[0]["rows"] if records else []
        return packed

    async def single(self, query: LiteralString, params: Mapping[str, Any] | None = None) -> Record | None:
        rows = await self.run(query, params)
        return rows[0] if rows else None


async def _records(result: neo4j.AsyncResult) -> list[Record]:
    return [record.data() async for record in result]


class Database:
    """Owns the AsyncDriver; `read` and `write` run a function in a managed (retried) transaction.

    Transaction functions may run more than once on transient errors, so they must be idempotent:
    every write in this project MERGEs on a natural or client-supplied key.
    """

    def __init__(self, driver: neo4j.AsyncDriver, database: str) -> None:
        self._driver = driver
        self.database = database
        self._bookmark_manager = AsyncGraphDatabase.bookmark_manager()

    @classmethod
    def connect(cls, settings: Neo4jSettings) -> Database:
        driver = AsyncGraphDatabase.driver(
            settings.uri,
            auth=(settings.user, settings.password),
            connection_timeout=settings.connection_timeout,
            connection_acquisition_timeout=settings.acquisition_timeout,
            max_transaction_retry_time=settings.max_retry_time,
            # Server notifications ("property key does not exist" on a fresh graph) are noise in our logs.
            notifications_min_severity="OFF",
        )
        return cls(driver, settings.database)

    async def close(self) -> None:
        await self._driver.close()

    async def read(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        async with self._session("read") as session:
            return await session.execute_read(lambda tx: work(Tx(tx, "read")))

    async def write(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """Run `work` in a write transaction; under an audit scope, its audit event joins the same one."""
        scope = audit.current_scope()

        async def audited(raw: AsyncManagedTransaction) -> T:
            tx = Tx(raw, "write")
            result = await work(tx)
            # The trail records changes: a retry that matched what exists, or a miss, changed nothing.
            if scope is not None and tx.changed:
                await audit.append(tx, scope, tx.touched)
            return result

        async with self._session("write") as session:
            return await session.execute_write(audited)

    async def run_read(self, query: LiteralString, params: Mapping[str, Any] | None = None) -> list[Record]:
        async def work(tx: Tx) -> list[Record]:
            return await tx.run(query, params)

        return await self.read(work)

    async def run_read_plain(
        self, query: LiteralString, params: Mapping[str, Any] | None = None
    ) -> list[Record]:
        """run_read for a query that returns only scalars, lists and maps (see Tx.run_plain)."""

        async def work(tx: Tx) -> list[Record]:
            return await tx.run_plain(query, params)

        return await self.read(work)

    async def run_write(self, query: LiteralString, params: Mapping[str, Any] | None = None) -> list[Record]:
        async def work(tx: Tx) -> list[Record]:
            return await tx.run(query, params)

        return await self.write(work)

    async def run_autocommit(self, query: LiteralString, params: Mapping[str, Any] | None = None) -> None:
        """Run in an implicit transaction: schema commands and `CALL { } IN TRANSACTIONS` batches need one.

        Unlike `read`/`write` it is not retried, so the statement must be safe to run again by hand.
        """
        QueryCounter.tick()
        NEO4J_QUERIES.labels("autocommit").inc()
        async with self._session("autocommit") as session:
            result = await session.run(query, dict(params or {}))
            await result.consume()

    async def server_version(self) -> str:
        with translated_errors():
            info = await self._driver.get_server_info()
        return info.agent

    @asynccontextmanager
    async def _session(self, kind: str) -> AsyncIterator[neo4j.AsyncSession]:
        carried = _bookmarks.get()
        started = time.perf_counter()
        with translated_errors():
            async with self._driver.session(
                database=self.database,
                bookmark_manager=self._bookmark_manager,
                bookmarks=neo4j.Bookmarks.from_raw_values(carried.given) if carried else None,
            ) as session:
                yield session
                if carried is not None:
                    carried.latest = sorted((await session.last_bookmarks()).raw_values)
        NEO4J_TRANSACTION_SECONDS.labels(kind).observe(time.perf_counter() - started)


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn the driver's connection failures into the domain's UNAVAILABLE and CONFLICT errors."""
    try:
        yield
    except (ServiceUnavailable, SessionExpired, DatabaseUnavailable) as exc:
        raise Unavailable("The graph database is not reachable right now; retry in a moment.") from exc
    except IncompleteCommit as exc:
        # The connection broke during the commit: the write may have landed. Every write is idempotent,
        # so sending the same request again is safe and tells which.
        raise Unavailable(
            "The database connection broke while committing; send the same request again."
        ) from exc
    except TransientError as exc:
        raise Unavailable("The graph database is busy; retry in a moment.") from exc
    except DatabaseError as exc:
        # Indexed values have a size limit (about 8 kB); any longer key is the caller's to shorten.
        if "too large to index" in (exc.message or ""):
            raise InvalidInput(
                "A value is too long to store as a key; identifiers are at most a few hundred characters."
            ) from exc
        raise
    except AuthError as exc:
        raise Unavailable("The service cannot log in to its graph database; tell its operator.") from exc
    except ConstraintError as exc:
        # Never the database's own words (they name internal node ids and labels): see docs/access.md.
        raise Conflict("That id or key is not available; choose another.") from exc
    except ClientError as exc:  # after its subclasses above
        if exc.code and "InvalidBookmark" in exc.code:
            raise InvalidInput(
                "The X-Neo4j-Bookmarks header holds a bookmark this database does not know: send back only "
                "bookmarks this service answered with."
            ) from exc
        raise


async def once_reachable(
    work: Callable[[], Awaitable[T]],
    *,
    within: float,
    what: str,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Run `work`, again and again with a growing wait while the database is unreachable, for up to
    `within` seconds: a service (or a worker) may start before its database does, or while it is too busy
    to answer in the driver's few seconds. `work` must be safe to repeat. A refused login is not waited
    out (it will not mend itself); after `within` seconds the last UNAVAILABLE is raised, naming `what`."""
    deadline = time.monotonic() + within
    wait = FIRST_WAIT_SECONDS
    while True:
        try:
            return await work()
        except Unavailable as exc:
            if isinstance(exc.__cause__, AuthError):
                raise
            left = deadline - time.monotonic()
            if left <= 0:
                raise Unavailable(f"{what}: still unreachable after {within:.0f} s. {exc.message}") from exc
            log.warning("%s: %s Trying again in %.1f s.", what, exc.message, min(wait, left))
            await sleep(min(wait, left))
            wait = min(wait * 2, LONGEST_WAIT_SECONDS)
