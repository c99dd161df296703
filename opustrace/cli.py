"""The `opustrace` command: serve, migrate, export-schema and the local Neo4j's lifecycle."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

import click
import uvicorn

from graph import audit_checkpoints
from graph.database import Database, once_reachable
from graph.local_server import LocalServerError
from graph.migrations import MigrationError, lock_owner, migrate
from graph.stores.audit import events as audit_events
from graph.stores.catalogue.cwr_import import BATCH_SIZE
from opustrace import attribution_pull, cwr_command
from opustrace.app import limits_from, storage_notice
from opustrace.audit_publication import checkpoint_key
from opustrace.c2pa_command import c2pa_group
from opustrace.demo_command import demo
from opustrace.logs import configure_logging
from opustrace.prov_command import prov_group
from opustrace.provenance_command import declare_run_command
from opustrace.royalties_command import distribute_command, statement_group
from opustrace.runtime import local_server, neo4j_connection, run_with_db, with_database
from opustrace.settings import Settings
from registry.audit_checkpoint import checkpoint_anchors
from registry.errors import DomainError, Unavailable
from resolvers.schema import build_schema

WORKER_HEALTHCHECK_SECONDS = 60


def _settings() -> Settings:
    settings = Settings()
    configure_logging(settings)
    return settings


def main() -> None:
    try:
        cli(standalone_mode=True)
    except (LocalServerError, MigrationError, Unavailable) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


@click.group(help="Provenance and registry service for AI-trained music.")
def cli() -> None:
    pass


@cli.command(help="Serve the GraphQL API (starting the local Neo4j unless NEO4J_URI is set).")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="HOST")
@click.option("--port", default=8000, show_default=True, type=int, envvar="PORT")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    envvar="WEB_CONCURRENCY",
    help="Worker processes sharing the port; each builds the app from the settings.",
)
def serve(host: str, port: int, workers: int) -> None:
    settings = _settings()
    with neo4j_connection(settings, stop_on_exit=True) as neo4j:
        # Once, before any worker: a database from a newer release stops here with a clear message.
        applied = asyncio.run(with_database(neo4j, patient_migration(settings)))
        click.echo("migrations applied: " + (", ".join(applied) if applied else "none pending"))
        if workers > 1:
            _share_metrics_between_workers(settings.data_dir)
        click.echo(storage_notice(settings))
        click.echo(f"GraphQL at http://{host}:{port}/graphql, {workers} worker(s) (Neo4j at {neo4j.uri})")
        uvicorn.run(
            "opustrace.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level.lower(),
            log_config=None,  # the workers' own logging (opustrace.logs) formats uvicorn's records too
            access_log=False,
            # A worker answers its supervisor's ping only once its interpreter is up; on a busy host that
            # takes longer than uvicorn's 5 s default, and a worker killed for it restarts for ever.
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        )


def _share_metrics_between_workers(data_dir: Path) -> None:
    """Prometheus multiprocess mode: the workers write samples here; emptied at each start."""
    directory = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or data_dir / "metrics").resolve()
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


@cli.command("migrate", help="Apply pending migrations to the database and exit.")
def migrate_command() -> None:
    settings = _settings()
    with neo4j_connection(settings, stop_on_exit=False) as neo4j:
        applied = asyncio.run(with_database(neo4j, patient_migration(settings)))
    click.echo("applied: " + (", ".join(applied) if applied else "nothing pending"))


def patient_migration(settings: Settings) -> Callable[[Database], Awaitable[list[str]]]:
    """Migrations that wait for a database started together with the service (NEO4J_STARTUP_WAIT_SECONDS)."""

    async def work(db: Database) -> list[str]:
        again = partial(migrate, db, owner=lock_owner())
        what = "Migrations (NEO4J_STARTUP_WAIT_SECONDS)"
        return await once_reachable(again, within=settings.neo4j_startup_wait_seconds, what=what)

    return work


@cli.command("import-cwr", help="Import CISAC CWR 2.1/2.2 files: creators, works, shares, recordings.")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--batch-size", default=BATCH_SIZE, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--strict",
    is_flag=True,
    help="Apply CISAC's validation levels as written: an envelope error rejects its group or the whole file "
    "(default: lenient, repair what leaves a work's meaning intact). See docs/cwr.md.",
)
@click.option(
    "--ack",
    "ack",
    default=None,
    type=click.Path(dir_okay=True, path_type=Path),
    help="Write a CWR acknowledgement file here (a directory when importing several files).",
)
def import_cwr_command(files: tuple[Path, ...], batch_size: int, strict: bool, ack: Path | None) -> None:
    if ack is not None and len(files) > 1 and not ack.is_dir():
        raise click.BadParameter("with several files, --ack names an existing directory", param_hint="--ack")
    settings = _settings()
    options = cwr_command.ImportOptions(batch_size=batch_size, strict=strict, ack=ack)
    ok = run_with_db(
        "import-cwr", partial(cwr_command.import_files, paths=list(files), options=options), settings=settings
    )
    if not ok:
        sys.exit(1)


@cli.command("pull-attribution", help="Fetch a vendor's finished attribution results and store them.")
@click.argument("vendor_id")
@click.option("--base-url", required=True, help="The vendor's results API, e.g. https://api.vendor/v1.")
@click.option("--since", default=None, help="Start from this cursor instead of the one saved last time.")
@click.option("--token", default=None, envvar="OPUSTRACE_PULL_TOKEN", help="Bearer token for the vendor API.")
def pull_attribution_command(vendor_id: str, base_url: str, since: str | None, token: str | None) -> None:
    settings = _settings()
    pull = partial(attribution_pull.pull, vendor_id=vendor_id, base_url=base_url, since=since, token=token)
    summary = run_with_db("pull-attribution", pull, settings=settings)
    for line in summary.lines():
        click.echo(line)


@cli.group(help="The audit trail.")
def audit() -> None:
    pass


@audit.command(
    "verify", help="Walk the hash chain; exit 1 naming the first edited, removed or inserted event."
)
@click.option(
    "--since",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A signed checkpoint you kept: its signature is checked and the chain must still reach its heads.",
)
@click.option(
    "--public-key",
    "public_key_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The checkpoint key you trust (PEM); default: the key the checkpoint names.",
)
def audit_verify(checkpoint_file: Path | None, public_key_file: Path | None) -> None:
    settings = _settings()
    anchors: dict[int, str] = {}
    if checkpoint_file is not None:
        try:
            anchors = checkpoint_anchors(
                checkpoint_file.read_text(encoding="utf-8"),
                public_key_file.read_text(encoding="utf-8") if public_key_file else None,
            )
        except DomainError as exc:
            click.echo(f"checkpoint REFUSED: {exc.message}", err=True)
            sys.exit(1)
    verify = partial(audit_events.verify, anchors=anchors)
    checked, broken = run_with_db("audit verify", verify, settings=settings, migrate_first=False)
    if broken is not None:
        click.echo(f"audit trail BROKEN after {checked} intact events: {broken.describe()}", err=True)
        sys.exit(1)
    since = f", consistent with the checkpoint up to event {max(anchors)}" if anchors else ""
    click.echo(f"audit trail intact: {checked} events verified{since}")


@audit.command("checkpoint", help="Write (or read back) today's signed checkpoint of the audit heads.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Also save it here."
)
def audit_checkpoint(out: Path | None) -> None:
    key = checkpoint_key(_settings().audit_checkpoint_key_file)
    if key is None:
        click.echo("error: set AUDIT_CHECKPOINT_KEY_FILE to an Ed25519 PEM private key", err=True)
        sys.exit(1)

    async def work(db: Database) -> str:
        return (await audit_checkpoints.checkpoint_today(db, key)).model_dump_json(indent=2)

    document = run_with_db("audit checkpoint", work)
    if out is not None:
        out.write_text(document, encoding="utf-8")
    click.echo(document)


@cli.command("export-schema", help="Print the GraphQL schema (SDL); `make schema` writes schema.graphql.")
def export_schema() -> None:
    click.echo(str(build_schema(limits_from(Settings()))), nl=False)
    click.echo()


cli.add_command(distribute_command)
cli.add_command(statement_group)
cli.add_command(declare_run_command)
cli.add_command(c2pa_group)
cli.add_command(prov_group)
cli.add_command(demo)


@cli.group(help="The local Neo4j server under the data directory (.data/neo4j).")
def neo4j() -> None:
    pass


@neo4j.command(help="Download the server's jars from Maven Central (once; later calls reuse them).")
def fetch() -> None:
    server = local_server(_settings())
    click.echo(f"Neo4j jars in {server.fetch()}")


@neo4j.command(help="Start the local server in the background and leave it running.")
def start() -> None:
    server = local_server(_settings())
    started = server.start()
    click.echo(f"Neo4j {'started' if started else 'already running'} at {server.uri}")


@neo4j.command(help="Stop the local server.")
def stop() -> None:
    server = local_server(_settings())
    click.echo("Neo4j stopped" if server.stop() else "Neo4j was not running")


@neo4j.command(help="Say whether the local server runs, where, and where its data is.")
def status() -> None:
    server = local_server(_settings())
    state = f"running (pid {server.running_pid()})" if server.is_running() else "stopped"
    click.echo(f"Neo4j {state}; bolt {server.uri}; home {server.home}; jars fetched: {server.is_fetched()}")
    if not server.is_running():
        sys.exit(3)
