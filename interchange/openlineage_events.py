"""OpenLineage run events (https://openlineage.io/spec) read as training-run declarations.

Only what a declaration needs is interpreted (docs/openlineage.md); everything else in the event, unknown
facets included, is kept as sent:

- `run.facets.opustrace_training`: `{"modelId": …, "grantId": …, "runId": …}`: the model the run
  produces (required on START), its grant, and the run's id in the registry (default: the OpenLineage
  runId);
- `inputs[].facets.opustrace_manifest`: `{"items": [{"iswc": …} | {"isrc": …} | {"workId": …}, "weight": …]}`:
  the works and recordings each input dataset holds, as manifest items.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from registry.errors import InvalidInput
from registry.provenance import ManifestItem

__all__ = ["MANIFEST_FACET", "TRAINING_FACET", "EventType", "RunEvent", "parse_event"]

TRAINING_FACET = "opustrace_training"
MANIFEST_FACET = "opustrace_manifest"
_ITEM_KEYS = {"workId": "work_id", "work_id": "work_id", "iswc": "iswc", "isrc": "isrc", "weight": "weight"}


class EventType(StrEnum):
    START = "START"
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    ABORT = "ABORT"
    FAIL = "FAIL"
    OTHER = "OTHER"


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class _Run(_Open):
    runId: str = Field(min_length=1, max_length=200)
    facets: dict[str, Any] = Field(default_factory=dict)


class _Job(_Open):
    namespace: str
    name: str
    facets: dict[str, Any] = Field(default_factory=dict)


class _Dataset(_Open):
    namespace: str
    name: str
    facets: dict[str, Any] = Field(default_factory=dict)


class RunEvent(_Open):
    eventType: EventType = EventType.OTHER
    eventTime: AwareDatetime
    run: _Run
    job: _Job
    producer: str
    inputs: list[_Dataset] = Field(default_factory=list)
    outputs: list[_Dataset] = Field(default_factory=list)

    @property
    def training(self) -> dict[str, Any]:
        facet = self.run.facets.get(TRAINING_FACET) or {}
        if not isinstance(facet, dict):
            raise InvalidInput(f"run.facets.{TRAINING_FACET} must be an object.")
        return facet

    @property
    def run_id(self) -> str:
        return str(self.training.get("runId") or self.run.runId)

    @property
    def model_id(self) -> str | None:
        found = self.training.get("modelId")
        return str(found) if found else None

    @property
    def grant_id(self) -> str | None:
        found = self.training.get("grantId")
        return str(found) if found else None

    @property
    def at(self) -> datetime:
        return self.eventTime

    def manifest_items(self) -> list[ManifestItem]:
        """The items every input dataset lists, in order; an error names the dataset and the item."""
        items: list[ManifestItem] = []
        for dataset in self.inputs:
            facet = dataset.facets.get(MANIFEST_FACET)
            if facet is None:
                continue
            where = f"input {dataset.namespace}/{dataset.name}"
            listed = facet.get("items") if isinstance(facet, dict) else None
            if not isinstance(listed, list):
                raise InvalidInput(f"{where}: facet {MANIFEST_FACET} must hold an `items` list.")
            items += [_item(raw, f"{where}, item {n}") for n, raw in enumerate(listed, start=1)]
        return items

    def kept_facets(self) -> str:
        """Every facet of the event except the two read here, as JSON: kept with the run, never rejected."""
        kept = {
            "job": {"namespace": self.job.namespace, "name": self.job.name, "facets": self.job.facets},
            "run": {k: v for k, v in self.run.facets.items() if k != TRAINING_FACET},
            "inputs": [
                {
                    "namespace": d.namespace,
                    "name": d.name,
                    "facets": {k: v for k, v in d.facets.items() if k != MANIFEST_FACET},
                    **(d.model_extra or {}),
                }
                for d in self.inputs
            ],
            "outputs": [d.model_dump(mode="json") for d in self.outputs],
            "producer": self.producer,
        }
        return json.dumps(kept, sort_keys=True, default=str)


def _item(raw: Any, where: str) -> ManifestItem:
    if not isinstance(raw, dict):
        raise InvalidInput(f'{where} must be an object such as {{"iswc": "T-034.524.680-1"}}.')
    unknown = sorted(set(raw) - set(_ITEM_KEYS))
    if unknown:
        raise InvalidInput(f"{where} has unknown keys {unknown}; use workId, iswc, isrc, weight.")
    values = {_ITEM_KEYS[k]: (str(v) if k == "weight" and type(v) is int else v) for k, v in raw.items()}
    try:
        return ManifestItem.model_validate(values)
    except ValidationError as exc:
        detail = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors(include_url=False))
        raise InvalidInput(f"{where}: {detail}.") from exc
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}") from exc


def parse_event(body: bytes) -> RunEvent:
    try:
        return RunEvent.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors[:5])
        raise InvalidInput(f"Not an OpenLineage run event: {detail}.") from exc
