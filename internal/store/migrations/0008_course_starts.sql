-- Who has begun which course: one row per person and course, written with
-- the first attempt. The HR report reads it instead of every attempt.
CREATE TABLE course_starts (
    course_id TEXT    NOT NULL,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (course_id, user_id)
) WITHOUT ROWID;
CREATE INDEX course_starts_user ON course_starts (user_id);
INSERT OR IGNORE INTO course_starts (course_id, user_id) SELECT DISTINCT course_id, user_id FROM attempts;
