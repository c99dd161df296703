"""Test graphs for royalties, written with Cypher exactly as docs/graph-model.md describes them.

Small builders: a licence version with its grant, creators with catalogue consents, works with shares,
models with training runs (and fine-tunes), outputs with attribution reports. Times are UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.database import Database

LICENCE = """
MERGE (lic:Licence {id: $licence_id}) ON CREATE SET lic.name = 'CAL'
MERGE (v:LicenceVersion {id: $version_id})
SET v += $terms, v.licence_id = $licence_id
MERGE (lic)-[:HAS_VERSION]->(v)
MERGE (l:Licensee {id: $licensee_id}) ON CREATE SET l.name = $licensee_id, l.created_at = datetime()
MERGE (g:Grant {id: $grant_id})
SET g.scopes = ['TRAINING', 'SERVICE_USE', 'OUTPUT_USE'], g.valid_from = datetime('2024-01-01T00:00:00Z'),
    g.valid_to = datetime('2030-01-01T00:00:00Z'), g.status = 'ACTIVE', g.model_name = $model_name,
    g.model_version = '1', g.suspended_from = [], g.reinstated_at = []
MERGE (l)-[:HOLDS]->(g)
MERGE (g)-[:OF]->(v)
"""
CREATORS = """
UNWIND $creators AS c
MERGE (n:Creator {id: c.id}) ON CREATE SET n.name = c.id, n.kind = 'PERSON'
FOREACH (_ IN CASE WHEN c.consent IS NULL THEN [] ELSE [1] END |
  MERGE (k:Consent {id: 'k-' + c.id})
  SET k.decision = c.consent, k.scopes = ['TRAINING', 'SERVICE_USE', 'OUTPUT_USE'], k.catalogue = true,
      k.valid_from = datetime('2024-01-01T00:00:00Z')
  MERGE (n)-[:GAVE]->(k))
"""
WORKS = """
UNWIND $works AS w
MERGE (n:Work {id: w.id}) SET n.title = w.id, n.status = w.status
WITH n, w
UNWIND w.holders AS h
MATCH (c:Creator {id: h.id})
MERGE (c)-[s:HOLDS_SHARE {role: h.role}]->(n)
SET s.performing_bp = h.bp, s.mechanical_bp = h.bp, s.synchronisation_bp = h.bp
"""
MODEL = """
MATCH (l:Licensee {id: $licensee_id})
MERGE (m:Model {id: $id}) SET m.name = $name, m.version = '1', m.licensee_id = $licensee_id
MERGE (l)-[:OPERATES]->(m)
WITH m
OPTIONAL MATCH (base:Model {id: $base})
FOREACH (_ IN CASE WHEN base IS NULL THEN [] ELSE [1] END | MERGE (m)-[:FINE_TUNED_FROM]->(base))
WITH m
MERGE (r:TrainingRun {id: $run_id})
SET r.started_at = datetime('2025-01-01T00:00:00Z'), r.finished_at = datetime('2025-01-02T00:00:00Z'),
    r.status = 'COMPLETE'
MERGE (r)-[:PRODUCED]->(m)
WITH r
OPTIONAL MATCH (g:Grant {id: $grant_id})
FOREACH (_ IN CASE WHEN g IS NULL THEN [] ELSE [1] END | MERGE (r)-[:UNDER]->(g))
WITH r
UNWIND $used AS u
MATCH (w:Work {id: u.work})
MERGE (r)-[e:USED]->(w) SET e.weight = u.weight
"""
OUTPUTS = """
UNWIND $outputs AS o
MATCH (m:Model {id: o.model})
MERGE (n:Output {id: o.id})
SET n.content_hash = o.hash, n.created_at = datetime('2026-09-15T00:00:00Z')
MERGE (m)-[:GENERATED]->(n)
"""
REPORT = """
MATCH (o:Output {id: $output_id})
MERGE (v:Vendor {id: $vendor}) ON CREATE SET v.name = $vendor
MERGE (r:AttributionReport {id: $id})
SET r.vendor_id = $vendor, r.computed_at = datetime('2026-09-20T00:00:00Z'), r.current = true,
    r.received_at = datetime('2026-09-20T00:00:00Z'), r.digest = $id, r.vendor_report_id = $id,
    r.method = 'embedding', r.method_version = '1', r.via = 'GRAPHQL'
MERGE (v)-[:SUBMITTED]->(r)
MERGE (r)-[:ABOUT]->(o)
WITH r, v
MATCH (l:Licensee)-[:OPERATES]->(:Model)-[:GENERATED]->(:Output {id: $output_id})
MERGE (l)-[e:ENGAGED]->(v) SET e.designated = true
WITH r
CALL (r) {
  UNWIND $influences AS i
  MATCH (w:Work {id: i.work})
  MERGE (r)-[x:INFLUENCE]->(w)
  SET x.score = i.score, x.confidence = i.confidence, x.right_type = 'COMPOSITION'
}
CALL (r) {
  UNWIND $unmatched AS u
  CREATE (r)-[:UNMATCHED]->(:UnmatchedInfluence {reference: u.reference, score: u.score,
    confidence: u.confidence, right_type: 'COMPOSITION', reason: 'NO_MATCH'})
}
"""

DEFAULT_TERMS: dict[str, Any] = {
    "version": "1",
    "scopes": ["TRAINING", "SERVICE_USE", "OUTPUT_USE"],
    "currency": "EUR",
    "training_fee": 1_200_000,
    "service_rate": "0.15",
    "output_rate": "0.10",
    "confidence_threshold": "0.5",
    "stream_rights": '{"OUTPUT_USE": "PERFORMING", "SERVICE_USE": "PERFORMING", "TRAINING": "MECHANICAL"}',
    "training_basis": "USED_WORKS",
    "training_weighted": False,
}


@dataclass
class Builder:
    db: Database
    licensee_id: str = "lic-1"
    grant_id: str = "grant-1"
    terms: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_TERMS))

    async def licence(self, model_name: str = "m") -> None:
        params = {
            "licence_id": "collective",
            "version_id": "cal-1",
            "terms": self.terms,
            "licensee_id": self.licensee_id,
            "grant_id": self.grant_id,
            "model_name": model_name,
        }
        await self.db.run_write(LICENCE, params)

    async def creators(self, consents: Mapping[str, str | None]) -> None:
        """Creators with a catalogue consent each: 'OPT_IN', 'DECLINE' or None (no consent)."""
        rows = [{"id": c, "consent": k} for c, k in consents.items()]
        await self.db.run_write(CREATORS, {"creators": rows})

    async def work(self, work_id: str, holders: Mapping[str, int], status: str = "ACTIVE") -> None:
        rows = [{"id": h, "bp": bp, "role": "COMPOSER"} for h, bp in holders.items()]
        await self.db.run_write(WORKS, {"works": [{"id": work_id, "status": status, "holders": rows}]})

    async def model(
        self,
        model_id: str,
        used: Mapping[str, str],
        *,
        base: str | None = None,
        run_id: str | None = None,
        name: str | None = None,
    ) -> None:
        params = {
            "id": model_id,
            "name": name or model_id,
            "licensee_id": self.licensee_id,
            "base": base,
            "run_id": run_id or f"run-{model_id}",
            "grant_id": self.grant_id,
            "used": [{"work": w, "weight": weight} for w, weight in used.items()],
        }
        await self.db.run_write(MODEL, params)

    async def outputs(self, model_id: str, ids: Sequence[str]) -> None:
        rows = [{"id": o, "model": model_id, "hash": f"{abs(hash(o)):064x}"[-64:]} for o in ids]
        await self.db.run_write(OUTPUTS, {"outputs": rows})

    async def report(
        self,
        report_id: str,
        output_id: str,
        influences: Mapping[str, str],
        *,
        confidence: str | None = None,
        unmatched: Mapping[str, str] | None = None,
        vendor: str = "vendor-1",
    ) -> None:
        params = {
            "id": report_id,
            "output_id": output_id,
            "vendor": vendor,
            "influences": [{"work": w, "score": s, "confidence": confidence} for w, s in influences.items()],
            "unmatched": [
                {"reference": ref, "score": s, "confidence": confidence}
                for ref, s in (unmatched or {}).items()
            ],
        }
        await self.db.run_write(REPORT, params)
