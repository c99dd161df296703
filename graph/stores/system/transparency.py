"""The public transparency report: counts and totals only, never a person or an amount paid to one."""

from __future__ import annotations

from typing import Any

from graph.database import Database

REPORT = """
CALL () { MATCH (c:Creator) RETURN count(c) AS creators }
CALL () { MATCH (w:Work) RETURN count(w) AS works }
CALL () {
  MATCH (w:Work)<-[:HOLDS_SHARE]-(:Creator)-[:GAVE]->(c:Consent {decision: 'OPT_IN'})
  WHERE c.revoked_at IS NULL AND ((c)-[:COVERS]->(w) OR c.catalogue)
  RETURN count(DISTINCT w) AS works_with_opt_in
}
CALL () {
  MATCH (c:Consent {decision: 'DECLINE'})-[:COVERS]->(w:Work) WHERE c.revoked_at IS NULL
  RETURN count(DISTINCT w) AS works_declined
}
CALL () { MATCH (l:Licensee) RETURN count(l) AS licensees }
CALL () { MATCH (g:Grant {status: 'ACTIVE'}) RETURN count(g) AS active_grants }
CALL () { MATCH (v:Vendor) RETURN count(v) AS vendors }
CALL () { MATCH (m:Model) RETURN count(m) AS models }
CALL () {
  MATCH (r:TrainingRun {status: 'COMPLETE'})
  RETURN count(r) AS training_runs, count(CASE WHEN r.compliant = false THEN 1 END) AS flagged_runs
}
CALL () {
  MATCH (o:Output)
  RETURN count(o) AS outputs, count(CASE WHEN o.compliant = false THEN 1 END) AS flagged_outputs
}
CALL () { MATCH (a:AttributionReport) RETURN count(a) AS attribution_reports }
CALL () {
  OPTIONAL MATCH (s:Statement {status: 'FINAL'})
  WITH s WHERE s IS NOT NULL
  WITH s.stream AS stream, s.currency AS currency, sum(s.paid) AS paid, sum(s.suspended) AS suspended,
       count(s) AS statements
  RETURN collect({stream: stream, currency: currency, paid: paid, suspended: suspended,
                  statements: statements}) AS distributed
}
RETURN creators, works, works_with_opt_in, works_declined, licensees, active_grants, vendors, models,
       training_runs, flagged_runs, outputs, flagged_outputs, attribution_reports, distributed
"""


async def transparency_report(db: Database) -> dict[str, Any]:
    rows = await db.run_read(REPORT)
    return rows[0]
