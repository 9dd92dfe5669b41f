-- SCIM 2.0 provisioning: the SCIM identity of accounts, groups, and the
-- bearer tokens of SCIM clients.

-- scim_id is the random id SCIM clients know the account by, set when
-- SCIM creates the account or links an existing one; NULL for accounts
-- SCIM does not manage (they are invisible to SCIM). A SCIM DELETE clears
-- it (and the externalId), so a deleted account answers 404 and its ids
-- are never handed to another account.
ALTER TABLE users ADD COLUMN scim_id TEXT;
ALTER TABLE users ADD COLUMN scim_external_id TEXT;
CREATE UNIQUE INDEX users_scim_id ON users (scim_id);
CREATE UNIQUE INDEX users_scim_external_id ON users (scim_external_id);

-- Groups as the provider pushes them; their names map to roles or
-- departments by configuration (serve --scim-roles, --scim-department-prefix).
CREATE TABLE scim_groups (
    id           TEXT    PRIMARY KEY,
    display_name TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    external_id  TEXT    UNIQUE,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE TABLE scim_group_members (
    group_id TEXT    NOT NULL REFERENCES scim_groups (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX scim_group_members_user ON scim_group_members (user_id);

-- Bearer tokens of SCIM clients; only the SHA-256 is kept. Revoked
-- tokens stay listed (revoked_at > 0) for the audit trail.
CREATE TABLE scim_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT    NOT NULL,
    token_hash   BLOB    NOT NULL UNIQUE,
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER NOT NULL DEFAULT 0
);
