-- When a person was last invited (Unix seconds; 0: never). With an empty
-- password_hash it makes the HR status "invited". Accounts without a
-- password so far were all created with an invitation.
ALTER TABLE users ADD COLUMN invited_at INTEGER NOT NULL DEFAULT 0;
UPDATE users SET invited_at = created_at WHERE password_hash = '';
