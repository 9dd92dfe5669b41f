-- Course assignments with due dates: to everyone, a department, or a person.
-- Matching happens when reports are made, so people who join an assigned
-- department later are covered automatically.
CREATE TABLE assignments (
    id         INTEGER PRIMARY KEY,
    course_id  TEXT    NOT NULL,
    scope      TEXT    NOT NULL CHECK (scope IN ('all', 'department', 'user')),
    department TEXT    NOT NULL DEFAULT '',
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    due_at     INTEGER NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX assignments_course ON assignments (course_id, scope, department);
