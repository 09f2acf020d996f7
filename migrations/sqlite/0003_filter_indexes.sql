-- The Status and User Type filters, alone and together, in name order (the default sort), so a
-- filtered first page and its capped count are index ranges instead of a scan of the tenant.
-- Same file name and meaning as migrations/postgres/0003_filter_indexes.sql.

CREATE INDEX users_by_status_name ON users (tenant_id, status, name_key, id);
CREATE INDEX users_by_type_status_name ON users (tenant_id, user_type, status, name_key, id);
ANALYZE;
