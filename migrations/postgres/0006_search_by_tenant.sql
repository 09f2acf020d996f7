-- Search scoped to the tenant. The pg_trgm GIN index spanned every tenant, so a tenant's search
-- read the neighbours' holders of the text too. The tenant id is now the index's first column
-- (btree_gin), and GIN's scan starts from the rarer entry: a small tenant's search no longer
-- depends on a big neighbour.
-- Same file name as migrations/sqlite/0006_search_by_tenant.sql.

CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX users_search_by_tenant ON users USING gin (tenant_id, search_key gin_trgm_ops);
DROP INDEX users_search_trgm;
