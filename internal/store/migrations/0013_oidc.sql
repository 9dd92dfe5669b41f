-- Single sign-on (OpenID Connect): the provider identity bound to an
-- account, the sign-ins in progress, and the ID token of a session for
-- the provider's logout.

-- The issuer and subject ("sub") of the provider identity, stored at the
-- first sign-in through the provider; NULL for accounts that never signed
-- in that way. One identity belongs to at most one account (NULLs do not
-- collide in a unique index).
ALTER TABLE users ADD COLUMN oidc_issuer TEXT;
ALTER TABLE users ADD COLUMN oidc_subject TEXT;
CREATE UNIQUE INDEX users_oidc_identity ON users (oidc_issuer, oidc_subject);

-- Sign-ins between the redirect to the provider and its callback, under
-- the SHA-256 of the id in the browser's cookie. The callback takes a row
-- with DELETE ... RETURNING, so a replayed callback finds nothing.
CREATE TABLE oidc_logins (
    id_hash    BLOB    PRIMARY KEY,
    state      TEXT    NOT NULL,
    nonce      TEXT    NOT NULL,
    verifier   TEXT    NOT NULL,
    next       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX oidc_logins_expires ON oidc_logins (expires_at);

-- The raw ID token of a session started through the provider, sent back
-- as id_token_hint at logout; it goes with the session.
CREATE TABLE session_id_tokens (
    token_hash BLOB PRIMARY KEY REFERENCES sessions (token_hash) ON DELETE CASCADE,
    id_token   TEXT NOT NULL
);
