-- SPEC §12: entries posted to POST /api/logs carry a trace id and flat attributes. Both are indexed for search
-- with the message: the FTS text of such a row is the message, a newline, its attributes as `key=value` words
-- and the trace id. Rows without either index exactly their message, as before (the delete trigger recomputes
-- the same text from the same row, as an external-content FTS5 table requires).
ALTER TABLE log_entries ADD COLUMN trace_id TEXT;
ALTER TABLE log_entries ADD COLUMN attributes TEXT;
CREATE INDEX idx_logs_trace_id ON log_entries(trace_id) WHERE trace_id IS NOT NULL;

DROP TRIGGER log_entries_ai;
DROP TRIGGER log_entries_ad;
DROP TRIGGER log_entries_au;
CREATE TRIGGER log_entries_ai AFTER INSERT ON log_entries BEGIN
  INSERT INTO log_entries_fts(rowid, message) VALUES (new.id,
    CASE WHEN new.attributes IS NULL AND new.trace_id IS NULL THEN new.message
    ELSE new.message || char(10) || coalesce((SELECT group_concat(key || '=' || CASE type WHEN 'true' THEN 'true'
      WHEN 'false' THEN 'false' ELSE value END, ' ') FROM json_each(new.attributes)), '') || ' ' ||
      coalesce(new.trace_id, '') END);
END;
CREATE TRIGGER log_entries_ad AFTER DELETE ON log_entries BEGIN
  INSERT INTO log_entries_fts(log_entries_fts, rowid, message) VALUES ('delete', old.id,
    CASE WHEN old.attributes IS NULL AND old.trace_id IS NULL THEN old.message
    ELSE old.message || char(10) || coalesce((SELECT group_concat(key || '=' || CASE type WHEN 'true' THEN 'true'
      WHEN 'false' THEN 'false' ELSE value END, ' ') FROM json_each(old.attributes)), '') || ' ' ||
      coalesce(old.trace_id, '') END);
END;
CREATE TRIGGER log_entries_au AFTER UPDATE OF message, attributes, trace_id ON log_entries BEGIN
  INSERT INTO log_entries_fts(log_entries_fts, rowid, message) VALUES ('delete', old.id,
    CASE WHEN old.attributes IS NULL AND old.trace_id IS NULL THEN old.message
    ELSE old.message || char(10) || coalesce((SELECT group_concat(key || '=' || CASE type WHEN 'true' THEN 'true'
      WHEN 'false' THEN 'false' ELSE value END, ' ') FROM json_each(old.attributes)), '') || ' ' ||
      coalesce(old.trace_id, '') END);
  INSERT INTO log_entries_fts(rowid, message) VALUES (new.id,
    CASE WHEN new.attributes IS NULL AND new.trace_id IS NULL THEN new.message
    ELSE new.message || char(10) || coalesce((SELECT group_concat(key || '=' || CASE type WHEN 'true' THEN 'true'
      WHEN 'false' THEN 'false' ELSE value END, ' ') FROM json_each(new.attributes)), '') || ' ' ||
      coalesce(new.trace_id, '') END);
END;
