"""Per-request dataloaders for attribution reports: one query per nested field, whatever the page size."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from graph.stores.attribution import reads
from graph.stores.catalogue.records import RecordingRecord
from resolvers.context import Info
from resolvers.dataloaders import by_key, by_key_or_none


def influences(info: Info) -> DataLoader[str, list[reads.InfluenceRecord]]:
    return by_key(info, "attribution.influences", reads.influences_by_report, [])


def unmatched(info: Info) -> DataLoader[str, list[reads.UnmatchedRecord]]:
    return by_key(info, "attribution.unmatched", reads.unmatched_by_report, [])


def flags(info: Info) -> DataLoader[str, list[reads.FlagRecord]]:
    return by_key(info, "attribution.flags", reads.flags_by_report, [])


def recording(info: Info) -> DataLoader[str, RecordingRecord | None]:
    return by_key_or_none(info, "attribution.recording", reads.recordings_by_id)
