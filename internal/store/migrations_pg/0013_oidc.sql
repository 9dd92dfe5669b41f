-- PostgreSQL twin of migrations/0013_oidc.sql: the provider identity of an
-- account, sign-ins in progress, and the ID token of a session.
ALTER TABLE users ADD COLUMN oidc_issuer text;
ALTER TABLE users ADD COLUMN oidc_subject text;
CREATE UNIQUE INDEX users_oidc_identity ON users (oidc_issuer, oidc_subject);

CREATE TABLE oidc_logins (
    id_hash    bytea  PRIMARY KEY,
    state      text   NOT NULL,
    nonce      text   NOT NULL,
    verifier   text   NOT NULL,
    next       text   NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL
);
CREATE INDEX oidc_logins_expires ON oidc_logins (expires_at);

CREATE TABLE session_id_tokens (
    token_hash bytea PRIMARY KEY REFERENCES sessions (token_hash) ON DELETE CASCADE,
    id_token   text  NOT NULL
);
