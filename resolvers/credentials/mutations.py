"""Content credentials through GraphQL: `signOutputAudio` and `inspectAudio` (docs/content-credentials.md).

- Signing is for the output's licensee (or an ADMIN): the uploaded audio must be the declared audio (its
  SHA-256 is the output's content hash), so a manifest is never attached to other sounds.
- Inspecting is for any key: the file's own manifest and its validation are shown to anyone holding the
  file; the output and its trace only as the caller may read them through `trace` (an output it may not
  read answers UNKNOWN_OUTPUT, exactly as one the service does not know).
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Annotated, Any

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from graph.stores.provenance import credentials
from interchange.c2pa_credentials import ReadBack, read_back
from registry.access import Role
from registry.content_credentials import (
    AudioFormat,
    InspectionState,
    audio_format,
    sha256_hex,
    verdict,
)
from registry.errors import InvalidInput, NotFound
from resolvers.access import allow, authenticated, require_principal
from resolvers.context import Info
from resolvers.credentials.signing import sign_output
from resolvers.enum_values import enum_values
from resolvers.mapping import from_record
from resolvers.provenance.queries import readable_trace
from resolvers.provenance.types import Trace

strawberry.enum(AudioFormat, description="An audio container C2PA manifests are embedded in, by MIME type.")
enum_values(
    AudioFormat,
    {
        "WAV": "audio/wav",
        "MP3": "audio/mpeg",
        "FLAC": "audio/flac",
        "M4A": "audio/mp4",
    },
)
strawberry.enum(InspectionState, description="The verdict on a file's content credentials.")
enum_values(
    InspectionState,
    {
        "VERIFIED": "The manifest is valid, the audio unchanged, and the output is known here.",
        "EDITED": "The audio no longer matches the signed hash binding.",
        "INVALID_SIGNATURE": "The claim signature does not verify.",
        "UNKNOWN_OUTPUT": "The manifest is sound but names no output this service knows.",
        "NO_MANIFEST": "The file carries no content credentials.",
        "BROKEN_MANIFEST": "A manifest is there but cannot be read.",
    },
)


@strawberry.type(description="A declared output's audio with a signed C2PA manifest embedded.")
class SignedAudio:
    output_id: strawberry.ID = strawberry.field(description="The output.")
    content_hash: str = strawberry.field(description="SHA-256 of the unsigned audio: the output's identity.")
    signed_sha256: str = strawberry.field(description="SHA-256 of the signed file, kept beside the output.")
    manifest_label: str = strawberry.field(description="The active manifest's label (urn:c2pa:...).")
    format: AudioFormat = strawberry.field(description="The container of the signed audio.")
    file_base64: str = strawberry.field(description="The signed file, base64-encoded.")


@strawberry.type(description="A file's content credentials read back, validated and traced.")
class AudioInspection:
    state: InspectionState = strawberry.field(description="The verdict.")
    message: str = strawberry.field(description="The verdict in a sentence: what is wrong, if anything.")
    file_sha256: str = strawberry.field(description="SHA-256 of the file as uploaded, 64 hex digits.")
    manifest_found: bool = strawberry.field(description="True when the file carries a C2PA manifest.")
    validation_state: str | None = strawberry.field(description="The C2PA library's word: Valid, Trusted, …")
    signature_valid: bool | None = strawberry.field(
        description=("Whether the manifest's signature and chain validate; null without a manifest.")
    )
    chain_trusted: bool | None = strawberry.field(
        description="The signing chain ends in a configured trust anchor."
    )
    hash_binding_valid: bool | None = strawberry.field(
        description=("Whether the audio still matches the hash the manifest signed; null without a manifest.")
    )
    edited_since_signing: bool | None = strawberry.field(
        description="True when the audio changed after signing; null without a manifest."
    )
    problems: list[str] = strawberry.field(description="The library's failure codes and explanations.")
    manifest_label: str | None = strawberry.field(
        description="The active manifest's label (urn:c2pa:...); null without a manifest."
    )
    claimed_output_id: strawberry.ID | None = strawberry.field(description="The output the manifest names.")
    claimed_influences: JSON | None = strawberry.field(description="The influences the manifest states.")
    claimed_provenance: JSON | None = strawberry.field(
        description="The manifest's org.opustrace.provenance assertion as the file carries it: output, "
        "model, licensee, grants, attribution (influences with ISWC/ISRC/IPI and scores) and trace link. "
        "What the file claims, so it is read from the file whatever the key; `state` says whether it "
        "validates."
    )
    matched_by: str | None = strawberry.field(
        description="How the output was found: FILE_HASH, SIGNED_FILE_HASH, MANIFEST_LABEL or "
        "MANIFEST_CONTENT_HASH."
    )
    trace: Trace | None = strawberry.field(description="The output's trace, as the caller may read it.")


async def _read_upload(upload: Upload) -> tuple[bytes, str | None]:
    # Strawberry's Upload is Starlette's UploadFile under this server.
    if not isinstance(upload, UploadFile):
        raise InvalidInput("`audio` must be a multipart file upload.")
    data = await upload.read()
    if not data:
        raise InvalidInput("The uploaded audio is empty.")
    return data, upload.filename


@strawberry.type
class CredentialsMutation:
    @strawberry.mutation(
        extensions=allow(Role.ADMIN, Role.LICENSEE),
        description="Sign a C2PA manifest into a declared output's audio (WAV, MP3, FLAC, M4A): created by "
        "trained algorithmic media, the model and licensee, the grants, the counting attribution report's "
        "influences and a link to the trace. The audio must hash to the output's contentHash. A LICENSEE: "
        "its own outputs.",
    )
    async def sign_output_audio(
        self,
        info: Info,
        output_id: Annotated[
            strawberry.ID, strawberry.argument(description="The declared output the audio is of.")
        ],
        audio: Annotated[
            Upload,
            strawberry.argument(
                description=(
                    "The audio file (multipart upload); its SHA-256 must be the output's content hash."
                )
            ),
        ],
        format: Annotated[
            AudioFormat | None,
            strawberry.argument(description="The container; omitted, read from the upload's content type."),
        ] = None,
    ) -> SignedAudio:
        principal = require_principal(info)
        data, filename = await _read_upload(audio)
        own = principal.scope_id or "" if principal.role == Role.LICENSEE else None
        signed = await sign_output(
            info.context.db,
            info.context.credentials,
            str(output_id),
            data,
            filename,
            format,
            signed_by=principal.key_id,
            licensee_id=own,
        )
        return from_record(SignedAudio, signed, file_base64=base64.b64encode(signed.data).decode())

    @strawberry.mutation(
        extensions=authenticated(),
        description="Read a track's C2PA manifest, validate it (signature, chain, hash binding: was the "
        "audio edited since signing?), find the output by the file's hash or its manifest, and show its "
        "trace as you may read it. Writes nothing.",
    )
    async def inspect_audio(
        self,
        info: Info,
        audio: Annotated[
            Upload, strawberry.argument(description="The audio file to inspect (multipart upload).")
        ],
        format: Annotated[
            AudioFormat | None,
            strawberry.argument(description="The container; omitted, read from the upload's content type."),
        ] = None,
    ) -> AudioInspection:
        data, filename = await _read_upload(audio)
        fmt = format or _known_format(filename)
        config = info.context.credentials
        read = await asyncio.to_thread(read_back, data, fmt, config.trust_anchors_pem)
        return await inspection(info, data, read)


def _known_format(filename: str | None) -> AudioFormat | None:
    try:
        return audio_format(filename)
    except InvalidInput:
        return None  # the library detects the container from the bytes


async def _first_readable_trace(info: Info, output_ids: list[str], claimed: str | None) -> Trace | None:
    """The trace of the output the file stands for that the caller may read: the one its manifest claims
    first, then the others in id order (one audio is each declaring licensee's own output). An output the
    caller may not read answers as an unknown one."""
    for output_id in sorted(output_ids, key=lambda i: (i != claimed, i)):
        try:
            return await readable_trace(info, output_id)
        except NotFound:
            continue
    return None


async def inspection(info: Info, data: bytes, read: ReadBack) -> AudioInspection:
    """The verdict on a file: its manifest's validation, then the output and trace the caller may read."""
    file_hash = sha256_hex(data)
    claims = read.claims
    candidates, how = await credentials.outputs_for_file(
        info.context.db, file_hash, claims.label if claims else None, claims.content_hash if claims else None
    )
    claimed = claims.output_id if claims else None
    trace = await _first_readable_trace(info, [c.id for c in candidates], claimed)
    state, message = verdict(read.found, read.error, read.validation, known=trace is not None)
    validation = read.validation
    body: dict[str, Any] = {
        "state": state,
        "message": message,
        "file_sha256": file_hash,
        "manifest_found": read.found,
        "validation_state": read.validation_state,
        "signature_valid": validation.signature_valid if validation else None,
        "chain_trusted": validation.chain_trusted if validation else None,
        "hash_binding_valid": validation.hash_binding_valid if validation else None,
        "edited_since_signing": validation.edited if validation else None,
        "problems": list(validation.problems) if validation else ([read.error] if read.error else []),
        "manifest_label": claims.label if claims else None,
        "claimed_output_id": claims.output_id if claims and claims.output_id else None,
        "claimed_influences": json.loads(json.dumps(list(claims.influences))) if claims else None,
        "claimed_provenance": json.loads(json.dumps(claims.provenance)) if claims else None,
        "matched_by": how if trace is not None else None,
        "trace": trace,
    }
    return AudioInspection(**body)
