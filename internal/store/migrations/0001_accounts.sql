-- Accounts, sessions, one-time tokens and login throttling.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    department    TEXT    NOT NULL DEFAULT '',
    role          TEXT    NOT NULL CHECK (role IN ('employee', 'hr', 'admin')),
    password_hash TEXT    NOT NULL DEFAULT '',
    lang          TEXT    NOT NULL DEFAULT 'de',
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX users_department ON users (department);
CREATE INDEX users_role ON users (role);

-- Server-side sessions: browser cookies and API bearer tokens. Only the
-- SHA-256 of the token is stored, so a copy of the database opens no session.
CREATE TABLE sessions (
    token_hash   BLOB    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('browser', 'api')),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- One-time links: the first-admin setup link, invitations, password resets.
CREATE TABLE one_time_tokens (
    token_hash BLOB    PRIMARY KEY,
    purpose    TEXT    NOT NULL CHECK (purpose IN ('setup', 'invite', 'reset')),
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- Failed logins per account (keyed by a hash of the normalised email, so the
-- table holds no address and works for unknown accounts too).
CREATE TABLE login_failures (
    email_hash BLOB    NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email_hash, at);
