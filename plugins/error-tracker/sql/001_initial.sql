CREATE TABLE errors (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  fingerprint     TEXT    NOT NULL,
  project         TEXT    NOT NULL,
  environment     TEXT    NOT NULL,
  exception_type  TEXT    NOT NULL,
  message         TEXT    NOT NULL,
  traceback       TEXT    NOT NULL,
  source          TEXT    NOT NULL DEFAULT 'server' CHECK (source IN ('server','browser')),
  count           INTEGER NOT NULL DEFAULT 1,
  first_seen      INTEGER NOT NULL,            -- epoch ms
  last_seen       INTEGER NOT NULL,
  resolved        INTEGER NOT NULL DEFAULT 0,  -- 0/1
  resolved_at     INTEGER,
  last_alert_at   INTEGER,
  UNIQUE (fingerprint, environment)
);
CREATE INDEX idx_errors_resolved_last_seen ON errors(resolved, last_seen);
CREATE INDEX idx_errors_project ON errors(project, resolved, last_seen);
CREATE INDEX idx_errors_resolved_at ON errors(resolved, resolved_at);

CREATE TABLE error_occurrences (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  error_id        INTEGER NOT NULL REFERENCES errors(id) ON DELETE CASCADE,
  timestamp       INTEGER NOT NULL,
  request_url     TEXT,
  request_method  TEXT,
  request_headers TEXT,      -- compact JSON
  user_id         TEXT,
  session_id      TEXT,
  extra           TEXT,      -- compact JSON
  traceback       TEXT NOT NULL
);
CREATE INDEX idx_occurrences_error ON error_occurrences(error_id, id);
CREATE INDEX idx_occurrences_session ON error_occurrences(session_id) WHERE session_id IS NOT NULL;

CREATE VIRTUAL TABLE errors_fts USING fts5(exception_type, message, traceback,
  content='errors', content_rowid='id');
CREATE TRIGGER errors_ai AFTER INSERT ON errors BEGIN
  INSERT INTO errors_fts(rowid, exception_type, message, traceback)
  VALUES (new.id, new.exception_type, new.message, new.traceback);
END;
CREATE TRIGGER errors_ad AFTER DELETE ON errors BEGIN
  INSERT INTO errors_fts(errors_fts, rowid, exception_type, message, traceback)
  VALUES ('delete', old.id, old.exception_type, old.message, old.traceback);
END;
CREATE TRIGGER errors_au AFTER UPDATE OF exception_type, message, traceback ON errors BEGIN
  INSERT INTO errors_fts(errors_fts, rowid, exception_type, message, traceback)
  VALUES ('delete', old.id, old.exception_type, old.message, old.traceback);
  INSERT INTO errors_fts(rowid, exception_type, message, traceback)
  VALUES (new.id, new.exception_type, new.message, new.traceback);
END;
