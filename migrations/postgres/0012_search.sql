-- Issue 21: full-text search over conversations' messages (a generated tsvector, English
-- stemming, under a GIN index). A ticket can be assigned to a person; its due time follows from
-- its priority (computed, not stored).
ALTER TABLE messages ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('english', content)) STORED;
CREATE INDEX messages_search ON messages USING GIN (search);

ALTER TABLE support_tickets ADD COLUMN assigned_to BIGINT REFERENCES staff (id) ON DELETE SET NULL;
CREATE INDEX conversations_updated ON conversations (updated_at);
