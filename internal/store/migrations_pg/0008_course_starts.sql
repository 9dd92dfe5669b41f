-- PostgreSQL twin of migrations/0008_course_starts.sql (a fresh database
-- has no attempts to fill it from).
CREATE TABLE course_starts (
    course_id text   NOT NULL,
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (course_id, user_id)
);
CREATE INDEX course_starts_user ON course_starts (user_id);
