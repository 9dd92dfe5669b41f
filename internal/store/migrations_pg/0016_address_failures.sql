-- PostgreSQL twin of migrations/0016_address_failures.sql: failed logins
-- per client address (a keyed hash of it), one row per address and window.
CREATE TABLE address_failures (
    address_key  bytea  PRIMARY KEY,
    window_start bigint NOT NULL,
    failures     bigint NOT NULL
);
CREATE INDEX address_failures_window ON address_failures (window_start);
