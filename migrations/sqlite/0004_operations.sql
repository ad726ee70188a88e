-- Support operations: staff accounts and their sessions, API keys for machine clients, who holds
-- a conversation, and uploaded knowledge-base documents with their chunks.
CREATE TABLE staff (
    id             INTEGER PRIMARY KEY,
    email          TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    role           TEXT    NOT NULL CHECK (role IN ('agent','admin')),
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT    NOT NULL
);

-- Only a hash of the session token is stored: a copied database opens no sessions.
CREATE TABLE staff_sessions (
    token_hash  TEXT    PRIMARY KEY,
    staff_id    INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

CREATE TABLE api_keys (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL,
    prefix           TEXT    NOT NULL,
    key_hash         TEXT    NOT NULL UNIQUE,
    rate_per_minute  INTEGER NOT NULL CHECK (rate_per_minute > 0),
    created_by       INTEGER REFERENCES staff (id) ON DELETE SET NULL,
    created_at       TEXT    NOT NULL,
    last_used_at     TEXT,
    revoked_at       TEXT
);

ALTER TABLE conversations ADD COLUMN assigned_to INTEGER REFERENCES staff (id) ON DELETE SET NULL;
ALTER TABLE conversations ADD COLUMN resolved_at TEXT;
ALTER TABLE conversations ADD COLUMN escalated_at TEXT;
CREATE INDEX conversations_status ON conversations (kind, status, updated_at);

CREATE TABLE kb_documents (
    id           INTEGER PRIMARY KEY,
    title        TEXT    NOT NULL,
    filename     TEXT    NOT NULL,
    media_type   TEXT    NOT NULL,
    bytes        INTEGER NOT NULL CHECK (bytes > 0),
    audience     TEXT    NOT NULL,
    doc_type     TEXT    NOT NULL,
    category     TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('indexing','ready','failed')),
    chunks       INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    uploaded_by  TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    indexed_at   TEXT
);

CREATE TABLE kb_chunks (
    id           TEXT    PRIMARY KEY,
    document_id  INTEGER NOT NULL REFERENCES kb_documents (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    title        TEXT    NOT NULL,
    tags         TEXT    NOT NULL,
    content      TEXT    NOT NULL
);
CREATE INDEX kb_chunks_document ON kb_chunks (document_id, position);
