"""`opustrace import-cwr FILE…`: load CWR 2.1/2.2 files, with a progress bar on a terminal.

`--strict` applies CISAC's validation levels as written (a file or group rejected whole when its envelope
is wrong); `--ack OUT` writes the acknowledgement file a society would send back (one per input file:
with several files, OUT names a directory).
"""

from __future__ import annotations

import getpass
import hashlib
import sys
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import click
from tqdm import tqdm

from graph.audit import AuditScope, auditing
from graph.database import Database
from graph.stores.catalogue.cwr_import import ImportReport, import_cwr
from registry.cwr import CwrReader, strict_reader
from registry.cwr.ack import write_ack
from registry.errors import DomainError


@dataclass(frozen=True, slots=True)
class ImportOptions:
    batch_size: int
    strict: bool = False
    ack: Path | None = None  # a file for one input; a directory for several


def _counted(lines: Iterable[str], bar: tqdm) -> Iterator[str]:
    """The file's lines, advancing the bar by their size (latin-1: one byte a character)."""
    for line in lines:
        bar.update(len(line))
        yield line


def _describe(path: Path, report: ImportReport) -> list[str]:
    out = [
        f"{path}: {report.works_loaded} works loaded ({report.works_created} created, "
        f"{report.works_updated} updated, {report.works_unchanged} unchanged), {report.works_repaired} "
        f"of them repaired, {report.works_rejected} rejected, {len(report.warnings)} warnings"
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


async def _import_one(db: Database, path: Path, options: ImportOptions) -> ImportReport:
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
        ExitStack() as scan_files,
        tqdm(
            total=size,
            unit="B",
            unit_scale=True,
            desc=path.name,
            disable=not sys.stderr.isatty(),
            leave=False,
        ) as bar,
    ):
        if options.strict:
            # The first reading decides which groups stand; only the second one advances the bar.
            streams = iter([scan_files.enter_context(_open(path)[0]), _counted(stream, bar)])
            reader = strict_reader(lambda: next(streams))
        else:
            reader = CwrReader(_counted(stream, bar))
        report = await import_cwr(
            db, reader, batch_size=options.batch_size, acknowledge=options.ack is not None
        )
        if options.ack is not None:
            _write_ack(options.ack, path, report, reader)
        return report


def _write_ack(target: Path, source: Path, report: ImportReport, reader: CwrReader) -> None:
    out = target / f"{source.stem}.ACK{source.suffix}" if target.is_dir() else target
    lines = write_ack(report.acknowledgements or [], reader.header, datetime.now(UTC))
    with out.open("w", encoding="latin-1", newline="\r\n") as handle:
        for line in lines:
            handle.write(line + "\n")
    click.echo(f"{source}: acknowledgement written to {out}")


async def import_files(db: Database, paths: list[Path], options: ImportOptions) -> bool:
    """Import each file in turn and print its report; False when a file could not be read as CWR."""
    ok = True
    for path in paths:
        try:
            report = await _import_one(db, path, options)
        except DomainError as exc:
            click.echo(f"{path}: not imported: {exc.message}", err=True)
            ok = False
            continue
        click.echo("\n".join(_describe(path, report)))
    return ok
