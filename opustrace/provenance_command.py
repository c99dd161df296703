"""`opustrace declare-run MANIFEST`: declare a training run from a manifest file (JSON lines or CSV).

The same store and rules as the `declareTrainingRun` mutation, for manifests too large to send over
HTTP comfortably; it writes under a `cli:<user>` audit scope, as an admin acting for the licensee.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path

import click
from pydantic import ValidationError

from graph.database import Database, Neo4jSettings
from graph.stores.provenance import writes as provenance
from graph.stores.provenance.records import RunRecord
from opustrace.runtime import as_cli_command, neo4j_connection, with_database
from opustrace.settings import Settings
from registry.errors import DomainError
from registry.provenance import ManifestFormat, RunInput, parse_manifest
from resolvers.errors import describe_validation_error


async def _declare(neo4j: Neo4jSettings, run: RunInput, path: Path, fmt: ManifestFormat) -> RunRecord:

    async def declare(db: Database) -> RunRecord:
        # The command runs nothing else on its event loop, so blocking file reads cost nothing here.
        with path.open(encoding="utf-8-sig") as lines:
            items = provenance.items_of(parse_manifest((line.rstrip("\r\n") for line in lines), fmt))
            return await provenance.declare_training_run(db, run, items)

    return await with_database(neo4j, as_cli_command("declare-run", declare))


@click.command(
    "declare-run", help="Declare a training run and its manifest (JSON lines, or CSV by extension)."
)
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--run-id", required=True, help="The run's id, in the licensee's namespace: `<licensee>:<name>`."
)
@click.option("--licensee", "licensee_id", required=True)
@click.option("--model", "model_id", required=True, help="The model version the run produced.")
@click.option("--grant", "grant_id", default=None, help="The grant it ran under (none: stored and flagged).")
@click.option("--started-at", required=True, type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z"]))
@click.option("--finished-at", required=True, type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z"]))
def declare_run_command(
    manifest: Path,
    run_id: str,
    licensee_id: str,
    model_id: str,
    grant_id: str | None,
    started_at: datetime,
    finished_at: datetime,
) -> None:
    fmt = ManifestFormat.CSV if manifest.suffix.lower() == ".csv" else ManifestFormat.JSON_LINES
    with neo4j_connection(Settings(), stop_on_exit=False) as neo4j:
        try:
            run = RunInput(
                id=run_id, licensee_id=licensee_id, model_id=model_id, grant_id=grant_id,
                started_at=started_at, finished_at=finished_at,
            )  # fmt: skip
            record = asyncio.run(_declare(neo4j, run, manifest, fmt))
        except DomainError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(1)
        except ValidationError as exc:
            click.echo(f"error: {describe_validation_error(exc)}", err=True)
            sys.exit(1)
    verdict = "compliant" if record.compliant else "NOT compliant (see complianceFlags)"
    click.echo(f"run {record.id}: {record.item_count} items, {record.unmatched_count} unmatched, {verdict}")
