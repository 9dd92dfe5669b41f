CREATE INDEX attempts_user_module ON attempts (user_id, course_id, module_id, started_at);
