-- The error tracker's PostgreSQL store (host.storage = postgresql), in the schema error_tracker (the search path
-- while this runs). The same tables as the SQLite store after its migration 3; epoch ms as bigint.
CREATE TABLE errors (
  id              bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  fingerprint     text    NOT NULL,
  project         text    NOT NULL,
  environment     text    NOT NULL,
  exception_type  text    NOT NULL,
  message         text    NOT NULL,
  traceback       text    NOT NULL,
  source          text    NOT NULL DEFAULT 'server' CHECK (source IN ('server','browser')),
  count           bigint  NOT NULL DEFAULT 1,
  first_seen      bigint  NOT NULL,
  last_seen       bigint  NOT NULL,
  resolved        boolean NOT NULL DEFAULT false,
  resolved_at     bigint,
  last_alert_at   bigint,
  -- words of exception_type, message and traceback, written once when the group is created (a duplicate report
  -- does not recompute it)
  tsv             tsvector NOT NULL,
  UNIQUE (fingerprint, environment)
);
CREATE INDEX errors_project ON errors (project);
CREATE INDEX errors_resolved_at ON errors (resolved, resolved_at);
CREATE INDEX errors_tsv ON errors USING gin (tsv);

CREATE TABLE error_occurrences (
  id              bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  error_id        bigint  NOT NULL REFERENCES errors (id) ON DELETE CASCADE,
  timestamp       bigint  NOT NULL,
  request_url     text,
  request_method  text,
  request_headers text,
  user_id         text,
  session_id      text,
  extra           text,
  traceback       text    NOT NULL,
  event_id        text
);
CREATE INDEX occurrences_error ON error_occurrences (error_id, id);
CREATE INDEX occurrences_session ON error_occurrences (session_id) WHERE session_id IS NOT NULL;

CREATE TABLE error_event_ids (
  error_id bigint NOT NULL REFERENCES errors (id) ON DELETE CASCADE,
  event_id text   NOT NULL,
  slot     bigint NOT NULL,
  PRIMARY KEY (error_id, event_id),
  UNIQUE (error_id, slot)
);

CREATE TABLE error_hourly (
  error_id bigint NOT NULL REFERENCES errors (id) ON DELETE CASCADE,
  hour     bigint NOT NULL,
  count    bigint NOT NULL,
  PRIMARY KEY (error_id, hour)
);
