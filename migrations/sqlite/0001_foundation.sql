-- Foundation schema (SQLite): tenants, users, roles, sessions, audit log.
-- The same file name and meaning as migrations/postgres/0001_foundation.sql.
-- Times are integer milliseconds since the Unix epoch (UTC) on both backends.
-- Never edit this file once landed: add a new migration instead.

CREATE TABLE tenants (
    id               INTEGER PRIMARY KEY,
    slug             TEXT    NOT NULL UNIQUE CHECK (length(slug) BETWEEN 2 AND 63),
    name             TEXT    NOT NULL,
    default_timezone TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    -- Maintained by the triggers below, in the same transaction as every change to users.
    total_users      INTEGER NOT NULL DEFAULT 0,
    active_users     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE roles (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL,
    -- Space-separated permission names, e.g. "bots.read bots.write".
    permissions TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, id)
);

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    tenant_id           INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    first_name          TEXT    NOT NULL,
    last_name           TEXT    NOT NULL,
    email               TEXT    NOT NULL,
    -- Lower-cased email: the case-insensitive uniqueness key.
    email_norm          TEXT    NOT NULL,
    -- Lower-cased "first last": the name sort key.
    name_key            TEXT    NOT NULL,
    -- Lower-cased "first last email": what Search matches substrings in.
    search_key          TEXT    NOT NULL,
    phone               TEXT,
    external_id         TEXT,
    timezone            TEXT,
    user_type           TEXT    NOT NULL CHECK (user_type IN
                            ('tenant_admin', 'bot_admin', 'supervisor', 'agent', 'analyst', 'viewer')),
    status              TEXT    NOT NULL CHECK (status IN ('active', 'suspended')),
    password_hash       TEXT,
    password_temporary  INTEGER NOT NULL DEFAULT 1 CHECK (password_temporary IN (0, 1)),
    password_expires_at INTEGER,
    last_login_at       INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1,
    UNIQUE (tenant_id, id)
);
CREATE UNIQUE INDEX users_email_per_tenant ON users (tenant_id, email_norm);
CREATE UNIQUE INDEX users_external_id_per_tenant ON users (tenant_id, external_id)
    WHERE external_id IS NOT NULL;

-- The user type is fixed at creation.
CREATE TRIGGER users_user_type_immutable
BEFORE UPDATE OF user_type ON users
WHEN NEW.user_type IS NOT OLD.user_type
BEGIN
    SELECT RAISE(ABORT, 'user_type is immutable');
END;

CREATE TRIGGER users_count_insert AFTER INSERT ON users
BEGIN
    UPDATE tenants
       SET total_users = total_users + 1,
           active_users = active_users + (NEW.status = 'active')
     WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER users_count_delete AFTER DELETE ON users
BEGIN
    UPDATE tenants
       SET total_users = total_users - 1,
           active_users = active_users - (OLD.status = 'active')
     WHERE id = OLD.tenant_id;
END;

CREATE TRIGGER users_count_status AFTER UPDATE OF status ON users
WHEN NEW.status IS NOT OLD.status
BEGIN
    UPDATE tenants
       SET active_users = active_users + (NEW.status = 'active') - (OLD.status = 'active')
     WHERE id = NEW.tenant_id;
END;

-- A user's roles; the composite keys make a role of another tenant impossible.
CREATE TABLE user_roles (
    tenant_id INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    role_id   INTEGER NOT NULL,
    PRIMARY KEY (user_id, role_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX user_roles_role ON user_roles (tenant_id, role_id, user_id);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    -- SHA-256 of the cookie token, hex; the token itself is never stored.
    token_hash   TEXT    NOT NULL UNIQUE,
    tenant_id    INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user ON sessions (tenant_id, user_id);

CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    tenant_id      INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    actor_user_id  INTEGER,
    target_user_id INTEGER,
    action         TEXT    NOT NULL,
    -- JSON object of the changed fields; never a password or a hash.
    changes        TEXT    NOT NULL DEFAULT '{}',
    created_at     INTEGER NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, created_at);
