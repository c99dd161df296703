"""`opustrace demo load|keys`: the seeded demo world and the keys it printed."""

from __future__ import annotations

import os
import sys
import time
from functools import partial
from pathlib import Path

import click

from graph.database import Database
from opustrace import demo_world
from opustrace.app import limits_from
from opustrace.demo import DemoError, Keys, load
from opustrace.runtime import run_with_db
from opustrace.settings import Settings
from resolvers.schema import build_schema

SIZES = {"full": demo_world.Size(), "small": demo_world.SMALL, "tiny": demo_world.TINY}


def keys_file(settings: Settings) -> Path:
    return settings.data_dir / "demo-keys.txt"


async def _load(db: Database, settings: Settings, seed: int, size: demo_world.Size) -> Keys:
    schema = build_schema(limits_from(settings))
    return await load(db, schema, seed=seed, size=size, progress=lambda m: click.echo(f"  {m}"))


@click.group(help="The demo world: a seeded, realistic registry to explore.")
def demo() -> None:
    pass


@demo.command("load", help="Fill an EMPTY database with the demo world and print an API key per role.")
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--size", "size_name", default="full", show_default=True, type=click.Choice(sorted(SIZES)))
def load_command(seed: int, size_name: str) -> None:
    settings = Settings()
    size = SIZES[size_name]
    click.echo(f"loading the demo world (seed {seed}: {size.creators} creators, {size.works} works, "
               f"{size.outputs} outputs) through the GraphQL mutations…")  # fmt: skip
    started = time.monotonic()
    work = partial(_load, settings=settings, seed=seed, size=size)
    try:
        keys = run_with_db("demo load", work, settings=settings, stop_on_exit=True)
    except DemoError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    path = keys_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(keys.table() + "\n", encoding="utf-8")
    os.chmod(path, 0o600)  # the keys are secrets: readable by their owner only
    click.echo(f"loaded in {time.monotonic() - started:.0f} s. API keys (also in {path}):")
    click.echo(keys.table())


@demo.command("audio", help="Write a demo output's audio (a short WAV whose SHA-256 is its content hash).")
@click.argument("output_id")
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def audio_command(output_id: str, seed: int, out: Path) -> None:
    try:
        n = demo_world.output_number(output_id)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="OUTPUT_ID") from exc
    out.write_bytes(demo_world.audio(seed, n))
    click.echo(f"wrote {out}: sign it with `opustrace c2pa sign {output_id} {out}`")


@demo.command("keys", help="Print the keys the last `demo load` created in this data directory.")
def keys_command() -> None:
    path = keys_file(Settings())
    if not path.exists():
        click.echo(f"no demo keys in {path}; run `opustrace demo load` first", err=True)
        sys.exit(1)
    click.echo(path.read_text(encoding="utf-8"), nl=False)
