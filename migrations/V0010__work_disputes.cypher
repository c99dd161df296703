// The root list of disputed works (disputedWorks) seeks open and resolved disputes without a catalogue scan.
CREATE INDEX work_disputed IF NOT EXISTS FOR (w:Work) ON (w.disputed);
CREATE INDEX work_dispute_resolved_at IF NOT EXISTS FOR (w:Work) ON (w.dispute_resolved_at);
