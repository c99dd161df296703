"""Attribution report write rate: reports of 1,000 influences through the mutation and the webhook, against
raw UNWIND.

    python -m benchmarks.attribution_write [works | --full] [--rounds N]

The world (benchmarks.provenance_world) is a CWR-imported catalogue with several holders a work and about
one work in three without every holder's consent; its licensee's model has one output per report, and a
vendor (generic JSON) the licensee engaged. Each report names 1,000 works by ISWC, drawn at random
(seeded), so about a third are flagged. The project's paths are the whole API:
`submitAttributionReport` (a VENDOR key) and a signed `POST /webhooks/attribution/{vendor}`, each timing
parsing, the signature and replay guard (webhook), resolving every reference, the compliance verdicts and
flags, the INFLUENCE edges, supersession and the audit event. The baseline creates the same report node
and INFLUENCE edges (matching the works by ISWC) with one raw `UNWIND`. The three alternate (mutation,
webhook, raw, ...), each on an output of its own.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, datetime
from typing import Any

from attribution_adapters.generic import FORMAT_ID
from attribution_adapters.signatures import SIGNATURE_HEADER, sign
from benchmarks.kit import Row, interleaved, rounds, run_alone, throughput_row
from benchmarks.provenance_world import api, build
from graph.database import Database
from graph.stores.attribution import vendors
from graph.stores.provenance import writes as provenance
from graph.stores.system import api_keys
from registry.access import Role
from registry.provenance import OutputInput

MODEST, FULL = 2_000, 10_000
INFLUENCES = 1_000
ROUNDS = 5
VENDOR = "bench-vendor"
SUBMIT = """
mutation($p: JSON) {
  submitAttributionReport(format: GENERIC_JSON, payload: $p) { reports { duplicate report { id } } }
}
"""
ISWCS = "MATCH (w:Work) WHERE w.iswc IS NOT NULL RETURN w.iswc AS iswc ORDER BY iswc"
RAW_REPORT = """
MATCH (o:Output {id: $output_id}), (v:Vendor {id: $vendor_id})
CREATE (v)-[:SUBMITTED]->(r:AttributionReport {id: $id, vendor_id: $vendor_id, current: true})-[:ABOUT]->(o)
WITH r
UNWIND $influences AS i
MATCH (w:Work {iswc: i.iswc})
CREATE (r)-[:INFLUENCE {position: i.position, score: i.score, confidence: i.confidence,
                        right_type: 'COMPOSITION'}]->(w)
"""


def report(output_id: str, iswcs: list[str]) -> dict[str, Any]:
    """A generic-JSON report of `iswcs`, one influence each."""
    return {
        "format": FORMAT_ID,
        "vendor_report_id": f"r-{output_id}",
        "output_id": output_id,
        "method": "embedding",
        "method_version": "1",
        "computed_at": "2025-04-02T00:00:00Z",
        "influences": [
            {"reference": {"iswc": iswc}, "right_type": "composition", "score": "0.0005", "confidence": "0.9"}
            for iswc in iswcs
        ],
    }


async def setup(db: Database) -> tuple[str, str]:
    """The engaged vendor: its webhook secret and a VENDOR key."""
    _, secret = await vendors.create_vendor(db, VENDOR, "Bench vendor", "generic_json")
    assert secret is not None
    await vendors.engage(db, "bench-lic", VENDOR, designated=True)
    _, key = await api_keys.create_key(db, Role.VENDOR, VENDOR, "bench", "bench")
    return secret, key


async def new_output(db: Database, model_id: str, n: int) -> str:
    output = await provenance.declare_output(
        db,
        OutputInput(
            id=f"bench-lic:bench-out-{n}", licensee_id="bench-lic", model_id=model_id,
            content_hash=hashlib.sha256(f"bench-out-{n}".encode()).hexdigest(),
            generated_at=datetime(2025, 4, 1, tzinfo=UTC),
        ),
    )  # fmt: skip
    return output.id


async def measure(db: Database, size: int) -> list[Row]:
    world = await build(db, size)
    secret, key = await setup(db)
    known = [r["iswc"] for r in await db.run_read(ISWCS)]
    rng = random.Random(7)
    count = rounds(ROUNDS)
    outputs = iter([await new_output(db, world.model_id, n) for n in range(3 * (count + 3))])

    def payload() -> tuple[str, dict[str, Any]]:
        output_id = next(outputs)
        return output_id, report(output_id, rng.sample(known, INFLUENCES))

    async with api(db) as http:

        async def mutation() -> None:
            _, body = payload()
            headers = {"Authorization": f"Bearer {key}"}
            variables = {"query": SUBMIT, "variables": {"p": body}}
            response = await http.post("/graphql", json=variables, headers=headers)
            answer = response.json()
            assert not answer.get("errors"), answer["errors"]
            assert not answer["data"]["submitAttributionReport"]["reports"][0]["duplicate"]

        async def webhook() -> None:
            _, body = payload()
            raw = json.dumps(body).encode()
            headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(raw, secret)}
            response = await http.post(f"/webhooks/attribution/{VENDOR}", content=raw, headers=headers)
            assert response.status_code == 200, response.text

        async def floor() -> None:
            output_id, body = payload()
            influences = [
                {"iswc": i["reference"]["iswc"], "position": n, "score": i["score"], "confidence": "0.9"}
                for n, i in enumerate(body["influences"])
            ]
            params = {"output_id": output_id, "vendor_id": VENDOR, "id": f"raw-{output_id}"}
            await db.run_write(RAW_REPORT, params | {"influences": influences})

        by_mutation, by_webhook, baseline = await interleaved([mutation, webhook, floor], count)
    return [
        throughput_row(f"attribution report, {INFLUENCES:,} influences, mutation", "influences", INFLUENCES,
                       by_mutation, baseline, 0.8),
        throughput_row(f"attribution report, {INFLUENCES:,} influences, webhook", "influences", INFLUENCES,
                       by_webhook, baseline, 0.8),
    ]  # fmt: skip


def main() -> None:
    run_alone("attribution_write", measure, MODEST, FULL, __doc__)


if __name__ == "__main__":
    main()
