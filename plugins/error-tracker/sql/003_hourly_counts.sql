-- Occurrences per UTC hour of each error group (issue 15): the list's 24 h sparklines and the detail page's
-- 24 h / 14 d volume chart. Kept occurrences are trimmed to max_occurrences, so they cannot answer this.
CREATE TABLE error_hourly (
  error_id INTEGER NOT NULL REFERENCES errors(id) ON DELETE CASCADE,
  hour     INTEGER NOT NULL,   -- epoch ms of the hour's start
  count    INTEGER NOT NULL,
  PRIMARY KEY (error_id, hour)
) WITHOUT ROWID;
