-- Text-to-image results: one row per generated image; the file lives on disk under its cache key.
CREATE TABLE images (
    id               INTEGER PRIMARY KEY,
    cache_key        TEXT    NOT NULL UNIQUE,
    provider         TEXT    NOT NULL,
    model            TEXT    NOT NULL,
    prompt           TEXT    NOT NULL,
    negative_prompt  TEXT    NOT NULL DEFAULT '',
    aspect_ratio     TEXT    NOT NULL,
    seed             INTEGER NOT NULL,
    format           TEXT    NOT NULL CHECK (format IN ('png','jpeg','webp')),
    bytes            INTEGER NOT NULL CHECK (bytes > 0),
    finish_reason    TEXT    NOT NULL DEFAULT 'SUCCESS',
    generation_ms    INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT    NOT NULL
);
CREATE INDEX images_created ON images (created_at);
