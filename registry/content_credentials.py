"""What a generated track's content credentials (C2PA) claim, and how a read-back is judged. No I/O.

The service signs a manifest into the audio of a declared output (docs/content-credentials.md):

- a `c2pa.actions` assertion with one `c2pa.created` action whose digital source type is IPTC's
  "trained algorithmic media", naming the model as the software agent;
- an `org.opustrace.provenance` assertion: the output (id and the SHA-256 of the unsigned audio, which
  stays the output's identity), the model, the licensee, the grants the model was trained under, the
  counting attribution report's influences (works by ISWC, creators by IPI, scores) and a link to the trace.

Reading a file back, the validation codes the C2PA library reports are judged here into four plain
answers: is the claim signature valid, is the signing chain trusted, does the hash binding still match
the audio (if not, the audio was edited after signing), and which output the file names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from registry.errors import InvalidInput

__all__ = [
    "ASSERTION_LABEL",
    "TRAINED_ALGORITHMIC_MEDIA",
    "AudioFormat",
    "CredentialFacts",
    "CredentialInfluence",
    "InspectionState",
    "ManifestClaims",
    "Validation",
    "audio_format",
    "judge_validation",
    "manifest_claims",
    "manifest_definition",
    "sha256_hex",
    "trace_link",
    "verdict",
]

ASSERTION_LABEL = "org.opustrace.provenance"
TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
CLAIM_GENERATOR = "opustrace"


class AudioFormat(StrEnum):
    """The audio containers the C2PA library reads and writes, by MIME type."""

    WAV = "audio/wav"
    MP3 = "audio/mpeg"
    FLAC = "audio/flac"
    M4A = "audio/mp4"


_EXTENSIONS = {
    "wav": AudioFormat.WAV,
    "wave": AudioFormat.WAV,
    "mp3": AudioFormat.MP3,
    "flac": AudioFormat.FLAC,
    "m4a": AudioFormat.M4A,
    "mp4": AudioFormat.M4A,
}


def audio_format(filename: str | None, given: AudioFormat | None = None) -> AudioFormat:
    """The format named by the caller, else by the file's extension; a clear error otherwise."""
    if given is not None:
        return given
    extension = (filename or "").rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    found = _EXTENSIONS.get(extension)
    if found is None:
        raise InvalidInput(
            f"Cannot tell the audio format of {filename or 'the upload'!r}: name it .wav, .mp3, .flac or "
            ".m4a, or give the format."
        )
    return found


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class CredentialInfluence:
    """One influence of the counting report: a work (or a recording and the works it embodies)."""

    target_id: str
    kind: str  # WORK or RECORDING
    score: str
    iswc: str | None
    isrc: str | None
    title: str | None
    creator_ipis: tuple[str, ...]  # the IPI name numbers of the holders of the work(s), where known
    work_iswcs: tuple[str, ...] = ()  # for a recording: the ISWCs of the works it embodies


@dataclass(frozen=True, slots=True)
class CredentialFacts:
    """Everything the manifest states about one output, as the graph holds it."""

    output_id: str
    content_hash: str
    title: str | None
    generated_at: datetime
    model_id: str
    model_name: str
    model_version: str
    licensee_id: str
    licensee_name: str | None
    grant_ids: tuple[str, ...]
    report_id: str | None
    vendor_id: str | None
    influences: tuple[CredentialInfluence, ...]


def trace_link(public_url: str, output_id: str) -> str:
    """A link that opens the service's GraphQL IDE on the output's trace (the key is the reader's own)."""
    query = f'{{ trace(outputId: "{output_id}") {{ output {{ id contentHash }} model {{ id name }} }} }}'
    return f"{public_url.rstrip('/')}/graphql?query={quote(query)}"


def manifest_definition(facts: CredentialFacts, public_url: str, version: str) -> dict[str, Any]:
    """The manifest definition c2pa-python's Builder signs (JSON-shaped; see docs/content-credentials.md)."""
    created = {
        "action": "c2pa.created",
        "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
        "softwareAgent": {"name": facts.model_name, "version": facts.model_version},
        "when": facts.generated_at.isoformat(),
    }
    provenance = {
        "output": {
            "id": facts.output_id,
            "contentHash": facts.content_hash,
            "generatedAt": facts.generated_at.isoformat(),
        },
        "model": {"id": facts.model_id, "name": facts.model_name, "version": facts.model_version},
        "licensee": {"id": facts.licensee_id, "name": facts.licensee_name},
        "grants": list(facts.grant_ids),
        "attribution": {
            "reportId": facts.report_id,
            "vendorId": facts.vendor_id,
            "influences": [_influence(i) for i in facts.influences],
        },
        "trace": {"outputId": facts.output_id, "url": trace_link(public_url, facts.output_id)},
    }
    return {
        "claim_generator_info": [{"name": CLAIM_GENERATOR, "version": version}],
        "title": facts.title or facts.output_id,
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": [created]}},
            {"label": ASSERTION_LABEL, "data": provenance},
        ],
    }


def _influence(influence: CredentialInfluence) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": influence.kind, "id": influence.target_id, "score": influence.score}
    if influence.iswc:
        body["iswc"] = influence.iswc
    if influence.isrc:
        body["isrc"] = influence.isrc
    if influence.work_iswcs:
        body["workIswcs"] = list(influence.work_iswcs)
    if influence.title:
        body["title"] = influence.title
    body["creatorIpis"] = list(influence.creator_ipis)
    return body


# --- reading back ----------------------------------------------------------------------------------


class InspectionState(StrEnum):
    """The one-word answer for a file: what a journalist needs first."""

    VERIFIED = "VERIFIED"  # manifest valid, audio unchanged, output known
    EDITED = "EDITED"  # the audio no longer matches the signed hash binding
    INVALID_SIGNATURE = "INVALID_SIGNATURE"  # the claim signature does not verify
    UNKNOWN_OUTPUT = "UNKNOWN_OUTPUT"  # the manifest is sound but names no output this service knows
    NO_MANIFEST = "NO_MANIFEST"
    BROKEN_MANIFEST = "BROKEN_MANIFEST"  # a manifest is there but cannot be read


@dataclass(frozen=True, slots=True)
class Validation:
    signature_valid: bool
    chain_trusted: bool
    hash_binding_valid: bool
    problems: tuple[str, ...]  # the library's failure codes with their explanations

    @property
    def edited(self) -> bool:
        return not self.hash_binding_valid


_HASH_BINDING_FAILURES = ("assertion.dataHash.mismatch", "assertion.bmffHash.mismatch", "assertion.boxesHash")


def judge_validation(results: Mapping[str, Any] | None) -> Validation:
    """The active manifest's validation results (c2pa-python's `get_validation_results`) judged."""
    active = (results or {}).get("activeManifest") or {}
    failures: Sequence[Mapping[str, Any]] = active.get("failure") or []
    successes = {str(s.get("code")) for s in active.get("success") or []}
    codes = [str(f.get("code")) for f in failures]
    problems = tuple(f"{f.get('code')}: {f.get('explanation', '')}".rstrip(": ") for f in failures)
    signature_valid = "claimSignature.validated" in successes and not _any(codes, ("claimSignature.",))
    chain_trusted = "signingCredential.trusted" in successes and not _any(codes, ("signingCredential.",))
    hash_ok = not _any(codes, _HASH_BINDING_FAILURES)
    return Validation(signature_valid, chain_trusted, hash_ok, problems)


def _any(codes: Iterable[str], prefixes: tuple[str, ...]) -> bool:
    return any(code.startswith(prefixes) for code in codes)


@dataclass(frozen=True, slots=True)
class ManifestClaims:
    """What the active manifest says, read back from the file."""

    label: str | None
    output_id: str | None
    content_hash: str | None
    model_id: str | None
    licensee_id: str | None
    digital_source_type: str | None
    influences: tuple[dict[str, Any], ...]
    # Our whole assertion as the file carries it (output, model, licensee, grants, attribution, trace link).
    provenance: Mapping[str, Any] = field(default_factory=dict)


def manifest_claims(active: Mapping[str, Any] | None) -> ManifestClaims:
    """Our assertion and the creation action of an active manifest (a foreign manifest yields Nones)."""
    active = active or {}
    assertions = {a.get("label"): a.get("data") or {} for a in active.get("assertions") or []}
    ours: Mapping[str, Any] = assertions.get(ASSERTION_LABEL) or {}
    actions = (assertions.get("c2pa.actions.v2") or assertions.get("c2pa.actions") or {}).get("actions") or []
    created: Mapping[str, Any] = next((a for a in actions if a.get("action") == "c2pa.created"), {})
    output = ours.get("output") or {}
    return ManifestClaims(
        label=active.get("label"),
        output_id=output.get("id"),
        content_hash=output.get("contentHash"),
        model_id=(ours.get("model") or {}).get("id"),
        licensee_id=(ours.get("licensee") or {}).get("id"),
        digital_source_type=created.get("digitalSourceType"),
        influences=tuple((ours.get("attribution") or {}).get("influences") or ()),
        provenance=dict(ours),
    )


def verdict(
    found: bool, error: str | None, validation: Validation | None, *, known: bool
) -> tuple[InspectionState, str]:
    """The one-word state of a read-back file and the sentence that explains it; `error` is why a manifest
    that is there could not be read."""
    suffix = " The output was found by the file's own hash." if known else ""
    if error is not None:
        return InspectionState.BROKEN_MANIFEST, error + suffix
    if not found or validation is None:
        return InspectionState.NO_MANIFEST, "The file carries no C2PA manifest." + suffix
    if not validation.signature_valid:
        return InspectionState.INVALID_SIGNATURE, "The manifest's claim signature does not verify."
    if validation.edited:
        return (
            InspectionState.EDITED,
            "The audio was edited after it was signed: it no longer matches the manifest's hash binding.",
        )
    if not known:
        return (
            InspectionState.UNKNOWN_OUTPUT,
            "The manifest is intact, but it names no output this service knows (or that you may read).",
        )
    trusted = "" if validation.chain_trusted else " (the signing chain is not anchored in a trusted root)"
    return InspectionState.VERIFIED, f"Signed, unchanged since signing, and traced to its output{trusted}."
