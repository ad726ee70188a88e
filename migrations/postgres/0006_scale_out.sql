-- Several instances on one database. Live events are written here and announced with NOTIFY (the
-- id only: NOTIFY payloads are capped at 8,000 bytes); every instance's listener reads the row and
-- delivers it to its own streams, and a reconnecting browser replays what it missed from here
-- (Last-Event-ID). Pruned after a day.
CREATE TABLE live_events (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             TEXT    NOT NULL,
    conversation_id  TEXT,
    for_customer     BOOLEAN NOT NULL,
    data             TEXT    NOT NULL,
    -- The instance that published it (it delivered the event itself and skips it when heard).
    origin           TEXT    NOT NULL,
    created_ms       BIGINT  NOT NULL
);
CREATE INDEX live_events_created ON live_events (created_ms);

-- Request limits shared by every instance: one row per limited client or API key, holding the
-- generic cell rate algorithm's theoretical arrival time. A row whose time has passed is a full
-- bucket, so pruning it loses nothing.
CREATE TABLE rate_limits (
    key     TEXT   PRIMARY KEY,
    tat_us  BIGINT NOT NULL
);

-- Generated images' bytes, by the cache key of their gallery row, so that every instance can
-- serve an image any of them made (on SQLite the files stay on local disk).
CREATE TABLE image_files (
    cache_key  TEXT  PRIMARY KEY,
    bytes      BYTEA NOT NULL
);
