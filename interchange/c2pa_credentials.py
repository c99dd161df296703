"""Signing and reading C2PA manifests in audio with c2pa-python (the Content Authenticity Initiative's
bindings). The manifest's content is registry.content_credentials; this module only drives the library.

The signing key and certificate chain come from configuration (never the repository): the chain is PEM,
signing certificate first, and must not be self-signed; the key is a PEM private key for the algorithm.
Trust anchors, when configured, let a reader say the chain is trusted rather than merely well-formed.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import c2pa

from registry.content_credentials import AudioFormat, ManifestClaims, Validation, judge_validation
from registry.content_credentials import manifest_claims as claims_of
from registry.errors import InvalidInput

__all__ = [
    "ALGORITHMS",
    "CredentialConfig",
    "ReadBack",
    "SignedAudio",
    "SigningCredentials",
    "read_back",
    "sign_audio",
]

ALGORITHMS = {
    "es256": c2pa.C2paSigningAlg.ES256,
    "es384": c2pa.C2paSigningAlg.ES384,
    "ps256": c2pa.C2paSigningAlg.PS256,
    "ed25519": c2pa.C2paSigningAlg.ED25519,
}


@dataclass(frozen=True, slots=True)
class SigningCredentials:
    certificate_chain_pem: str
    private_key_pem: str
    algorithm: str = "es256"
    timestamp_url: str | None = None


@dataclass(frozen=True, slots=True)
class SignedAudio:
    data: bytes
    manifest_label: str


def sign_audio(
    credentials: SigningCredentials, audio: bytes, fmt: AudioFormat, manifest: dict[str, Any]
) -> SignedAudio:
    """The audio with the manifest embedded and signed; blocking (native code): run it off the loop."""
    algorithm = ALGORITHMS.get(credentials.algorithm.lower())
    if algorithm is None:
        known = sorted(ALGORITHMS)
        raise InvalidInput(f"Unknown C2PA signing algorithm {credentials.algorithm!r}; use one of {known}.")
    info = c2pa.C2paSignerInfo(
        algorithm,
        credentials.certificate_chain_pem.encode(),
        credentials.private_key_pem.encode(),
        credentials.timestamp_url,
    )
    signed = io.BytesIO()
    try:
        with c2pa.Signer.from_info(info) as signer, c2pa.Builder(manifest) as builder:
            builder.sign(signer, fmt.value, io.BytesIO(audio), signed)
    except c2pa.C2paError as exc:
        raise InvalidInput(f"The audio could not be signed as {fmt.value}: {exc}.") from exc
    reader = c2pa.Reader(fmt.value, io.BytesIO(signed.getvalue()))
    label = json.loads(reader.json()).get("active_manifest") or ""
    return SignedAudio(signed.getvalue(), label)


@dataclass(frozen=True, slots=True)
class ReadBack:
    """A file's manifest as read and validated; `error` says why a manifest that is there cannot be read."""

    found: bool
    error: str | None
    validation_state: str | None
    validation: Validation | None
    claims: ManifestClaims | None


def read_back(audio: bytes, fmt: AudioFormat | None, trust_anchors_pem: str | None) -> ReadBack:
    """Read and validate the active manifest; blocking (native code)."""
    context = None
    if trust_anchors_pem:
        context = c2pa.Context.from_dict({"trust": {"trust_anchors": trust_anchors_pem}})
    try:
        reader = c2pa.Reader(fmt.value if fmt else None, io.BytesIO(audio), None, context)
    except c2pa.C2paError.ManifestNotFound:
        return ReadBack(False, None, None, None, None)
    except c2pa.C2paError as exc:
        return ReadBack(False, f"The file's C2PA manifest cannot be read: {exc}.", None, None, None)
    with reader:
        return ReadBack(
            True,
            None,
            reader.get_validation_state(),
            judge_validation(reader.get_validation_results()),
            claims_of(reader.get_active_manifest()),
        )


@dataclass(frozen=True, slots=True)
class CredentialConfig:
    """What the service signs and validates with, from its settings (opustrace.settings)."""

    signing: SigningCredentials | None = None
    trust_anchors_pem: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    version: str = "0.1.0"
