"""The audit trail's hash chain: how an event is hashed and how a chain is checked. No I/O."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
CHAIN = "audit"  # the trail's one chain today: its head's id, as checkpoints name it
# The fields an event's hash covers, in this order; anything else on the node is not evidence.
HASHED_FIELDS = (
    "seq",
    "at",
    "actor",
    "role",
    "via",
    "action",
    "subject_ids",
    "request_id",
    "input_digest",
)


def digest_input(payload: Any) -> str:
    """A stable digest of a mutation's input: canonical JSON, so key order never matters."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def event_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    body = {name: event.get(name) for name in HASHED_FIELDS}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    seq: int
    problem: str  # EDITED, REMOVED, INSERTED, REWRITTEN

    def describe(self) -> str:
        what = {
            "EDITED": "was edited after it was written (its hash does not match its content)",
            "REWRITTEN": "differs from the checkpoint: the chain up to it was rewritten since",
            "REMOVED": "is missing: an event before it was removed",
            "INSERTED": "was inserted: it does not follow the hash of the event before it",
        }[self.problem]
        return f"audit event {self.seq} {what}"


def verify_chain(
    events: Iterable[Mapping[str, Any]], prev_hash: str = GENESIS, first_seq: int = 1
) -> ChainBreak | None:
    """The first break in events ordered by seq, or None when the chain is whole.

    `prev_hash` and `first_seq` continue a chain checked page by page.
    """
    expected_seq = first_seq
    for event in events:
        seq = int(event["seq"])
        if seq > expected_seq:
            return ChainBreak(expected_seq, "REMOVED")
        if seq < expected_seq:
            return ChainBreak(seq, "INSERTED")
        if event["prev_hash"] != prev_hash:
            self_consistent = event_hash(event["prev_hash"], event) == event["hash"]
            return ChainBreak(seq, "INSERTED" if self_consistent else "EDITED")
        if event_hash(prev_hash, event) != event["hash"]:
            return ChainBreak(seq, "EDITED")
        prev_hash, expected_seq = event["hash"], seq + 1
    return None


def anchor_break(events: Iterable[Mapping[str, Any]], anchors: Mapping[int, str]) -> ChainBreak | None:
    """The first verified event whose hash is not the one a checkpoint kept for its sequence."""
    for event in events:
        kept = anchors.get(int(event["seq"]))
        if kept is not None and kept != event["hash"]:
            return ChainBreak(int(event["seq"]), "REWRITTEN")
    return None
