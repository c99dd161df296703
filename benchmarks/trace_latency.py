"""Latency of `trace` and `whoGetsPaid` for an output with 100 and with 5 influences, against raw Cypher.

    python -m benchmarks.trace_latency [works | --full] [--requests 50]

The world (benchmarks.provenance_world) is a CWR-imported catalogue with several holders a work and about
one work in three without every holder's consent; a base model trained on every work, a fine-tune of it,
and outputs of the fine-tune with one vendor report each through the attribution store, whose influences
are drawn at random over the catalogue. Each GraphQL request goes through the ASGI app with an admin key.

The baseline is one hand-written Cypher query per path, run through the Python driver, that returns the
same facts the GraphQL query asks for (for `trace`: the output, its model and lineage, the runs with their
grants, every influence with its work, creators, shares and the holders' consents, and the flags; for
`whoGetsPaid`: every influence's work with its shares and consents, and in a second query every work the
lineage's runs used with the same, since the lineage's share is paid over them), decoded into dicts.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime
from typing import Any

import httpx

from benchmarks.kit import Row, interleaved, latency_row, rounds, run_alone
from benchmarks.provenance_world import ADMIN_SECRET, World, api, build, manifest_lines
from graph.database import Database
from graph.stores.attribution import vendors
from graph.stores.attribution import writes as attribution
from graph.stores.provenance import writes as provenance
from registry.attribution import AttributionReport, Influence, InfluenceReference, RightType
from registry.provenance import ManifestFormat, ModelInput, OutputInput, RunInput, parse_manifest

MODEST, FULL = 10_000, 100_000
REQUESTS = 30
TRACE = """
query($id: ID!) {
  trace(outputId: $id) {
    output { id contentHash compliant }
    model { id name version }
    lineage { id name version }
    modelComplianceStatus countingReportId
    trainingRuns { id startedAt compliant itemCount grant { id status validFrom validTo } }
    influences {
      vendorId reportId score confidence licensableAtTraining reasons { code message }
      work { id title iswc creators { id name } shares { role performingBp mechanicalBp } }
    }
    flags { code subjectKind subjectId workId message }
  }
}
"""
WHO_GETS_PAID = """
query($id: ID!) {
  whoGetsPaid(outputId: $id, amount: "100.00", currency: "EUR") {
    lines { creatorId workId role amount }
    suspense { reason amount }
  }
}
"""
RAW_TRACE = """
MATCH (m:Model)-[:GENERATED]->(o:Output {id: $id})
WITH m, o,
  COLLECT {
    MATCH (f:ComplianceFlag {subject_kind: 'OUTPUT', subject_id: o.id}) RETURN f
    UNION
    MATCH (a:AttributionReport)-[:ABOUT]->(o) WHERE a.current
    MATCH (f:ComplianceFlag {subject_kind: 'ATTRIBUTION', subject_id: a.id}) RETURN f
    UNION
    MATCH (a:AttributionReport)-[:ABOUT]->(o) WHERE a.current
    MATCH (a)-[:INFLUENCE]->(w:Work), (f:ComplianceFlag {work_id: w.id})
    WHERE f.subject_kind = 'TRAINING_RUN' RETURN f
  } AS flags
RETURN o {.id, .content_hash, .compliant} AS output, m {.id, .name, .version} AS model,
  [f IN flags | f {.code, .subject_kind, .subject_id, .work_id, .message}] AS flags,
  COLLECT { MATCH (m)-[:FINE_TUNED_FROM*0..]->(a:Model) RETURN a {.id, .name, .version} } AS lineage,
  COLLECT {
    MATCH (m)-[:FINE_TUNED_FROM*0..]->(:Model)<-[:PRODUCED]-(r:TrainingRun) WHERE r.status = 'COMPLETE'
    OPTIONAL MATCH (r)-[:UNDER]->(g:Grant)
    RETURN r {.id, .started_at, .compliant, .item_count, grant: g {.id, .status, .valid_from, .valid_to}}
  } AS runs,
  COLLECT {
    MATCH (a:AttributionReport)-[:ABOUT]->(o) WHERE a.current
    MATCH (a)-[i:INFLUENCE]->(w:Work)
    RETURN {vendor: a.vendor_id, report: a.id, score: i.score, confidence: i.confidence,
            work: w {.id, .title, .iswc,
              holders: COLLECT {
                MATCH (c:Creator)-[s:HOLDS_SHARE]->(w)
                RETURN {id: c.id, name: c.name, role: s.role, performing: s.performing_bp,
                        mechanical: s.mechanical_bp,
                        consents: COLLECT { MATCH (c)-[:GAVE]->(k:Consent)
                                            RETURN k {.decision, .scopes, .catalogue, .work_id,
                                                      .valid_from, .revoked_at} }}
              }}}
  } AS influences
"""
# whoGetsPaid also pays the lineage's share over every work the lineage's runs used, so its baseline reads
# those works' holders and consents as well (a second query).
_HOLDERS = """
  COLLECT {
    MATCH (c:Creator)-[s:HOLDS_SHARE]->(w)
    RETURN {id: c.id, role: s.role, performing: s.performing_bp,
            consents: COLLECT { MATCH (c)-[:GAVE]->(k:Consent)
                                RETURN k {.decision, .scopes, .catalogue, .work_id, .valid_from,
                                          .revoked_at} }}
  } AS holders
"""
RAW_WHO_GETS_PAID = (
    """
MATCH (a:AttributionReport)-[:ABOUT]->(:Output {id: $id}) WHERE a.current
MATCH (a)-[i:INFLUENCE]->(w:Work)
RETURN a.vendor_id AS vendor, i.score AS score, i.confidence AS confidence, w.id AS work,
"""
    + _HOLDERS
)
RAW_LINEAGE_WORKS = (
    """
MATCH (:Output {id: $id})<-[:GENERATED]-(:Model)-[:FINE_TUNED_FROM*0..]->(:Model)<-[:PRODUCED]-(r:TrainingRun)
WHERE r.status = 'COMPLETE'
MATCH (r)-[u:USED]->(w:Work)
RETURN r.id AS run, u.weight AS weight, w.id AS work,
"""
    + _HOLDERS
)
ISWCS = "MATCH (w:Work) WHERE w.iswc IS NOT NULL RETURN w.iswc AS iswc ORDER BY iswc"


async def outputs(db: Database, world: World, counts: list[int]) -> list[str]:
    """A base trained on every work, a fine-tune, and one output per count with that many influences."""
    run = RunInput(
        id="bench-lic:bench-run", licensee_id="bench-lic", model_id=world.model_id, grant_id="bench-g1",
        started_at=datetime(2025, 3, 1, tzinfo=UTC), finished_at=datetime(2025, 3, 10, tzinfo=UTC),
    )  # fmt: skip
    manifest = parse_manifest(manifest_lines(world.work_ids), ManifestFormat.JSON_LINES)
    await provenance.declare_training_run(db, run, provenance.items_of(manifest))
    tuned = ModelInput(licensee_id="bench-lic", name="bench", version="1-ft", base_model_id=world.model_id)
    model = await provenance.declare_model(db, tuned)
    await vendors.create_vendor(db, "bench-vendor", "Bench vendor", "opustrace")
    await vendors.engage(db, "bench-lic", "bench-vendor", designated=True)
    rng = random.Random(5)
    known = [r["iswc"] for r in await db.run_read(ISWCS)]
    ids = []
    for n in counts:
        output = await provenance.declare_output(
            db,
            OutputInput(
                id=f"bench-lic:bench-output-{n}", licensee_id="bench-lic", model_id=model.id,
                content_hash=hashlib.sha256(f"bench-{n}".encode()).hexdigest(),
                generated_at=datetime(2025, 4, 1, tzinfo=UTC),
            ),
        )  # fmt: skip
        iswcs = rng.sample(known, n)
        report = AttributionReport(
            output_id=output.id, vendor_id="bench-vendor", vendor_report_id=f"r-{n}", method="embedding",
            method_version="1", computed_at=datetime(2025, 4, 2, tzinfo=UTC),
            influences=tuple(
                Influence(reference=InfluenceReference(iswc=iswc), right_type=RightType.COMPOSITION,
                          score=f"{0.5 / n:.4f}", confidence="0.9")
                for iswc in iswcs
            ),
        )  # fmt: skip
        await attribution.store_report(db, report, "GRAPHQL")
        ids.append(output.id)
    return ids


def graphql(http: httpx.AsyncClient, query: str, output_id: str) -> Any:
    async def call() -> None:
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": {"id": output_id}},
            headers={"Authorization": f"Bearer {ADMIN_SECRET}"},
        )
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), body

    return call


def raw(db: Database, queries: tuple[Any, ...], output_id: str) -> Any:
    async def call() -> None:
        for query in queries:
            rows = await db.run_read_plain(query, {"id": output_id})
            assert rows

    return call


async def measure(db: Database, size: int) -> list[Row]:
    world = await build(db, size)
    counts = [100, 5]
    ids = await outputs(db, world, counts)
    rows = []
    async with api(db) as http:
        for n, output_id in zip(counts, ids, strict=True):
            for name, query, baseline in (
                ("trace", TRACE, (RAW_TRACE,)),
                ("whoGetsPaid", WHO_GETS_PAID, (RAW_WHO_GETS_PAID, RAW_LINEAGE_WORKS)),
            ):
                ours, floor = await interleaved(
                    [graphql(http, query, output_id), raw(db, baseline, output_id)], rounds(REQUESTS)
                )
                rows.append(latency_row(f"{name}, {n} influences ({size:,} works)", ours, floor, 1.5))
    return rows


def main() -> None:
    run_alone("trace_latency", measure, MODEST, FULL, __doc__)


if __name__ == "__main__":
    main()
