-- The metrics collector's PostgreSQL store (host.storage = postgresql), in the schema metrics_collector (the search
-- path while this runs). The same tables as the SQLite store; epoch ms as bigint, sketches as bytea.
CREATE TABLE series (
  id        bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name      text    NOT NULL,
  type      text    NOT NULL CHECK (type IN ('counter','histogram','gauge')),
  project   text    NOT NULL DEFAULT '',
  labels    text    NOT NULL,
  is_rollup integer NOT NULL,
  last_seen bigint  NOT NULL
);
-- labels may be longer than a btree entry can be (32 labels of up to 1000 characters): the identity is unique by
-- their md5
CREATE UNIQUE INDEX series_identity ON series (name, type, project, md5(labels), is_rollup);
CREATE INDEX series_name ON series (is_rollup, name);
CREATE INDEX series_project ON series (is_rollup, project);

CREATE TABLE metrics_raw (
  id        bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ts        bigint  NOT NULL,
  series_id bigint  NOT NULL REFERENCES series (id),
  rollup_id bigint  NOT NULL REFERENCES series (id),
  value     double precision NOT NULL
);
CREATE INDEX raw_ts ON metrics_raw (ts);
CREATE INDEX raw_rollup_ts ON metrics_raw (rollup_id, ts);

CREATE TABLE metrics_rollup (
  resolution integer NOT NULL,
  series_id  bigint  NOT NULL REFERENCES series (id),
  bucket     bigint  NOT NULL,
  count      bigint  NOT NULL,
  sum        double precision NOT NULL,
  min        double precision NOT NULL,
  max        double precision NOT NULL,
  last       double precision NOT NULL,
  last_ts    bigint  NOT NULL,
  sketch     bytea,
  PRIMARY KEY (resolution, series_id, bucket)
);
CREATE INDEX rollup_bucket ON metrics_rollup (resolution, bucket);

CREATE TABLE dirty_buckets (
  resolution integer NOT NULL,
  bucket     bigint  NOT NULL,
  PRIMARY KEY (resolution, bucket)
);

-- minute_watermark and hour_watermark (how ingest and aggregation steps are ordered: PgMetricStore.h).
CREATE TABLE meta (
  key   text   PRIMARY KEY,
  value bigint NOT NULL
);

-- One row per aggregation step that advanced a watermark: [from_ms, to_ms) at `resolution`, by which host. The
-- windows of one resolution follow each other without gap or overlap; retention prunes old rows.
CREATE TABLE aggregation_runs (
  id         bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  resolution integer NOT NULL,
  from_ms    bigint  NOT NULL,
  to_ms      bigint  NOT NULL,
  host       text    NOT NULL,
  at_ms      bigint  NOT NULL
);
CREATE INDEX aggregation_runs_to ON aggregation_runs (resolution, to_ms);
