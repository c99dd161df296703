// The audit trail: one head node that serialises appends, events unique by sequence number.
CREATE CONSTRAINT audit_head_id IF NOT EXISTS FOR (h:AuditHead) REQUIRE h.id IS UNIQUE;
CREATE CONSTRAINT audit_event_seq IF NOT EXISTS FOR (e:AuditEvent) REQUIRE e.seq IS UNIQUE;
CREATE INDEX audit_event_at IF NOT EXISTS FOR (e:AuditEvent) ON (e.at);
