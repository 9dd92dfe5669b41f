-- Answers saved while an attempt is open (issue 13): the exam never loses
-- work, and when its time runs out the draft is graded as the submission.
ALTER TABLE attempts ADD COLUMN draft TEXT;     -- JSON answers in content ids; NULL: nothing saved
ALTER TABLE attempts ADD COLUMN draft_at INTEGER;
-- The job that grades exams whose time ran out finds them without a scan.
CREATE INDEX attempts_open_exams ON attempts (expires_at) WHERE submitted_at IS NULL AND kind = 'exam';
