-- The Activity page lists a tenant's audit records newest first, filtered by actor, action
-- and date range, a page at a time (app/src/store/audit.rs): each filter reads its own index
-- in the page's order, (created_at, id), from the cursor on; no filter reads audit_log_tenant.
-- In SQLite every index ends with the rowid (the id), so (…, created_at) is (…, created_at, id).
-- Same file name and meaning as migrations/postgres/0011_activity.sql.

CREATE INDEX audit_log_by_action ON audit_log (tenant_id, action, created_at);
CREATE INDEX audit_log_by_actor ON audit_log (tenant_id, actor_user_id, created_at);
-- Both: a busy actor's few records of a rare action, without reading all of theirs (1.7 s at
-- ten million records, an admin with 1.6 million of them, without it).
CREATE INDEX audit_log_by_actor_action ON audit_log (tenant_id, actor_user_id, action, created_at);
