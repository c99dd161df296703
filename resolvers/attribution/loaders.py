"""Per-request dataloaders for attribution reports: one query per nested field, whatever the page size."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from graph.database import Database
from graph.stores import attribution_reads as reads
from graph.stores.catalogue_records import RecordingRecord
from resolvers.context import Info

V = TypeVar("V")
ById = Callable[[Database, list[str]], Awaitable[Mapping[str, V]]]


def _loader(info: Info, name: str, read: ById[V], default: V) -> DataLoader[str, V]:
    loaders = info.context.loaders
    if name not in loaders:
        db = info.context.db

        async def load(keys: Sequence[str]) -> list[V]:
            found = await read(db, list(keys))
            return [found.get(key, default) for key in keys]

        loaders[name] = DataLoader(load_fn=load)
    loader: DataLoader[str, V] = loaders[name]
    return loader


def influences(info: Info) -> DataLoader[str, list[reads.InfluenceRecord]]:
    return _loader(info, "attribution.influences", reads.influences_by_report, [])


def unmatched(info: Info) -> DataLoader[str, list[reads.UnmatchedRecord]]:
    return _loader(info, "attribution.unmatched", reads.unmatched_by_report, [])


def flags(info: Info) -> DataLoader[str, list[reads.FlagRecord]]:
    return _loader(info, "attribution.flags", reads.flags_by_report, [])


def recording(info: Info) -> DataLoader[str, RecordingRecord | None]:
    return _loader(info, "attribution.recording", reads.recordings_by_id, None)
