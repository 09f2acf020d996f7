-- Brute-force throttling of sign-in (SQLite): one counter per bucket in a fixed window. A
-- bucket is the SHA-256 (hex) of either the account ("workspace + lower-cased email", also for
-- accounts that do not exist, so the reply reveals nothing) or the client address; no email
-- or address is stored in clear. The server counts with one INSERT … ON CONFLICT … DO UPDATE
-- … RETURNING statement, so parallel attempts are counted exactly. A window ends by itself
-- (never a permanent lockout); ended windows are purged from time to time.
-- Same file name and meaning as migrations/postgres/0004_sign_in_throttle.sql.

CREATE TABLE sign_in_attempts (
    bucket       TEXT    NOT NULL PRIMARY KEY,
    -- When the current window began (ms since the Unix epoch); it ends a window length later.
    window_start INTEGER NOT NULL,
    -- Attempts counted in the current window (successful sign-ins are taken back out).
    attempts     INTEGER NOT NULL CHECK (attempts >= 0)
);
CREATE INDEX sign_in_attempts_by_window ON sign_in_attempts (window_start);
