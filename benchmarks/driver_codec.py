"""What neo4j-rust-ext changes: decoding a trace-sized Bolt answer with the Rust extension and without.

    python -m benchmarks.driver_codec [influences]

The driver decodes every answer with `Unpacker.unpack`, which the extension replaces with Rust; the pure
Python decoder (`Unpacker._unpack`) stays in the driver, so both run here, interleaved, on the same bytes:
one row shaped like the raw trace baseline's (`size` influences, each with a work, four holders and their
consents), integers and strings only, as the project now returns times. Hydration of temporal values
stays in Python either way (see BENCHMARKS.md). No Neo4j work is timed.
"""

from __future__ import annotations

import importlib
import io
from typing import Any

from benchmarks.kit import Row, interleaved, latency_row, rounds, run_alone
from graph.database import Database

MODEST, FULL = 100, 1_000
# The driver's internal (untyped) codec module; its public API decodes only from a live connection.
CODEC: Any = importlib.import_module("neo4j._codec.packstream.v1")


def answer(influences: int) -> dict[str, Any]:
    def holder(i: int, h: int) -> dict[str, Any]:
        consent = {"decision": "OPT_IN", "scopes": ["TRAINING", "OUTPUT_USE"], "catalogue": True,
                   "valid_from_us": 1_704_067_200_000_000 + i, "revoked_at_us": None}  # fmt: skip
        return {"id": f"W{i * 4 + h:08d}", "name": f"Writer {h}", "role": "COMPOSER", "performing": 2500,
                "mechanical": 2500, "consents": [consent]}  # fmt: skip

    works = [
        {"vendor": "v", "report": "r", "score": "0.0050", "confidence": "0.9",
         "work": {"id": f"w{i}", "title": f"Title {i}", "iswc": f"T{i:010d}",
                  "holders": [holder(i, h) for h in range(4)]}}
        for i in range(influences)
    ]  # fmt: skip
    return {"output": {"id": "o", "content_hash": "ab" * 32}, "influences": works}


def encoded(value: Any) -> bytes:
    stream = io.BytesIO()
    CODEC.Packer(stream).pack(value)
    return stream.getvalue()


def decoder(data: bytes, rust: bool) -> Any:
    async def call() -> None:
        buffer = CODEC.UnpackableBuffer(data)
        unpacker = CODEC.Unpacker(buffer)
        value = unpacker.unpack() if rust else unpacker._unpack()
        assert value["output"]["id"] == "o"

    return call


async def measure(db: Database, size: int) -> list[Row]:
    data = encoded(answer(size))
    rust, python = await interleaved([decoder(data, True), decoder(data, False)], rounds(50))
    return [latency_row(f"Bolt decode, {size} influences: Rust ext vs pure Python", rust, python, 1.0)]


def main() -> None:
    run_alone("driver_codec", measure, MODEST, FULL, __doc__)


if __name__ == "__main__":
    main()
