-- Issue 17: generalizes migration 004. An occurrence stores only the part of its traceback that differs from its
-- group's (errors.traceback, which never changes): traceback_prefix and traceback_suffix count the characters it
-- shares with the start and the end of the group's traceback, and `traceback` holds what lies between. Tracebacks
-- of one fingerprint mostly differ in one line: Python's last (the message), JavaScript's first. Readers rebuild
-- the text with substr(); rows of migration 004 (traceback_shared = 1, traceback = '') become prefix = the whole.
ALTER TABLE error_occurrences ADD COLUMN traceback_prefix INTEGER NOT NULL DEFAULT 0;
ALTER TABLE error_occurrences ADD COLUMN traceback_suffix INTEGER NOT NULL DEFAULT 0;
UPDATE error_occurrences
   SET traceback_prefix = coalesce((SELECT length(e.traceback) FROM errors e WHERE e.id = error_occurrences.error_id), 0)
 WHERE traceback_shared = 1;
ALTER TABLE error_occurrences DROP COLUMN traceback_shared;
