-- Failed logins per client address (issue 18): counted in the database so
-- that several instances on one PostgreSQL database share the limit, and
-- on SQLite the same way (one code path). One row per address and window:
-- the window starts with the address's first failure (window_start) and
-- failures counts them; a failure after the window starts a new one.
-- address_key is an HMAC of the address with a key derived from the
-- signing keys (app.Config.AddressKey), not the address itself; the hourly
-- purge deletes rows whose window ended.
CREATE TABLE address_failures (
    address_key  BLOB    PRIMARY KEY,
    window_start INTEGER NOT NULL,
    failures     INTEGER NOT NULL
);
CREATE INDEX address_failures_window ON address_failures (window_start);
