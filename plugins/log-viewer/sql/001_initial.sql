CREATE TABLE log_entries (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  timestamp    INTEGER NOT NULL,
  container    TEXT    NOT NULL,
  container_id TEXT    NOT NULL,
  stream       TEXT    NOT NULL CHECK (stream IN ('stdout','stderr')),
  level        TEXT    NOT NULL CHECK (level IN ('DEBUG','INFO','WARNING','ERROR','CRITICAL')),
  message      TEXT    NOT NULL
);
CREATE INDEX idx_logs_timestamp ON log_entries(timestamp, id);
CREATE INDEX idx_logs_container_timestamp ON log_entries(container, timestamp, id);
CREATE INDEX idx_logs_level_timestamp ON log_entries(level, timestamp);

CREATE VIRTUAL TABLE log_entries_fts USING fts5(message, content='log_entries', content_rowid='id');
CREATE TRIGGER log_entries_ai AFTER INSERT ON log_entries BEGIN
  INSERT INTO log_entries_fts(rowid, message) VALUES (new.id, new.message);
END;
CREATE TRIGGER log_entries_ad AFTER DELETE ON log_entries BEGIN
  INSERT INTO log_entries_fts(log_entries_fts, rowid, message) VALUES ('delete', old.id, old.message);
END;
CREATE TRIGGER log_entries_au AFTER UPDATE OF message ON log_entries BEGIN
  INSERT INTO log_entries_fts(log_entries_fts, rowid, message) VALUES ('delete', old.id, old.message);
  INSERT INTO log_entries_fts(rowid, message) VALUES (new.id, new.message);
END;

CREATE TABLE cursors (
  container_id   TEXT    PRIMARY KEY,
  container_name TEXT    NOT NULL,
  file_path      TEXT    NOT NULL,
  inode          INTEGER NOT NULL,
  position       INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
