"""Signed checkpoints of the audit chain's head (docs/audit-checkpoints.md). No I/O.

A checkpoint names the head (sequence and hash) of each audit chain at a moment and is signed with the
service's Ed25519 checkpoint key. Whoever keeps a checkpoint can later prove that no event up to those
heads was rewritten: recomputing the chain from its genesis must arrive at the same hash at the same
sequence. The format names a list of chains, so a partitioned trail (several heads) fits unchanged.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Annotated, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from registry.audit import CHAIN
from registry.errors import InvalidInput

__all__ = [
    "CHECKPOINT_VERSION",
    "ChainHead",
    "Checkpoint",
    "SignedCheckpoint",
    "checkpoint_anchors",
    "load_private_key",
    "parse_checkpoint",
    "public_key_pem",
    "sign_checkpoint",
    "verify_signature",
]

CHECKPOINT_VERSION = 1
Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChainHead(_Strict):
    chain: str = Field(min_length=1, max_length=100)
    seq: int = Field(ge=0)
    hash: Hex64


class Checkpoint(_Strict):
    version: int = CHECKPOINT_VERSION
    issued_at: datetime
    heads: tuple[ChainHead, ...] = Field(min_length=1)

    def canonical(self) -> bytes:
        """The signed bytes: sorted keys, no spaces, times in ISO 8601."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return text.encode()


class SignedCheckpoint(_Strict):
    checkpoint: Checkpoint
    algorithm: str = "Ed25519"
    public_key: str = Field(description="The signer's public key, PEM (SubjectPublicKeyInfo)")
    signature: str = Field(description="base64 of the Ed25519 signature over checkpoint.canonical()")

    def document(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"The audit checkpoint key is not a PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput("The audit checkpoint key must be an Ed25519 private key.")
    return key


def public_key_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign_checkpoint(checkpoint: Checkpoint, key: Ed25519PrivateKey) -> SignedCheckpoint:
    signature = base64.b64encode(key.sign(checkpoint.canonical())).decode()
    return SignedCheckpoint(checkpoint=checkpoint, public_key=public_key_pem(key), signature=signature)


def parse_checkpoint(text: str) -> SignedCheckpoint:
    try:
        return SignedCheckpoint.model_validate_json(text)
    except ValidationError as exc:
        where = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        raise InvalidInput(f"Not an audit checkpoint: {where}.") from exc


def verify_signature(signed: SignedCheckpoint, trusted_public_key: str | None = None) -> None:
    """Raise InvalidInput unless the signature verifies, with the trusted key when one is given (an outsider
    pins the key of the first checkpoint they kept), else with the key the checkpoint names."""
    pem = (trusted_public_key or signed.public_key).encode()
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise InvalidInput(f"The public key is not PEM: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInput("The public key must be an Ed25519 key.")
    if trusted_public_key and trusted_public_key.strip() != signed.public_key.strip():
        raise InvalidInput("The checkpoint was signed with another key than the one you trust.")
    try:
        key.verify(base64.b64decode(signed.signature), signed.checkpoint.canonical())
    except (InvalidSignature, ValueError) as exc:
        raise InvalidInput("The checkpoint's signature does not verify: it was altered or forged.") from exc


def checkpoint_anchors(text: str, trusted_public_key: str | None = None) -> dict[int, str]:
    """The sequence -> hash a kept checkpoint anchors on the service's one chain, once its signature is
    checked. A checkpoint naming chains this trail does not have is refused, not half-checked."""
    signed = parse_checkpoint(text)
    verify_signature(signed, trusted_public_key)
    unknown = sorted({h.chain for h in signed.checkpoint.heads} - {CHAIN})
    if unknown:
        raise InvalidInput(f"The checkpoint names chains {unknown} this audit trail does not have.")
    return {h.seq: h.hash for h in signed.checkpoint.heads if h.seq > 0}
