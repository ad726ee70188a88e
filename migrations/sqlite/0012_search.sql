-- Issue 21: full-text search over conversations' messages (FTS5, English stemming), kept in step
-- with `messages` by triggers, so a deleted or erased message leaves the index too. A ticket
-- can be assigned to a person; its due time follows from its priority (computed, not stored).
CREATE VIRTUAL TABLE messages_fts USING fts5(
    content,
    content = 'messages',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;

ALTER TABLE support_tickets ADD COLUMN assigned_to INTEGER REFERENCES staff (id) ON DELETE SET NULL;
CREATE INDEX conversations_updated ON conversations (updated_at);
