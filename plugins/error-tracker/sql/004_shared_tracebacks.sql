-- Issue 17: an occurrence whose traceback is its group's (errors.traceback, which never changes) no longer stores
-- a copy: traceback_shared = 1 and traceback = ''; readers take the group's. Duplicates of one fingerprint almost
-- always carry the same traceback, so an occurrence row shrinks from about 1.3 KB to about 150 bytes in the P2 load
-- and each report writes a fraction of a page instead of a third of one. Existing rows keep their own copies.
ALTER TABLE error_occurrences ADD COLUMN traceback_shared INTEGER NOT NULL DEFAULT 0;
