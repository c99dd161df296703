"""`opustrace prov export output|model|work ID`: W3C PROV from the command line, as ADMIN sees it (the
same documents as `outputProv`, `modelProv` and `workProv`)."""

from __future__ import annotations

import click

from graph.database import Database
from graph.stores.catalogue import reads as catalogue
from graph.stores.provenance import reads
from graph.stores.provenance.reads import ProvenanceFilter
from interchange.prov_export import ProvFormat, ProvWriter
from opustrace.runtime import run_with_db
from registry.errors import NotFound
from resolvers.prov.documents import model_document, output_document, work_document

FORMATS = {"prov-json": ProvFormat.PROV_JSON, "prov-n": ProvFormat.PROV_N}


async def _document(db: Database, kind: str, record_id: str) -> ProvWriter:
    if kind == "output":
        record = await reads.trace(db, record_id)
        if record is None:
            raise NotFound(f"No output {record_id!r}.")
        return await output_document(db, record, record.influences)
    if kind == "model":
        model = (await reads.models_by_id(db, [record_id])).get(record_id)
        if model is None:
            raise NotFound(f"No model {record_id!r}.")
        return await model_document(db, model)
    if await catalogue.work_by_id(db, record_id) is None:
        raise NotFound(f"No work {record_id!r}.")
    return await work_document(db, record_id, ProvenanceFilter(), training=True)


@click.group("prov", help="W3C PROV exports (docs/prov.md).")
def prov_group() -> None:
    pass


@prov_group.command("export", help="Print the PROV document of an output, a model or a work.")
@click.argument("kind", type=click.Choice(["output", "model", "work"]))
@click.argument("record_id")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="prov-json", show_default=True)
def export_command(kind: str, record_id: str, fmt: str) -> None:
    async def work(db: Database) -> str:
        return (await _document(db, kind, record_id)).serialize(FORMATS[fmt])

    click.echo(run_with_db("prov export", work))
