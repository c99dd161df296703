"""W3C PROV exports through GraphQL, scoped exactly as the reads they mirror:

- `outputProv` as `trace` (a VENDOR sees its own reports' influences, a CREATOR those on its works);
- `modelProv` as `model` (a LICENSEE: its own models);
- `workProv` as `workProvenance` (a CREATOR: its own works; a LICENSEE: its own models and outputs; a
  VENDOR: the outputs it reported on, and no training, which is not a vendor's to read).
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.stores.catalogue import reads as catalogue
from graph.stores.provenance import reads
from interchange.prov_export import ProvFormat, ProvWriter
from registry.access import Role
from registry.errors import NotFound
from resolvers.access import allow, require_principal, require_visible
from resolvers.context import Info
from resolvers.enum_values import enum_values
from resolvers.prov.documents import model_document, output_document, work_document
from resolvers.provenance.queries import (
    OWNERS,
    provenance_filter,
    readable_trace_record,
    visible_influences,
)

strawberry.enum(ProvFormat, description="PROV-JSON (W3C member submission) or PROV-N (W3C recommendation).")
enum_values(
    ProvFormat,
    {
        "PROV_JSON": "PROV-JSON (W3C member submission), as JSON text.",
        "PROV_N": "PROV-N (W3C recommendation), the human-readable notation.",
    },
)
EXPORT_LIMIT = 1000
Format = Annotated[ProvFormat, strawberry.argument(description="PROV_JSON (the default) or PROV_N.")]


@strawberry.type(description="A W3C PROV document (see docs/prov.md for the mapping).")
class ProvExport:
    format: ProvFormat = strawberry.field(description="The format asked for.")
    media_type: str = strawberry.field(
        description="Its media type (application/json or text/provenance-notation)."
    )
    document: str = strawberry.field(description="The PROV document itself.")


def _export(writer: ProvWriter, fmt: ProvFormat) -> ProvExport:
    return ProvExport(format=fmt, media_type=fmt.media_type, document=writer.serialize(fmt))


@strawberry.type
class ProvQuery:
    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE, Role.VENDOR, Role.CREATOR),
        description="An output's provenance as W3C PROV: its generation, model lineage, training runs under "
        "their grants, and influences as qualified derivations with scores; scoped as `trace`.",
    )
    async def output_prov(
        self,
        info: Info,
        output_id: Annotated[strawberry.ID, strawberry.argument(description="The output's id.")],
        format: Format = ProvFormat.PROV_JSON,
    ) -> ProvExport:
        record, visible = await readable_trace_record(info, str(output_id))
        writer = await output_document(info.context.db, record, visible_influences(record, visible))
        return _export(writer, format)

    @strawberry.field(
        extensions=allow(*OWNERS),
        description="A model's provenance as W3C PROV: lineage, training runs, grants and the first "
        f"{EXPORT_LIMIT} items the runs used (a LICENSEE: its own models).",
    )
    async def model_prov(
        self,
        info: Info,
        model_id: Annotated[strawberry.ID, strawberry.argument(description="The model version's id.")],
        format: Format = ProvFormat.PROV_JSON,
    ) -> ProvExport:
        require_principal(info)
        db = info.context.db
        model = (await reads.models_by_id(db, [str(model_id)])).get(str(model_id))
        require_visible(info, Role.LICENSEE, model.licensee_id if model else None, f"model {str(model_id)!r}")
        assert model is not None
        return _export(await model_document(db, model, EXPORT_LIMIT), format)

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.AUDITOR, Role.LICENSEE, Role.VENDOR, Role.CREATOR),
        description="A work's provenance as W3C PROV: its creators, the models trained on it and the outputs "
        "it influenced (up to 1000 of each); scoped as `workProvenance`.",
    )
    async def work_prov(
        self,
        info: Info,
        work_id: Annotated[strawberry.ID, strawberry.argument(description="The work's id.")],
        format: Format = ProvFormat.PROV_JSON,
    ) -> ProvExport:
        principal = require_principal(info)
        db = info.context.db
        work = str(work_id)
        held = principal.role != Role.CREATOR or await catalogue.works_held_by(
            db, principal.scope_id or "", [work]
        )
        if not held or await catalogue.work_by_id(db, work) is None:
            raise NotFound(f"No work {work!r} that you may read.")
        training = principal.role != Role.VENDOR  # training is not a vendor's to read
        writer = await work_document(
            db, work, provenance_filter(principal), training=training, limit=EXPORT_LIMIT
        )
        return _export(writer, format)
