-- The users table at a million rows per tenant (PostgreSQL): an index per sort key, each
-- ending in id so keyset paging on (key, id) is a range scan, and a pg_trgm GIN index over
-- search_key for substring search.
-- Same file name and meaning as migrations/sqlite/0002_users_at_scale.sql.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX users_by_name ON users (tenant_id, name_key, id);
CREATE INDEX users_by_email ON users (tenant_id, email_norm, id);
CREATE INDEX users_by_type ON users (tenant_id, user_type, id);
CREATE INDEX users_by_status ON users (tenant_id, status, id);
CREATE INDEX users_by_last_login ON users (tenant_id, (COALESCE(last_login_at, 0)), id);
CREATE INDEX users_by_created ON users (tenant_id, created_at, id);
CREATE INDEX users_search_trgm ON users USING gin (search_key gin_trgm_ops);
