-- Indexes for the HR report, which reads a whole course at once: who has
-- begun it, and the certificates of the course.
CREATE INDEX attempts_course_user ON attempts (course_id, user_id);
CREATE INDEX certificates_course ON certificates (course_id, user_id);
