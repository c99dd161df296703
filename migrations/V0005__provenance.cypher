// Provenance: models by their natural key, runs by status, outputs, compliance flags by code and subject.
CREATE CONSTRAINT model_natural_key IF NOT EXISTS FOR (m:Model) REQUIRE (m.licensee_id, m.name, m.version) IS UNIQUE;
CREATE INDEX model_licensee IF NOT EXISTS FOR (m:Model) ON (m.licensee_id);
CREATE INDEX training_run_status IF NOT EXISTS FOR (r:TrainingRun) ON (r.status);
CREATE CONSTRAINT compliance_flag_id IF NOT EXISTS FOR (f:ComplianceFlag) REQUIRE f.id IS UNIQUE;
CREATE INDEX compliance_flag_code IF NOT EXISTS FOR (f:ComplianceFlag) ON (f.code);
CREATE INDEX compliance_flag_subject IF NOT EXISTS FOR (f:ComplianceFlag) ON (f.subject_kind, f.subject_id);
CREATE INDEX compliance_flag_work IF NOT EXISTS FOR (f:ComplianceFlag) ON (f.work_id);
