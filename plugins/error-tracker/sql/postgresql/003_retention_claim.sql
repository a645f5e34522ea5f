-- Retention runs once per day across hosts: the host whose daily job first moves last_run_day to the current day
-- (the database's clock, UTC) deletes; the others find the day claimed and skip.
CREATE TABLE jobs (
  name         text   PRIMARY KEY,
  last_run_day bigint NOT NULL
);
INSERT INTO jobs VALUES ('retention', 0);
