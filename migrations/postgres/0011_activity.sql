-- The Activity page lists a tenant's audit records newest first, filtered by actor, action
-- and date range, a page at a time (app/src/store/audit.rs): each filter reads its own index
-- in the page's order, (created_at, id), from the cursor on. The tenant-wide index gains the
-- id so a page with no filter reads it in order too (it replaces audit_log_tenant).
-- Same file name and meaning as migrations/sqlite/0011_activity.sql.

CREATE INDEX audit_log_by_time ON audit_log (tenant_id, created_at, id);
DROP INDEX audit_log_tenant;
CREATE INDEX audit_log_by_action ON audit_log (tenant_id, action, created_at, id);
CREATE INDEX audit_log_by_actor ON audit_log (tenant_id, actor_user_id, created_at, id);
-- Both: a busy actor's few records of a rare action, without reading all of theirs (1.7 s at
-- ten million records on SQLite, an admin with 1.6 million of them, without it).
CREATE INDEX audit_log_by_actor_action ON audit_log (tenant_id, actor_user_id, action, created_at, id);
