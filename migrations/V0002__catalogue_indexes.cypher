// Indexes for the catalogue's filters (graph/stores/catalogue.py). Each statement is idempotent.
// Case-insensitive substring filters run on lower-cased copies (title_search, name_search): text indexes
// serve CONTAINS but are case-sensitive.
CREATE TEXT INDEX work_title_search IF NOT EXISTS FOR (n:Work) ON (n.title_search);
CREATE TEXT INDEX creator_name_search IF NOT EXISTS FOR (n:Creator) ON (n.name_search);
CREATE INDEX work_title IF NOT EXISTS FOR (n:Work) ON (n.title);
CREATE INDEX work_submitter_work_id IF NOT EXISTS FOR (n:Work) ON (n.submitter_work_id);
CREATE INDEX creator_name IF NOT EXISTS FOR (n:Creator) ON (n.name);
