ALTER TABLE attempts ADD COLUMN draft text;
ALTER TABLE attempts ADD COLUMN draft_at bigint;
CREATE INDEX attempts_open_exams ON attempts (expires_at) WHERE submitted_at IS NULL AND kind = 'exam';
