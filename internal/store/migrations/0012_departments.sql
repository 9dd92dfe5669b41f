-- The organisation's departments, kept by admins (issue 15): created by
-- import, renamed and merged on /admin/departments. Every department a
-- person is in is listed here (insertUser and UpdateAccount add it).
CREATE TABLE departments (
    name       TEXT    PRIMARY KEY,
    created_at INTEGER NOT NULL
);
INSERT OR IGNORE INTO departments (name, created_at)
    SELECT DISTINCT department, CAST(strftime('%s', 'now') AS INTEGER) FROM users WHERE department <> '';
