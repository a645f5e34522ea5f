-- Migration 2: a duplicate report (most of the ingest) touches no index of `errors`, and occurrences remember the
-- Sentry event id (SPEC §11.5).
-- `count` and `last_seen` change with every report: the indexes holding `last_seen` cost two index entries
-- rewritten per duplicate. The list query scans the groups instead (one row per group, not per report).
DROP INDEX idx_errors_resolved_last_seen;
DROP INDEX idx_errors_project;
CREATE INDEX idx_errors_project ON errors(project);

-- `extra.event_id` of the report that stored the occurrence (32 lowercase hex), when it had one.
ALTER TABLE error_occurrences ADD COLUMN event_id TEXT;

-- Event ids of the group's most recent reports (a ring of slots per group: slot = count modulo the ring size), so
-- that a repeated event is recognised after its occurrence was trimmed.
CREATE TABLE error_event_ids (
  error_id INTEGER NOT NULL REFERENCES errors(id) ON DELETE CASCADE,
  event_id TEXT    NOT NULL,
  slot     INTEGER NOT NULL,
  PRIMARY KEY (error_id, event_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX idx_event_ids_slot ON error_event_ids(error_id, slot);

-- The store writes the full-text row of a new group itself, in the statement after the group's INSERT. Through
-- the trigger, the INSERT needed a statement journal, and every statement savepoint makes FTS5 flush its pending
-- terms into a new segment: one segment (and later merges) per new group instead of one per commit.
DROP TRIGGER errors_ai;
