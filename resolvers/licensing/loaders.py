"""Per-request dataloaders for the licensing types: one query per nested field and level, any page size."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from graph.database import Database
from graph.stores import licences, rights
from graph.stores.catalogue_records import CreatorRecord, WorkRecord
from graph.stores.licences import LicenceRecord, LicenceVersionRecord, LicenseeRecord
from resolvers.context import Info

V = TypeVar("V")
ById = Callable[[Database, list[str]], Awaitable[dict[str, V]]]


def _loader(info: Info, name: str, read: ById[V], default: V | None = None) -> DataLoader[str, V | None]:
    loaders = info.context.loaders
    if name not in loaders:
        db = info.context.db

        async def load(keys: Sequence[str]) -> list[V | None]:
            found = await read(db, list(keys))
            return [found.get(key, default) for key in keys]

        loaders[name] = DataLoader(load_fn=load)
    loader: DataLoader[str, V | None] = loaders[name]
    return loader


def licensee(info: Info) -> DataLoader[str, LicenseeRecord | None]:
    return _loader(info, "licensing.licensee", licences.licensees_by_id)


def licence(info: Info) -> DataLoader[str, LicenceRecord | None]:
    return _loader(info, "licensing.licence", licences.licences_by_id)


def licence_version(info: Info) -> DataLoader[str, LicenceVersionRecord | None]:
    return _loader(info, "licensing.licence_version", licences.versions_by_id)


def versions_of_licence(info: Info) -> DataLoader[str, list[LicenceVersionRecord] | None]:
    return _loader(info, "licensing.versions_of_licence", licences.versions_by_licence, [])


def work(info: Info) -> DataLoader[str, WorkRecord | None]:
    return _loader(info, "licensing.work", rights.works_by_id)


def creator(info: Info) -> DataLoader[str, CreatorRecord | None]:
    return _loader(info, "licensing.creator", rights.creators_by_id)
