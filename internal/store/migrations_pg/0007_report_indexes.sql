CREATE INDEX attempts_course_user ON attempts (course_id, user_id);
CREATE INDEX certificates_course ON certificates (course_id, user_id);
