"""Per-request dataloaders: nested fields batch their reads into one query per field and level.

Every store's batch read has one contract: given keys, it answers a mapping from each key to its value and
may leave out keys that have none; the loader gives those the field's default (`by_key`) or None.

Each loader is made on first use in a request and kept in `info.context.loaders`, so its cache lives
exactly as long as the request and never serves one caller's data to another.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from strawberry.dataloader import DataLoader

from graph.database import Database
from resolvers.context import Info

V = TypeVar("V")
R = TypeVar("R")
ById = Callable[[Database, list[str]], Awaitable[Mapping[str, V]]]


def _per_request(info: Info, name: str, make: Callable[[Database], Any]) -> Any:
    loaders = info.context.loaders
    if name not in loaders:
        loaders[name] = DataLoader(load_fn=make(info.context.db))
    return loaders[name]


def by_key(info: Info, name: str, read: ById[V], default: V) -> DataLoader[str, V]:
    """`read` answers a mapping; keys it does not name get `default`."""

    def make(db: Database) -> Callable[[Sequence[str]], Awaitable[list[V]]]:
        async def load(keys: Sequence[str]) -> list[V]:
            found = await read(db, list(keys))
            return [found.get(key, default) for key in keys]

        return load

    loader: DataLoader[str, V] = _per_request(info, name, make)
    return loader


def by_key_or_none(info: Info, name: str, read: ById[V]) -> DataLoader[str, V | None]:
    """`read` answers a mapping; keys it does not name get None."""

    def make(db: Database) -> Callable[[Sequence[str]], Awaitable[list[V | None]]]:
        async def load(keys: Sequence[str]) -> list[V | None]:
            found = await read(db, list(keys))
            return [found.get(key) for key in keys]

        return load

    loader: DataLoader[str, V | None] = _per_request(info, name, make)
    return loader


def now_or_later(loader: DataLoader[str, V], key: str, make: Callable[[V], R]) -> R:
    """`make` of the loader's value for `key`: at once when the value is already there (primed by the
    parent's read, or loaded earlier in the request), else when the loader has read it.

    For a synchronous resolver: a trace's hundreds of nested fields then complete without a coroutine
    each. When the value is not there yet, it returns an awaitable (`awaited`); loads still batch.
    """
    future = loader.cache_map.get(key)
    if future is not None and future.done() and not future.cancelled() and future.exception() is None:
        return make(future.result())

    async def later() -> R:
        return make(await loader.load(key))

    return awaited(later())


def awaited(value: Awaitable[R]) -> R:
    """What a synchronous resolver returns when its value must still be read: graphql-core awaits an
    awaitable whatever the resolver, so the field keeps the value's type."""
    return cast(R, value)
