// Royalties: usage reports paged by a distribution (keyset on sort_key), statements by period, and
// statement lines read in order (statement_id, n) or per party (a creator, or a suspense reason). Each statement is idempotent.
CREATE INDEX usage_report_sort_key IF NOT EXISTS FOR (u:UsageReport) ON (u.sort_key);
CREATE INDEX usage_report_licensee IF NOT EXISTS FOR (u:UsageReport) ON (u.licensee_id, u.period);
CREATE INDEX statement_period IF NOT EXISTS FOR (s:Statement) ON (s.period, s.stream, s.currency);
CREATE INDEX statement_line_order IF NOT EXISTS FOR (l:StatementLine) ON (l.statement_id, l.n);
CREATE INDEX statement_line_party IF NOT EXISTS FOR (l:StatementLine) ON (l.statement_id, l.party);
