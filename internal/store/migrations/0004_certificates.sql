-- Certificates. The record is the source of truth; the credential and the
-- PDF are rendered from it on download. user_id becomes NULL when a holder
-- erases the account but keeps the certificate verifiable.
CREATE TABLE certificates (
    id              TEXT    PRIMARY KEY,               -- random, URL-safe; the credential's jti
    user_id         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    attempt_id      TEXT    REFERENCES attempts (id) ON DELETE SET NULL,
    holder_name     TEXT    NOT NULL,
    course_id       TEXT    NOT NULL,
    content_version TEXT    NOT NULL,
    lang            TEXT    NOT NULL,
    issued_at       INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    status_index    INTEGER NOT NULL UNIQUE,           -- position in the status list
    revoked_at      INTEGER,
    revoke_reason   TEXT
);
CREATE INDEX certificates_user ON certificates (user_id, course_id, issued_at);
