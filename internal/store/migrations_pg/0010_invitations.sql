-- PostgreSQL twin of migrations/0010_invitations.sql: when a person was
-- last invited (Unix seconds; 0: never).
ALTER TABLE users ADD COLUMN invited_at bigint NOT NULL DEFAULT 0;
UPDATE users SET invited_at = created_at WHERE password_hash = '';
