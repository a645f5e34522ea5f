-- The log viewer's PostgreSQL store (host.storage = postgresql), in the schema log_viewer (the search path while
-- this runs). The columns of the SQLite store after its migration 2, plus the writer of each row: `ingester` (one
-- per host process) and `seq`, that ingester's own numbering in commit order (the live tail's cursor).
CREATE TABLE ingesters (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  seq        bigint NOT NULL DEFAULT 0,   -- last number given (committed with the rows)
  rows       bigint NOT NULL DEFAULT 0,   -- rows of this ingester still stored
  started_at bigint NOT NULL,
  seen_at    bigint NOT NULL
);

CREATE TABLE log_entries (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ingester     bigint NOT NULL,
  seq          bigint NOT NULL,
  timestamp    bigint NOT NULL,
  container    text   NOT NULL,
  container_id text   NOT NULL,
  stream       text   NOT NULL CHECK (stream IN ('stdout','stderr')),
  level        text   NOT NULL CHECK (level IN ('DEBUG','INFO','WARNING','ERROR','CRITICAL')),
  message      text   NOT NULL,
  trace_id     text,
  attributes   text,
  -- FTS5's view of the row: the message, the attributes as key=value words and the trace id, split into runs of
  -- letters and digits (written by the insert)
  tsv          tsvector NOT NULL,
  UNIQUE (ingester, seq)
);
CREATE INDEX log_entries_timestamp ON log_entries (timestamp, id);
CREATE INDEX log_entries_container_timestamp ON log_entries (container, timestamp, id);
CREATE INDEX log_entries_level_timestamp ON log_entries (level, timestamp);
CREATE INDEX log_entries_trace_id ON log_entries (trace_id) WHERE trace_id IS NOT NULL;
CREATE INDEX log_entries_tsv ON log_entries USING gin (tsv);

CREATE TABLE cursors (
  container_id   text   PRIMARY KEY,
  container_name text   NOT NULL,
  file_path      text   NOT NULL,
  inode          bigint NOT NULL,
  position       bigint NOT NULL,
  updated_at     bigint NOT NULL
);
