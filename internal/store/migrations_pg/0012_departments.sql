-- PostgreSQL twin of migrations/0012_departments.sql: the organisation's
-- departments, listed from the people already there.
CREATE TABLE departments (
    name       text   PRIMARY KEY,
    created_at bigint NOT NULL
);
INSERT INTO departments (name, created_at)
    SELECT DISTINCT department, CAST(extract(epoch FROM now()) AS bigint) FROM users WHERE department <> ''
    ON CONFLICT DO NOTHING;
