-- The relay's PostgreSQL store (host.storage = postgresql), in the schema browser_relay (the search path while
-- this runs): the same tables as the SQLite store; epoch ms as bigint.
CREATE TABLE dsn_keys (
  id           bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  public_key   text    NOT NULL UNIQUE,
  project      text    NOT NULL,
  active       boolean NOT NULL DEFAULT true,
  created_at   bigint  NOT NULL,
  last_used_at bigint
);
CREATE INDEX idx_dsn_keys_project ON dsn_keys(project);

CREATE TABLE source_maps (
  id           bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project      text    NOT NULL,
  release      text    NOT NULL,
  file_url     text    NOT NULL,
  map_content  text    NOT NULL,
  size         bigint  NOT NULL,
  uploaded_at  bigint  NOT NULL,
  last_used_at bigint,
  UNIQUE (project, release, file_url)
);

-- Every host keeps all keys and the map index in memory; a host that changes one bumps this version in the same
-- transaction, and every host re-reads both lists when it sees a new version (checked every second). Usage
-- stamps (last_used_at) do not count as changes.
CREATE TABLE change_version (
  one     boolean PRIMARY KEY DEFAULT true CHECK (one),
  version bigint  NOT NULL
);
INSERT INTO change_version VALUES (true, 0);

CREATE FUNCTION bump_change_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE browser_relay.change_version SET version = version + 1;
  RETURN NULL;
END $$;

CREATE TRIGGER dsn_keys_changed AFTER INSERT OR DELETE OR UPDATE OF public_key, project, active ON dsn_keys
  FOR EACH STATEMENT EXECUTE FUNCTION bump_change_version();
CREATE TRIGGER source_maps_changed AFTER INSERT OR DELETE OR UPDATE OF project, release, file_url, map_content,
  size, uploaded_at ON source_maps
  FOR EACH STATEMENT EXECUTE FUNCTION bump_change_version();
