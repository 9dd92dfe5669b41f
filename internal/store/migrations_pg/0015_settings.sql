-- PostgreSQL twin of migrations/0015_settings.sql: the organisation's
-- settings in one row (id 1), made by the first save.
CREATE TABLE settings (
    id              integer PRIMARY KEY CHECK (id = 1),
    org_name        text    NOT NULL DEFAULT '',
    privacy_contact text    NOT NULL DEFAULT '',
    dpo             text    NOT NULL DEFAULT '',
    time_zone       text    NOT NULL DEFAULT '',
    logo            bytea,
    logo_type       text    NOT NULL DEFAULT '',
    updated_at      bigint  NOT NULL
);
