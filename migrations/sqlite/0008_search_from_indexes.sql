-- Broad searches answered from indexes, not from the wide users rows (issue #13). At a million
-- users "smith" took 97 ms over HTTP and "li" 96 ms, nearly all of it reading users rows.
--
-- 1. The trigram index matches case-sensitively. `search_key` and the search text are both
--    lower-cased by the application, so a case-sensitive trigram phrase is exactly a substring
--    of `search_key`, the meaning of the search. The default folding also merged characters
--    that lower-casing keeps apart ("ſ" and "s", "ς" and "σ"), so every candidate was checked
--    again with LIKE against its row: counting "smith" read 10,001 rows (100 ms). Now the FTS5
--    table alone counts a search, and filters are checked on `users_filter_probe`.
-- 2. `users_by_name` carries the searched keys and the filtered columns: a broad search reads
--    the name order in this index alone until its page is full ("smith": 7 ms instead of 60).
-- 3. `users_filter_probe` carries `name_key`: collecting a rare or clustered search's holders
--    and sorting them by name reads this narrow index instead of the wide rows.
-- SQLite only: PostgreSQL's name index already carries these columns (INCLUDE, 0005 and 0007)
-- and its LIKE on the lower-cased key is exact; its broad searches are bounded elsewhere
-- (docs/PERFORMANCE.md).

-- Only the table is replaced: the triggers of migration 0006 that keep it filled name it in
-- their bodies, which SQLite resolves when they run, so they fill the new table as they did
-- the old one.
DROP TABLE users_search;

CREATE VIRTUAL TABLE users_search USING fts5(
    search_tenant,
    search_key,
    content = 'users',
    content_rowid = 'id',
    tokenize = 'trigram case_sensitive 1'
);

INSERT INTO users_search (users_search) VALUES ('rebuild');

DROP INDEX users_by_name;
CREATE INDEX users_by_name ON users (
    tenant_id, name_key, id, status, user_type, search_key, word_key
);

DROP INDEX users_filter_probe;
CREATE INDEX users_filter_probe ON users (id, tenant_id, status, user_type, name_key);

-- The new indexes have no statistics until analysed, and without them the planner read the
-- last-login order through the wrong index (1.5 s at a million users instead of 10 ms).
ANALYZE users;
