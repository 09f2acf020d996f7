-- A search of one or two characters matches the start of any word of the first name, last name
-- or email ("li" finds Liam, Ana Lima and li.wang@…), as the spec asks; it used to match only the
-- start of the name, through the name index. A trigram index cannot serve it (it needs three
-- characters), so each user carries `word_key`, the first one and two characters of each word
-- between spaces (" a an l li w wa "), computed by the application (store/users.rs `word_key`:
-- SQL cannot split words the same way), and a GIN index holds its tokens by tenant (btree_gin,
-- as users_search_by_tenant). The name index also carries the key, so a broad one- or
-- two-character search reads the page from that index alone, as a broad substring search does.
-- Rows stored before this migration have an empty key until `Store::migrate` fills them; the
-- partial index finds those at once. Same file name as migrations/sqlite/0007_word_starts.sql.

ALTER TABLE users ADD COLUMN word_key TEXT COLLATE "C" NOT NULL DEFAULT '';

CREATE INDEX users_word_key_missing ON users (id) WHERE word_key = '';

CREATE INDEX users_word_starts ON users USING gin (tenant_id, string_to_array(word_key, ' '));

DROP INDEX users_by_name;
CREATE INDEX users_by_name ON users (tenant_id, name_key, id)
    INCLUDE (search_key, word_key, status, user_type);
