CREATE TABLE dsn_keys (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  public_key   TEXT    NOT NULL UNIQUE,
  project      TEXT    NOT NULL,
  active       INTEGER NOT NULL DEFAULT 1,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER
);
CREATE INDEX idx_dsn_keys_project ON dsn_keys(project);

CREATE TABLE source_maps (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  project      TEXT    NOT NULL,
  release      TEXT    NOT NULL,
  file_url     TEXT    NOT NULL,
  map_content  TEXT    NOT NULL,
  size         INTEGER NOT NULL,
  uploaded_at  INTEGER NOT NULL,
  last_used_at INTEGER,
  UNIQUE (project, release, file_url)
);
CREATE INDEX idx_source_maps_lookup ON source_maps(project, release);
