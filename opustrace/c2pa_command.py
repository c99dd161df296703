"""`opustrace c2pa sign OUTPUT_ID AUDIO_FILE` and `opustrace c2pa inspect FILE`: content credentials from
the command line, with the same stores and rules as `signOutputAudio` and `inspectAudio` (as ADMIN)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from graph.database import Database
from graph.stores.provenance import credentials, reads
from graph.stores.provenance.reads import TraceRecord
from interchange.c2pa_credentials import read_back
from opustrace.credentials_config import credential_config
from opustrace.runtime import run_with_db
from opustrace.settings import Settings
from registry.content_credentials import (
    InspectionState,
    audio_format,
    sha256_hex,
    verdict,
)
from registry.errors import InvalidInput
from resolvers.credentials.signing import sign_output


@click.group("c2pa", help="C2PA content credentials on generated tracks.")
def c2pa_group() -> None:
    pass


@c2pa_group.command("sign", help="Sign a manifest into the declared audio of an output.")
@click.argument("output_id")
@click.argument("audio_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the signed file (default: AUDIO_FILE with .signed before its extension).",
)
def sign_command(output_id: str, audio_file: Path, out: Path | None) -> None:
    config = credential_config(Settings())
    target = out or audio_file.with_name(f"{audio_file.stem}.signed{audio_file.suffix}")
    data = audio_file.read_bytes()

    async def work(db: Database) -> str:
        signed = await sign_output(db, config, output_id, data, audio_file.name, signed_by="cli")
        target.write_bytes(signed.data)
        return f"signed {target} ({signed.manifest_label}, SHA-256 {signed.signed_sha256})"

    click.echo(run_with_db("c2pa sign", work))


@c2pa_group.command("inspect", help="Read and validate a file's manifest and trace it to its output.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the inspection as JSON.")
def inspect_command(file: Path, as_json: bool) -> None:
    config = credential_config(Settings())
    data = file.read_bytes()
    try:
        fmt = audio_format(file.name)
    except InvalidInput:
        fmt = None  # the library detects the container from the bytes
    read = read_back(data, fmt, config.trust_anchors_pem)

    async def work(db: Database) -> dict[str, object]:
        claims = read.claims
        found, how = await credentials.outputs_for_file(
            db, sha256_hex(data), claims.label if claims else None, claims.content_hash if claims else None
        )
        # The operator sees every licensee's output of the audio; the one the manifest claims is traced.
        claimed = claims.output_id if claims else None
        found.sort(key=lambda o: (o.id != claimed, o.id))
        state, message = verdict(read.found, read.error, read.validation, known=bool(found))
        report: dict[str, object] = {"state": state.value, "message": message, "fileSha256": sha256_hex(data)}
        if read.validation is not None:
            v = read.validation
            report |= {
                "validationState": read.validation_state,
                "signatureValid": v.signature_valid,
                "chainTrusted": v.chain_trusted,
                "editedSinceSigning": v.edited,
                "problems": list(v.problems),
            }
        if claims is not None:
            report |= {"manifestLabel": claims.label, "claimedOutputId": claims.output_id}
            report["claimedInfluences"] = list(claims.influences)
        if found:
            report |= {"outputId": found[0].id, "matchedBy": how}
            if len(found) > 1:
                report["otherOutputIds"] = [o.id for o in found[1:]]  # an audio dispute
            trace = await reads.trace(db, found[0].id)
            if trace is not None:
                report["trace"] = _trace_summary(trace)
        return report

    report = run_with_db("c2pa inspect", work)
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
    else:
        for key, value in report.items():
            click.echo(
                f"{key}: {json.dumps(value, default=str) if isinstance(value, list | dict) else value}"
            )
    if report["state"] != InspectionState.VERIFIED.value:
        sys.exit(2)


def _trace_summary(trace: TraceRecord) -> dict[str, object]:
    return {
        "model": trace.lineage[0].id if trace.lineage else None,
        "lineage": [m.id for m in trace.lineage],
        "trainingRuns": [{"id": r.id, "grant": r.grant_id, "compliant": r.compliant} for r in trace.runs],
        "influences": [
            {"target": i.target_id, "vendor": i.vendor_id, "score": i.score} for i in trace.influences
        ],
        "compliant": trace.output.compliant,
    }
