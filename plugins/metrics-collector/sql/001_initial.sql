CREATE TABLE series (
  id        INTEGER PRIMARY KEY,
  name      TEXT    NOT NULL,
  type      TEXT    NOT NULL CHECK (type IN ('counter','histogram','gauge')),
  project   TEXT    NOT NULL DEFAULT '',
  labels    TEXT    NOT NULL,
  is_rollup INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  UNIQUE (name, type, project, labels, is_rollup)
);
CREATE INDEX idx_series_name ON series(is_rollup, name);
CREATE INDEX idx_series_project ON series(is_rollup, project);

CREATE TABLE metrics_raw (
  id        INTEGER PRIMARY KEY,
  ts        INTEGER NOT NULL,
  series_id INTEGER NOT NULL REFERENCES series(id),
  rollup_id INTEGER NOT NULL REFERENCES series(id),
  value     REAL    NOT NULL
);
CREATE INDEX idx_raw_ts ON metrics_raw(ts);
CREATE INDEX idx_raw_rollup_ts ON metrics_raw(rollup_id, ts);

CREATE TABLE metrics_rollup (
  resolution INTEGER NOT NULL,
  series_id  INTEGER NOT NULL REFERENCES series(id),
  bucket     INTEGER NOT NULL,
  count      INTEGER NOT NULL,
  sum        REAL    NOT NULL,
  min        REAL    NOT NULL,
  max        REAL    NOT NULL,
  last       REAL    NOT NULL,
  last_ts    INTEGER NOT NULL,
  sketch     BLOB,
  PRIMARY KEY (resolution, series_id, bucket)
) WITHOUT ROWID;
CREATE INDEX idx_rollup_bucket ON metrics_rollup(resolution, bucket);

CREATE TABLE dirty_buckets (
  resolution INTEGER NOT NULL,
  bucket     INTEGER NOT NULL,
  PRIMARY KEY (resolution, bucket)
) WITHOUT ROWID;
