-- Issue 21: the summary the desk writes when a person takes a conversation over and again when
-- it is resolved (made offline from the transcript; see support::summary).
ALTER TABLE conversations ADD COLUMN summary TEXT;
ALTER TABLE conversations ADD COLUMN summary_at TEXT;
