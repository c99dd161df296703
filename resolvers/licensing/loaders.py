"""Per-request dataloaders for the licensing types: one query per nested field and level, any page size."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from graph.stores.catalogue.records import CreatorRecord, WorkRecord
from graph.stores.licensing import licences, rights
from graph.stores.licensing.licences import LicenceRecord, LicenceVersionRecord, LicenseeRecord
from resolvers.context import Info
from resolvers.dataloaders import by_key, by_key_or_none


def licensee(info: Info) -> DataLoader[str, LicenseeRecord | None]:
    return by_key_or_none(info, "licensing.licensee", licences.licensees_by_id)


def licence(info: Info) -> DataLoader[str, LicenceRecord | None]:
    return by_key_or_none(info, "licensing.licence", licences.licences_by_id)


def licence_version(info: Info) -> DataLoader[str, LicenceVersionRecord | None]:
    return by_key_or_none(info, "licensing.licence_version", licences.versions_by_id)


def versions_of_licence(info: Info) -> DataLoader[str, list[LicenceVersionRecord] | None]:
    return by_key(info, "licensing.versions_of_licence", licences.versions_by_licence, [])


def work(info: Info) -> DataLoader[str, WorkRecord | None]:
    return by_key_or_none(info, "licensing.work", rights.works_by_id)


def creator(info: Info) -> DataLoader[str, CreatorRecord | None]:
    return by_key_or_none(info, "licensing.creator", rights.creators_by_id)
