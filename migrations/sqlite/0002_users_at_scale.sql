-- The users table at a million rows per tenant (SQLite): an index per sort key, each ending in
-- id so keyset paging on (key, id) is a range scan, and an FTS5 trigram index over search_key
-- for substring search, kept in step with users by triggers.
-- Same file name and meaning as migrations/postgres/0002_users_at_scale.sql.

CREATE INDEX users_by_name ON users (tenant_id, name_key, id);
CREATE INDEX users_by_email ON users (tenant_id, email_norm, id);
CREATE INDEX users_by_type ON users (tenant_id, user_type, id);
CREATE INDEX users_by_status ON users (tenant_id, status, id);
CREATE INDEX users_by_last_login ON users (tenant_id, COALESCE(last_login_at, 0), id);
CREATE INDEX users_by_created ON users (tenant_id, created_at, id);

CREATE VIRTUAL TABLE users_search USING fts5(
    search_key,
    content = 'users',
    content_rowid = 'id',
    tokenize = 'trigram'
);

CREATE TRIGGER users_search_insert AFTER INSERT ON users
BEGIN
    INSERT INTO users_search (rowid, search_key) VALUES (NEW.id, NEW.search_key);
END;

CREATE TRIGGER users_search_delete AFTER DELETE ON users
BEGIN
    INSERT INTO users_search (users_search, rowid, search_key) VALUES ('delete', OLD.id, OLD.search_key);
END;

CREATE TRIGGER users_search_update AFTER UPDATE OF search_key ON users
WHEN NEW.search_key IS NOT OLD.search_key
BEGIN
    INSERT INTO users_search (users_search, rowid, search_key) VALUES ('delete', OLD.id, OLD.search_key);
    INSERT INTO users_search (rowid, search_key) VALUES (NEW.id, NEW.search_key);
END;

INSERT INTO users_search (users_search) VALUES ('rebuild');
