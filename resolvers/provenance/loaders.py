"""Per-request dataloaders for the provenance types: one query per nested field and level, any list size."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from graph.database import Database
from graph.stores.licensing import licences
from graph.stores.licensing.licences import GrantRecord
from graph.stores.provenance import reads
from graph.stores.provenance.records import FlagRecord, ModelRecord, OutputRecord, RunRecord
from registry.provenance import SubjectKind
from resolvers.context import Info
from resolvers.dataloaders import by_key, by_key_or_none


def model(info: Info) -> DataLoader[str, ModelRecord | None]:
    return by_key_or_none(info, "provenance.model", reads.models_by_id)


def lineage(info: Info) -> DataLoader[str, list[ModelRecord] | None]:
    return by_key(info, "provenance.lineage", reads.lineage_of, [])


def lineage_runs(info: Info) -> DataLoader[str, list[RunRecord] | None]:
    return by_key(info, "provenance.lineage_runs", reads.lineage_runs, [])


def outputs_of_model(info: Info) -> DataLoader[str, list[OutputRecord] | None]:
    return by_key(info, "provenance.outputs_of_model", reads.outputs_of_models, [])


def grant(info: Info) -> DataLoader[str, GrantRecord | None]:
    return by_key_or_none(info, "provenance.grant", licences.grants_by_id)


def flags(info: Info, kind: SubjectKind) -> DataLoader[str, tuple[int, list[FlagRecord]]]:
    async def read(db: Database, ids: list[str]) -> dict[str, tuple[int, list[FlagRecord]]]:
        return await reads.flags_on(db, kind, ids)

    return by_key(info, f"provenance.flags.{kind.value}", read, (0, []))
