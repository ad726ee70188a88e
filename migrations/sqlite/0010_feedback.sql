-- Issue 21: what customers said about the answers. One row per vote or rating, replaced when the
-- customer changes their mind: a thumb on a reply (kind 'reply', passage ''), on a passage it
-- cited (kind 'reply', passage the chunk id), or a rating of the conversation (kind 'rating',
-- message_id 0). intent is the category of the message the reply answered, kept for analytics.
CREATE TABLE feedback (
    id               INTEGER PRIMARY KEY,
    conversation_id  TEXT NOT NULL,
    message_id       INTEGER NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('reply', 'rating')),
    passage          TEXT NOT NULL DEFAULT '',
    score            INTEGER NOT NULL,
    reason           TEXT NOT NULL DEFAULT '',
    intent           TEXT NOT NULL DEFAULT '',
    passages         TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    UNIQUE (conversation_id, kind, message_id, passage)
);
CREATE INDEX feedback_created ON feedback (created_at);
