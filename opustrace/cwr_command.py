"""`opustrace import-cwr FILE…`: load CWR 2.1/2.2 files, with a progress bar on a terminal."""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import click
from tqdm import tqdm

from graph.audit import AuditScope, auditing
from graph.database import Database, Neo4jSettings
from graph.migrations import migrate
from graph.stores.cwr_import import ImportReport, import_cwr
from registry.cwr import CwrReader
from registry.errors import DomainError


def _counted(lines: Iterable[str], bar: tqdm) -> Iterator[str]:
    """The file's lines, advancing the bar by their size (latin-1: one byte a character)."""
    for line in lines:
        bar.update(len(line))
        yield line


def _describe(path: Path, report: ImportReport) -> list[str]:
    out = [
        f"{path}: {report.works_created} works created, {report.works_updated} updated, "
        f"{report.works_unchanged} unchanged, {len(report.rejections)} rejected"
    ]
    for r in report.rejections:
        where = (
            f"transaction {r.transaction_seq}, record {r.record_seq} ({r.record_type}), line {r.line_number}"
        )
        out.append(f"  rejected: {where}: {r.reason}")
    out += [f"  warning: {w}" for w in report.warnings]
    return out


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _open(path: Path) -> tuple[IO[str], int]:
    # CWR is ASCII: latin-1 never fails to decode; newline="" leaves CRLF/LF to the parser. The command
    # runs nothing else on its event loop, so blocking file reads cost nothing here.
    return path.open(encoding="latin-1", newline=""), path.stat().st_size


async def _import_one(db: Database, path: Path, batch_size: int) -> ImportReport:
    stream, size = _open(path)
    # Every batch the import writes is an audit event naming the file and the operating-system user.
    scope = AuditScope(
        actor=f"cli:{getpass.getuser()}",
        role="ADMIN",
        via="IMPORT",
        action=f"import-cwr {path.name}",
        input_digest=_file_digest(path),
    )
    with (
        auditing(scope),
        stream,
        tqdm(
            total=size,
            unit="B",
            unit_scale=True,
            desc=path.name,
            disable=not sys.stderr.isatty(),
            leave=False,
        ) as bar,
    ):
        return await import_cwr(db, CwrReader(_counted(stream, bar)), batch_size=batch_size)


async def import_files(neo4j: Neo4jSettings, paths: list[Path], batch_size: int) -> bool:
    """Import each file in turn and print its report; False when a file could not be read as CWR."""
    db = Database.connect(neo4j)
    ok = True
    try:
        await migrate(db)
        for path in paths:
            try:
                report = await _import_one(db, path, batch_size)
            except DomainError as exc:
                click.echo(f"{path}: not imported: {exc.message}", err=True)
                ok = False
                continue
            click.echo("\n".join(_describe(path, report)))
    finally:
        await db.close()
    return ok


def run(neo4j: Neo4jSettings, paths: list[Path], batch_size: int) -> bool:
    return asyncio.run(import_files(neo4j, paths, batch_size))
