-- Trustworthy support agent: irreversible actions wait as proposals until the customer confirms
-- that exact proposal; one-time codes prove an email before its orders are listed; mail the store
-- would have sent is kept in an outbox (the demo inbox shows it when no SMTP server is set).
CREATE TABLE action_proposals (
    id               TEXT    PRIMARY KEY,
    conversation_id  TEXT    NOT NULL,
    action           TEXT    NOT NULL,
    arguments        TEXT    NOT NULL,
    preview          TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending','confirmed','declined','superseded','expired','failed')),
    created_at       TEXT    NOT NULL,
    expires_at       TEXT    NOT NULL,
    decided_at       TEXT
);
CREATE INDEX action_proposals_conversation ON action_proposals (conversation_id, status);

-- Only a hash of each code is kept; attempts are counted so a code cannot be guessed.
CREATE TABLE email_codes (
    id               INTEGER PRIMARY KEY,
    conversation_id  TEXT    NOT NULL,
    email            TEXT    NOT NULL,
    code_hash        TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT    NOT NULL,
    expires_at       TEXT    NOT NULL,
    used_at          TEXT
);
CREATE INDEX email_codes_conversation ON email_codes (conversation_id, email);

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    conversation_id  TEXT,
    to_email         TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    transport        TEXT    NOT NULL,
    created_at       TEXT    NOT NULL
);
CREATE INDEX outbox_conversation ON outbox (conversation_id);

-- The email proven by a one-time code in this conversation (customer_email only matched an order).
ALTER TABLE conversations ADD COLUMN verified_email TEXT;
