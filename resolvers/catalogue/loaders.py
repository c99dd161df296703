"""Per-request dataloaders: nested catalogue fields batch their reads into one query per field and level.

Each loader is made on first use in a request and kept in `info.context.loaders`, so its cache lives
exactly as long as the request and never serves one caller's data to another.
"""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from graph.database import Database
from graph.stores.catalogue import disputes
from graph.stores.catalogue import reads as catalogue
from graph.stores.catalogue.records import ChainRecord, RecordingRecord, ShareRecord, WorkRecord
from resolvers.context import Info
from resolvers.dataloaders import by_key


def shares_of_work(info: Info) -> DataLoader[str, list[ShareRecord]]:
    return by_key(info, "shares_of_work", catalogue.shares_for_works, [])


def shares_of_creator(info: Info) -> DataLoader[str, list[ShareRecord]]:
    return by_key(info, "shares_of_creator", catalogue.shares_for_creators, [])


def chains_of_work(info: Info) -> DataLoader[str, list[ChainRecord]]:
    return by_key(info, "chains_of_work", catalogue.chains_for_works, [])


def claims_of_work(info: Info) -> DataLoader[str, list[disputes.ClaimRecord]]:
    return by_key(info, "claims_of_work", disputes.claims_for_works, [])


def recordings_of_work(info: Info) -> DataLoader[str, list[RecordingRecord]]:
    return by_key(info, "recordings_of_work", catalogue.recordings_for_works, [])


def works_of_recording(info: Info) -> DataLoader[str, list[WorkRecord]]:
    return by_key(info, "works_of_recording", catalogue.works_for_recordings, [])


def held_by_creator(info: Info, creator_id: str) -> DataLoader[str, bool]:
    """True for each work id the given creator holds a share in (the CREATOR role's view)."""

    async def read(db: Database, work_ids: list[str]) -> dict[str, bool]:
        return dict.fromkeys(await catalogue.works_held_by(db, creator_id, work_ids), True)

    return by_key(info, f"held_by:{creator_id}", read, False)
