"""Signed audit checkpoints: the documented example verifies; any change to it does not."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.audit import ChainBreak, anchor_break
from registry.audit_checkpoint import (
    ChainHead,
    Checkpoint,
    checkpoint_anchors,
    parse_checkpoint,
    sign_checkpoint,
    verify_signature,
)
from registry.errors import InvalidInput

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit-checkpoints.md"


def _example() -> str:
    block = re.search(r"```json\n(.*?)```", DOC.read_text(), re.S)
    assert block is not None, "docs/audit-checkpoints.md lost its example"
    return block.group(1)


def test_the_documented_example_verifies_and_anchors_its_head() -> None:
    signed = parse_checkpoint(_example())
    verify_signature(signed, signed.public_key)
    assert checkpoint_anchors(_example()) == {42: "3f" * 32}


def test_an_altered_or_foreign_checkpoint_is_refused() -> None:
    altered = json.loads(_example())
    altered["checkpoint"]["heads"][0]["seq"] = 41
    with pytest.raises(InvalidInput, match="does not verify"):
        checkpoint_anchors(json.dumps(altered))
    other = Ed25519PrivateKey.generate().public_key()
    pem = other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(InvalidInput, match="another key"):
        checkpoint_anchors(_example(), pem.decode())
    heads = (
        ChainHead(chain="audit", seq=3, hash="ab" * 32),
        ChainHead(chain="audit-2", seq=1, hash="cd" * 32),
    )
    partitioned = sign_checkpoint(
        Checkpoint(issued_at=datetime.now(UTC), heads=heads), Ed25519PrivateKey.generate()
    )
    with pytest.raises(InvalidInput, match=r"chains \['audit-2'\]"):
        checkpoint_anchors(partitioned.model_dump_json())
    with pytest.raises(InvalidInput, match="Not an audit checkpoint"):
        checkpoint_anchors('{"checkpoint": {}}')


def test_an_anchor_that_differs_is_a_rewrite() -> None:
    events = [{"seq": 1, "hash": "a" * 64}, {"seq": 2, "hash": "b" * 64}]
    assert anchor_break(events, {2: "b" * 64}) is None
    assert anchor_break(events, {2: "c" * 64}) == ChainBreak(2, "REWRITTEN")
    assert "rewritten" in ChainBreak(2, "REWRITTEN").describe()
