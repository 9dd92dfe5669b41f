-- Quiz and exam attempts, and passed modules.
CREATE TABLE attempts (
    id              TEXT    PRIMARY KEY,            -- random, URL-safe
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id       TEXT    NOT NULL,
    module_id       TEXT    NOT NULL DEFAULT '',    -- '' for the final exam
    kind            TEXT    NOT NULL CHECK (kind IN ('module', 'exam')),
    lang            TEXT    NOT NULL,
    content_version TEXT    NOT NULL,
    questions       TEXT    NOT NULL,               -- JSON: drawn questions with option order
    started_at      INTEGER NOT NULL,
    expires_at      INTEGER,                        -- NULL: no time limit
    submitted_at    INTEGER,
    answers         TEXT,                           -- JSON; removed after the retention period
    score_percent   INTEGER,
    passed          INTEGER,
    result          TEXT                            -- JSON of the graded result, returned unchanged on resubmission
);
CREATE INDEX attempts_user_course ON attempts (user_id, course_id, kind, started_at);

-- A passed module stays passed: the first pass is recorded once.
CREATE TABLE module_passes (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id  TEXT    NOT NULL,
    module_id  TEXT    NOT NULL,
    attempt_id TEXT    NOT NULL,
    passed_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, course_id, module_id)
);
