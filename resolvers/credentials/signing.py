"""Signing a declared output's audio: the one path the mutation and `opustrace c2pa sign` share."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from graph.database import Database
from graph.stores.provenance import credentials
from interchange.c2pa_credentials import CredentialConfig, sign_audio
from registry.content_credentials import AudioFormat, audio_format, manifest_definition, sha256_hex
from registry.errors import InvalidInput, NotFound, Unavailable


@dataclass(frozen=True, slots=True)
class SignedOutput:
    output_id: str
    content_hash: str
    signed_sha256: str
    manifest_label: str
    format: AudioFormat
    data: bytes


async def sign_output(
    db: Database,
    config: CredentialConfig,
    output_id: str,
    audio: bytes,
    filename: str | None,
    fmt: AudioFormat | None = None,
    *,
    signed_by: str,
    licensee_id: str | None = None,
) -> SignedOutput:
    """Sign the manifest into `audio`, which must be the output's declared audio (its format given, or
    named by `filename`), and record the signed file beside the output. `licensee_id`: only that
    licensee's outputs (others answer as missing, before anything else is said)."""
    facts = await credentials.credential_facts(db, output_id)
    if facts is None or (licensee_id is not None and facts.licensee_id != licensee_id):
        raise NotFound(f"No output {output_id!r} that you may read.")
    if config.signing is None:
        raise Unavailable(
            "This service has no C2PA signing key: its operator sets C2PA_CERTIFICATE_CHAIN_FILE and "
            "C2PA_PRIVATE_KEY_FILE."
        )
    fmt = audio_format(filename, fmt)
    if sha256_hex(audio) != facts.content_hash:
        raise InvalidInput(
            f"This audio's SHA-256 is {sha256_hex(audio)}, but output {facts.output_id} was declared with "
            f"{facts.content_hash}: upload the audio exactly as declared."
        )
    manifest = manifest_definition(facts, config.public_url, config.version)
    # Native code: off the event loop.
    signed = await asyncio.to_thread(sign_audio, config.signing, audio, fmt, manifest)
    asset = await credentials.record_signed(
        db, facts.output_id, sha256_hex(signed.data), signed.manifest_label, fmt.value, signed_by
    )
    return SignedOutput(
        facts.output_id, facts.content_hash, asset.sha256, signed.manifest_label, fmt, signed.data
    )
