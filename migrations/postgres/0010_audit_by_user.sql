-- A user's History reads the audit records about them, newest first, a page at a time
-- (app/src/store/audit.rs): this index serves it without reading the tenant's whole log.
-- Same file name and meaning as migrations/sqlite/0010_audit_by_user.sql.

CREATE INDEX audit_log_by_target ON audit_log (tenant_id, target_user_id, id);
