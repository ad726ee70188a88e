-- Issue 20: scoped API keys, account lockout, the audit log, and each visitor's own demo state.

-- What a key may do. Keys made before scopes existed keep every scope they could use then.
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'messages:write conversations:read kb:write jobs:read';

-- Failed sign-ins in a row per account, and until when the account refuses sign-ins.
ALTER TABLE staff ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN locked_until TEXT;

-- Who did what, when, from where: written once, never updated.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    staff_id  INTEGER,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '',
    ip        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);

-- A generated image belongs to the browser that asked for it (NULL: the shared gallery, which
-- only an administrator changes).
ALTER TABLE images ADD COLUMN visitor TEXT;
CREATE INDEX images_visitor ON images (visitor, created_at);

-- The classes a visitor taught, on top of the shared ones: their examples and the head trained
-- on them (safetensors bytes).
CREATE TABLE visitor_classifiers (
    visitor     TEXT PRIMARY KEY,
    taught      BLOB NOT NULL,
    head        BLOB NOT NULL,
    updated_at  TEXT NOT NULL
);
