-- Bulk actions too large for one request run as jobs (SQLite), worked in batches by the
-- servers in the background (app/src/store/jobs.rs). Each batch commits its users' changes
-- together with the job's progress, so a job resumed after a crash applies nothing twice and
-- skips nothing. A server works a job while it holds its lease; a lease not renewed in time
-- (the server died) lets another server take the job over.
-- Same file name and meaning as migrations/postgres/0009_jobs.sql.

CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    actor_user_id INTEGER NOT NULL,
    -- The bulk action and the view it is for (the page's query), as JSON.
    action        TEXT    NOT NULL,
    view          TEXT    NOT NULL,
    state         TEXT    NOT NULL
                  CHECK (state IN ('queued', 'running', 'done', 'cancelled', 'failed')),
    -- Users of the view when it was queued (progress is measured against it).
    total         INTEGER NOT NULL,
    -- The last user worked (users are worked in id order).
    last_user     INTEGER NOT NULL DEFAULT 0,
    changed       INTEGER NOT NULL DEFAULT 0,
    unchanged     INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    missing       INTEGER NOT NULL DEFAULT 0,
    -- The first users skipped and why (JSON list).
    notes         TEXT    NOT NULL DEFAULT '[]',
    lease_owner   TEXT,
    lease_until   INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    finished_at   INTEGER
);
CREATE INDEX jobs_by_tenant ON jobs (tenant_id, id);
CREATE INDEX jobs_open ON jobs (id) WHERE state IN ('queued', 'running');
