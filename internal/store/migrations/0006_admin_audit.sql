-- Account administration, the audit log, HR department limits, reminders
-- and the bookkeeping of periodic jobs.

-- When an account was deactivated (0 while active); retention erases
-- accounts that stayed deactivated for the configured period.
ALTER TABLE users ADD COLUMN deactivated_at INTEGER NOT NULL DEFAULT 0;

-- Who did what, when. actor_id and subject_id are account ids; they become
-- NULL when that account is erased, so no entry points at a reused id.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor_role TEXT    NOT NULL,              -- employee, hr, admin, system
    action     TEXT    NOT NULL,              -- e.g. report.viewed, account.updated
    subject_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    detail     TEXT    NOT NULL DEFAULT ''    -- never names or email addresses
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_subject ON audit_log (subject_id);
CREATE INDEX audit_log_actor ON audit_log (actor_id);

-- Departments an HR account is limited to; none means all departments.
CREATE TABLE hr_departments (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    department TEXT    NOT NULL,
    PRIMARY KEY (user_id, department)
);

-- The last reminder email per person (at most one a week).
CREATE TABLE reminders_sent (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    sent_at INTEGER NOT NULL
);

-- When a periodic job last ran (survives restarts).
CREATE TABLE job_runs (
    name    TEXT    PRIMARY KEY,
    last_at INTEGER NOT NULL
);
