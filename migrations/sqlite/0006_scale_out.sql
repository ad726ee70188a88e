-- Live events, written so a reconnecting browser replays what it missed (Last-Event-ID); the
-- PostgreSQL migration explains the several-instance side. Pruned after a day.
CREATE TABLE live_events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT    NOT NULL,
    conversation_id  TEXT,
    for_customer     INTEGER NOT NULL,
    data             TEXT    NOT NULL,
    -- The instance that published it (it delivered the event itself and skips it when heard).
    origin           TEXT    NOT NULL,
    created_ms       INTEGER NOT NULL
);
CREATE INDEX live_events_created ON live_events (created_ms);

-- Request limits (the generic cell rate algorithm's theoretical arrival time per key). SQLite
-- runs one instance, which keeps its limits in memory; the table keeps both schemas alike.
CREATE TABLE rate_limits (
    key     TEXT    PRIMARY KEY,
    tat_us  INTEGER NOT NULL
);

-- Generated images' bytes (used on PostgreSQL, where instances share them; SQLite keeps the
-- files on local disk). Here so both schemas stay alike.
CREATE TABLE image_files (
    cache_key  TEXT  PRIMARY KEY,
    bytes      BLOB  NOT NULL
);
