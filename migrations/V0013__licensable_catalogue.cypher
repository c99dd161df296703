// The licensable catalogue of the present, maintained (graph/stores/licensable.py): one label per scope on
// the works licensable now, each with a title index the page scans in order (the unfiltered total is the
// label's count in the count store), and the next moment a covering consent starts or ends, which readers
// seek to judge due works again.
CREATE INDEX licensable_training_title IF NOT EXISTS FOR (w:LicensableTraining) ON (w.title);
CREATE INDEX licensable_service_use_title IF NOT EXISTS FOR (w:LicensableServiceUse) ON (w.title);
CREATE INDEX licensable_output_use_title IF NOT EXISTS FOR (w:LicensableOutputUse) ON (w.title);
CREATE INDEX work_licensable_due IF NOT EXISTS FOR (w:Work) ON (w.licensable_due);
// The backfill: registry.rights' work rule at the database's present, as graph/stores/rights.py
// LICENSABLE_FILTER states it in Cypher (tests/integration/test_rights_agreement.py checks this file's
// result against the Python rule); from here on the writes keep the labels.
MATCH (w:Work) WHERE coalesce(w.status, 'ACTIVE') <> 'WITHDRAWN'
WITH w, datetime() AS now, COLLECT {
  MATCH (c:Creator)-[s:HOLDS_SHARE]->(w)
  WITH c, sum(coalesce(s.performing_bp, 0) + coalesce(s.mechanical_bp, 0)
              + coalesce(s.synchronisation_bp, 0)) AS bp
  WHERE bp > 0
  RETURN c
} AS owners
WHERE size(owners) > 0
  AND all(c IN owners WHERE EXISTS {
    MATCH (c)-[:GAVE]->(k:Consent {decision: 'OPT_IN'})
    WHERE 'TRAINING' IN k.scopes AND k.valid_from <= now AND (k.revoked_at IS NULL OR now < k.revoked_at)
      AND (k.catalogue = true OR EXISTS { (k)-[:COVERS]->(w) })
  })
  AND none(c IN owners WHERE EXISTS {
    MATCH (c)-[:GAVE]->(k:Consent {decision: 'DECLINE'})
    WHERE 'TRAINING' IN k.scopes AND k.valid_from <= now AND (k.revoked_at IS NULL OR now < k.revoked_at)
      AND (k.catalogue = true OR EXISTS { (k)-[:COVERS]->(w) })
  })
SET w:LicensableTraining;
MATCH (w:Work) WHERE coalesce(w.status, 'ACTIVE') <> 'WITHDRAWN'
WITH w, datetime() AS now, COLLECT {
  MATCH (c:Creator)-[s:HOLDS_SHARE]->(w)
  WITH c, sum(coalesce(s.performing_bp, 0) + coalesce(s.mechanical_bp, 0)
              + coalesce(s.synchronisation_bp, 0)) AS bp
  WHERE bp > 0
  RETURN c
} AS owners
WHERE size(owners) > 0
  AND all(c IN owners WHERE EXISTS {
    MATCH (c)-[:GAVE]->(k:Consent {decision: 'OPT_IN'})
    WHERE 'SERVICE_USE' IN k.scopes AND k.valid_from <= now AND (k.revoked_at IS NULL OR now < k.revoked_at)
      AND (k.catalogue = true OR EXISTS { (k)-[:COVERS]->(w) })
  })
  AND none(c IN owners WHERE EXISTS {
    MATCH (c)-[:GAVE]->(k:Consent {decision: 'DECLINE'})
    WHERE 'SERVICE_USE' IN k.scopes AND k.valid_from <= now AND (k.revoked_at IS NULL OR now < k.revoked_at)
      AND (k.catalogue = true OR EXISTS { (k)-[:COVERS]->(w) })
  })
SET w:LicensableServiceUse;
MATCH (w:Work) WHERE coalesce(w.status, 'ACTIVE') <> 'WITHDRAWN'
WITH w, datetime() AS now, COLLECT {
  MATCH (c:Creator)-[s:HOLDS_SHARE]->(w)
  WITH c, sum(coalesce(s.performing_bp, 0) + coalesce(s.mechanical_bp, 0)
              + coalesce(s.synchronisation_bp, 0)) AS bp
  WHERE bp > 0
  RETURN c
} AS owners
WHERE size(owners) > 0
  AND all(c IN owners WHERE EXISTS {
    MATCH (c)-[:GAVE]->(k:Consent {decision: 'OPT_IN'})
    WHERE 'OUTPUT_USE' IN k.scopes AND k.valid_from <= now AND (k.revoked_at IS NULL OR now < k.revoked_at)
      AND (k.catalogue = true OR EXISTS { (k)-[:COVERS]->(w) })
  })
  AND none(c IN owners WHERE EXISTS {
    MATCH (c)-[:GAVE]->(k:Consent {decision: 'DECLINE'})
    WHERE 'OUTPUT_USE' IN k.scopes AND k.valid_from <= now AND (k.revoked_at IS NULL OR now < k.revoked_at)
      AND (k.catalogue = true OR EXISTS { (k)-[:COVERS]->(w) })
  })
SET w:LicensableOutputUse;
MATCH (w:Work)
WITH w, COLLECT {
  MATCH (c:Creator)-[:HOLDS_SHARE]->(w)
  MATCH (c)-[:GAVE]->(k:Consent)
  WHERE k.catalogue = true OR EXISTS { (k)-[:COVERS]->(w) }
  UNWIND [k.valid_from, k.revoked_at] AS t
  WITH t WHERE t > datetime()
  RETURN min(t) AS t
}[0] AS due
WHERE due IS NOT NULL
SET w.licensable_due = due;
