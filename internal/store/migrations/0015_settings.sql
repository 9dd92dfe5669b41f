-- The organisation's settings (issue 14 item 7, issue 15 item 6): asked
-- for on first run and edited at /admin/settings. One row (id 1), made by
-- the first save; no row means nothing was set yet. "" is "not set"; a
-- flag or environment variable given to serve wins over a stored value.
CREATE TABLE settings (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    org_name        TEXT    NOT NULL DEFAULT '',
    privacy_contact TEXT    NOT NULL DEFAULT '',
    dpo             TEXT    NOT NULL DEFAULT '',
    time_zone       TEXT    NOT NULL DEFAULT '',
    logo            BLOB,
    logo_type       TEXT    NOT NULL DEFAULT '',
    updated_at      INTEGER NOT NULL
);
