// The append-only lists page by key (graph/stores/_pages.py, keyset_query): a page seeks to the key the
// previous page ended at, on an index of the list's leading sort key, instead of sorting every row before
// it. Already indexed: AuditEvent.seq (V0004), AttributionReport.computed_at (V0006), UsageReport.sort_key
// and StatementLine (statement_id, n) (V0007), Audio.disputed_at (V0011).
CREATE INDEX consent_valid_from IF NOT EXISTS FOR (k:Consent) ON (k.valid_from);
CREATE INDEX grant_valid_from IF NOT EXISTS FOR (g:Grant) ON (g.valid_from);
CREATE INDEX compliance_flag_detected_at IF NOT EXISTS FOR (f:ComplianceFlag) ON (f.detected_at);
CREATE INDEX api_key_created_at IF NOT EXISTS FOR (k:ApiKey) ON (k.created_at);
CREATE INDEX statement_period_created_at IF NOT EXISTS FOR (s:Statement) ON (s.period, s.created_at);
