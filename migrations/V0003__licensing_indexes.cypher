// Licensing: a licence's version numbers are unique within it; grants and consents are read by status.
CREATE CONSTRAINT licence_version_number IF NOT EXISTS FOR (v:LicenceVersion) REQUIRE (v.licence_id, v.version) IS UNIQUE;
CREATE INDEX grant_status IF NOT EXISTS FOR (g:Grant) ON (g.status);
CREATE INDEX consent_decision IF NOT EXISTS FOR (k:Consent) ON (k.decision);
CREATE INDEX consent_catalogue IF NOT EXISTS FOR (k:Consent) ON (k.catalogue);
