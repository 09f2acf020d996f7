-- A search of one or two characters matches the start of any word of the first name, last name
-- or email ("li" finds Liam, Ana Lima and li.wang@…), as the spec asks; it used to match only the
-- start of the name, through the name index. A trigram index cannot serve it (it needs three
-- characters), so each user carries `word_key`, the first one and two characters of each word
-- between spaces (" a an l li w wa "), computed by the application (store/users.rs `word_key`:
-- SQL cannot split words the same way), and an FTS5 table indexes those tokens with the tenant's
-- token beside them, like users_search does for trigrams. The `ascii` tokenizer keeps every
-- token whole: the tokens hold only letters and digits, already lower-cased.
-- Rows stored before this migration have an empty key until `Store::migrate` fills them; the
-- partial index finds those at once. Same file name as migrations/postgres/0007_word_starts.sql.

ALTER TABLE users ADD COLUMN word_key TEXT NOT NULL DEFAULT '';

CREATE INDEX users_word_key_missing ON users (id) WHERE word_key = '';

CREATE VIRTUAL TABLE users_words USING fts5(
    search_tenant,
    word_key,
    content = 'users',
    content_rowid = 'id',
    tokenize = 'ascii'
);

CREATE TRIGGER users_words_insert AFTER INSERT ON users
BEGIN
    INSERT INTO users_words (rowid, search_tenant, word_key)
    VALUES (NEW.id, NEW.search_tenant, NEW.word_key);
END;

CREATE TRIGGER users_words_delete AFTER DELETE ON users
BEGIN
    INSERT INTO users_words (users_words, rowid, search_tenant, word_key)
    VALUES ('delete', OLD.id, OLD.search_tenant, OLD.word_key);
END;

CREATE TRIGGER users_words_update AFTER UPDATE OF word_key ON users
WHEN NEW.word_key IS NOT OLD.word_key
BEGIN
    INSERT INTO users_words (users_words, rowid, search_tenant, word_key)
    VALUES ('delete', OLD.id, OLD.search_tenant, OLD.word_key);
    INSERT INTO users_words (rowid, search_tenant, word_key)
    VALUES (NEW.id, NEW.search_tenant, NEW.word_key);
END;

-- Every existing row is indexed (with its empty key), so the triggers' deletes always remove
-- what was inserted, the backfill's updates included.
INSERT INTO users_words (users_words) VALUES ('rebuild');
