-- Newest-first search without sorting every match: the newest timestamp of each block of 4096 consecutive ids
-- (LogStore::TS_BLOCK_BITS = 12). A search takes the newest matches by id from the FTS index, then looks for
-- older-id matches with newer timestamps only in the blocks whose bound reaches the page's oldest timestamp.
-- The writer raises a block's bound on every insert; deletes leave it (an upper bound stays true).
CREATE TABLE log_ts_blocks(block INTEGER PRIMARY KEY, max_ts INTEGER NOT NULL);
INSERT INTO log_ts_blocks(block, max_ts) SELECT id >> 12, max(timestamp) FROM log_entries GROUP BY id >> 12;
