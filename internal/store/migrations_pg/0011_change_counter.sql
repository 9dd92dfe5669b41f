-- PostgreSQL twin of migrations/0011_change_counter.sql. On PostgreSQL the
-- counter is not kept: Generation follows the instances' notifications
-- (store.go's tx skips the update there). The table exists so that both
-- schemas match; it stays empty here (a copy from SQLite brings the
-- file's last count along, which nothing reads), so "migrate
-- --from-sqlite" still finds an empty database.
CREATE TABLE change_counter (
    id integer PRIMARY KEY CHECK (id = 1),
    n  bigint  NOT NULL
);
