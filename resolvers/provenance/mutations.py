"""Licensee declarations: models, training runs (a list manifest or an uploaded file), outputs.

A LICENSEE key declares for itself (naming another licensee is FORBIDDEN); an ADMIN key may declare for any
licensee, naming it. Every declaration is idempotent by its id or natural key. The ids a declaration gives
lie in the licensee's namespace whoever declares (registry.record_ids): the input models refuse others.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from graph.stores.provenance import writes as provenance
from registry.access import Role
from registry.errors import InvalidInput
from registry.provenance import (
    MAX_LIST_MANIFEST,
    ManifestFormat,
    ManifestItem,
    ModelInput,
    OutputInput,
    RunInput,
)
from resolvers.access import allow, require_principal
from resolvers.context import Info
from resolvers.licensing.queries import visible_grant
from resolvers.mapping import to_model
from resolvers.provenance.manifest import format_of, upload_items
from resolvers.provenance.types import Model, Output, TrainingRun

DECLARERS = allow(Role.ADMIN, Role.LICENSEE)


@strawberry.input(description="A model version. The id defaults to `<licenseeId>:<name>:<version>`.")
class DeclareModelInput:
    id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Our id for the model version, in the licensee's namespace: it starts with "
        "`<licenseeId>:`. Default `<licenseeId>:<name>:<version>`.",
    )
    licensee_id: strawberry.ID | None = strawberry.field(
        default=None, description="A LICENSEE key: itself (may be left out). An ADMIN key: required."
    )
    name: str = strawberry.field(description="The model's name.")
    version: str = strawberry.field(description="The version.")
    base_model_id: strawberry.ID | None = strawberry.field(
        default=None, description="The model it was fine-tuned from: one of the same licensee's models."
    )


@strawberry.input(description="One manifest item: a work by id or ISWC, or a recording by ISRC.")
class ManifestItemInput:
    work_id: strawberry.ID | None = strawberry.field(default=None, description="A work by registry id.")
    iswc: str | None = strawberry.field(
        default=None, description="A work by ISWC (any accepted form, e.g. T-123.456.789-C)."
    )
    isrc: str | None = strawberry.field(
        default=None, description="A recording by ISRC (any accepted form, e.g. GB-AYE-67-00001)."
    )
    weight: str = strawberry.field(default="1", description='Exact decimal string, e.g. "0.25".')


@strawberry.input(description="A training run. Give the manifest as `items`, or upload it as `manifest`.")
class DeclareTrainingRunInput:
    id: strawberry.ID = strawberry.field(
        description="Your id for the run, in the licensee's namespace: it starts with `<licenseeId>:` "
        "(e.g. `lic-1:run-7`). A retry with it is harmless."
    )
    licensee_id: strawberry.ID | None = strawberry.field(
        default=None, description="The licensee (a LICENSEE key: itself; an ADMIN must name one)."
    )
    model_id: strawberry.ID = strawberry.field(description="The model version the run produced.")
    grant_id: strawberry.ID | None = strawberry.field(
        default=None, description="The grant it ran under; a run without one is stored and flagged."
    )
    started_at: datetime = strawberry.field(
        description="When the run started; licensability is judged at this moment."
    )
    finished_at: datetime = strawberry.field(description="When it finished (not before it started).")
    items: list[ManifestItemInput] | None = strawberry.field(
        default=None, description=f"The manifest, up to {MAX_LIST_MANIFEST} items; larger ones: upload."
    )


@strawberry.input(
    description="A generated track, one per licensee and audio. The id defaults to "
    "`<licensee>:<contentHash>`."
)
class DeclareOutputInput:
    id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Our id for the output: `<licenseeId>:<contentHash>` (the default), or another id in the "
        "licensee's namespace, starting with `<licenseeId>:`.",
    )
    licensee_id: strawberry.ID | None = strawberry.field(
        default=None, description="The licensee (a LICENSEE key: itself; an ADMIN must name one)."
    )
    model_id: strawberry.ID = strawberry.field(description="The model version that generated it.")
    content_hash: str = strawberry.field(
        description="SHA-256 of the audio, 64 hex characters. One output per licensee and audio: declaring "
        "it again returns the stored output; another licensee's declaration of it is that licensee's own "
        "output."
    )
    generated_at: datetime = strawberry.field(description="When it was generated.")
    title: str | None = strawberry.field(default=None, description="Its title, if any.")
    duration_seconds: str | None = strawberry.field(default=None, description="Exact decimal seconds.")


def _list_items(items: list[ManifestItemInput]) -> list[ManifestItem]:
    if len(items) > MAX_LIST_MANIFEST:
        raise InvalidInput(f"A list manifest holds at most {MAX_LIST_MANIFEST} items; upload a file instead.")
    parsed = [
        ManifestItem(work_id=str(i.work_id) if i.work_id else None, iswc=i.iswc, isrc=i.isrc, weight=i.weight)
        for i in items
    ]
    seen: set[str] = set()
    for number, item in enumerate(parsed, start=1):
        if item.reference in seen:
            raise InvalidInput(f"Manifest item {number} repeats {item.reference}; list each item once.")
        seen.add(item.reference)
    return parsed


def _manifest(
    items: list[ManifestItemInput] | None, upload: Upload | None, fmt: ManifestFormat | None
) -> AsyncIterator[ManifestItem]:
    if (items is None) == (upload is None):
        raise InvalidInput("Give the manifest either as input.items or as an uploaded `manifest` file.")
    if upload is not None:
        # Strawberry's Upload is Starlette's UploadFile under this server.
        if not isinstance(upload, UploadFile):
            raise InvalidInput("`manifest` must be a multipart file upload.")
        return upload_items(upload, format_of(upload.filename, fmt))
    return provenance.items_of(_list_items(items or []))


@strawberry.type
class ProvenanceMutation:
    @strawberry.mutation(
        extensions=DECLARERS,
        description="Declare a model version (and the model it was fine-tuned from). LICENSEE for itself; "
        "ADMIN for any licensee.",
    )
    async def declare_model(
        self,
        info: Info,
        input: Annotated[
            DeclareModelInput, strawberry.argument(description="The model version and its base.")
        ],
    ) -> Model:
        licensee = require_principal(info).named_party(
            Role.LICENSEE, str(input.licensee_id) if input.licensee_id else None, "licensee"
        )
        model = to_model(ModelInput, input, licensee_id=licensee)
        return Model.from_record(await provenance.declare_model(info.context.db, model))

    @strawberry.mutation(
        extensions=DECLARERS,
        description="Declare a training run with its manifest: `input.items` for small manifests, or a "
        "`manifest` file upload (JSON lines or CSV) for large ones. Written in batches; a failed upload "
        "leaves nothing. A run under no valid grant, or one that used works not licensable for training "
        "when it started, is stored and flagged. A run dated in the past is judged against the grant and "
        "the consents in force at its `startedAt` (from 2000-01-01 to one day ahead), not those of today.",
    )
    async def declare_training_run(
        self,
        info: Info,
        input: Annotated[
            DeclareTrainingRunInput,
            strawberry.argument(
                description="The run: licensee, model, grant, times and (small manifests) items."
            ),
        ],
        manifest: Annotated[
            Upload | None,
            strawberry.argument(
                description="The manifest as a multipart file upload, instead of `input.items`."
            ),
        ] = None,
        manifest_format: Annotated[
            ManifestFormat | None,
            strawberry.argument(description="How the uploaded manifest is written; omitted, JSON_LINES."),
        ] = None,
    ) -> TrainingRun:
        principal = require_principal(info)
        licensee = principal.named_party(
            Role.LICENSEE, str(input.licensee_id) if input.licensee_id else None, "licensee"
        )
        run = to_model(RunInput, input, licensee_id=licensee)
        items = _manifest(input.items, manifest, manifest_format)
        if run.grant_id is not None:
            await visible_grant(info, run.grant_id)
        record = await provenance.declare_training_run(info.context.db, run, items)
        return TrainingRun.from_record(record)

    @strawberry.mutation(
        extensions=DECLARERS,
        description="Declare a generated output by the SHA-256 of its audio. Flagged when its model's "
        "training lineage has a non-compliant run; each run of the lineage was judged against the consents "
        "in force when it started, so an output dated in the past inherits those verdicts, not today's. "
        "`generatedAt` lies between 2000-01-01 and one day ahead.",
    )
    async def declare_output(
        self,
        info: Info,
        input: Annotated[
            DeclareOutputInput, strawberry.argument(description="The output's model, audio hash and time.")
        ],
    ) -> Output:
        licensee = require_principal(info).named_party(
            Role.LICENSEE, str(input.licensee_id) if input.licensee_id else None, "licensee"
        )
        output = to_model(OutputInput, input, licensee_id=licensee)
        return Output.from_record(await provenance.declare_output(info.context.db, output))
