// Signed checkpoints of the audit chain's head: at most one a day.
CREATE CONSTRAINT audit_checkpoint_day IF NOT EXISTS FOR (c:AuditCheckpoint) REQUIRE c.day IS UNIQUE;
