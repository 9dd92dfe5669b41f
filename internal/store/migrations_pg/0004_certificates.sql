-- PostgreSQL twin of migrations/0004_certificates.sql.
CREATE TABLE certificates (
    id              text    PRIMARY KEY,
    user_id         bigint  REFERENCES users (id) ON DELETE SET NULL,
    attempt_id      text    REFERENCES attempts (id) ON DELETE SET NULL,
    holder_name     text    NOT NULL,
    course_id       text    NOT NULL,
    content_version text    NOT NULL,
    lang            text    NOT NULL,
    issued_at       bigint  NOT NULL,
    expires_at      bigint  NOT NULL,
    status_index    integer NOT NULL UNIQUE,
    revoked_at      bigint,
    revoke_reason   text
);
CREATE INDEX certificates_user ON certificates (user_id, course_id, issued_at);
