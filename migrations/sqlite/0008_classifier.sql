-- What users taught the image classifier (used on PostgreSQL, where instances share it; SQLite
-- keeps the files in CLASSIFIER_DIR). Here so both schemas stay alike.
CREATE TABLE classifier_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    taught      BLOB    NOT NULL,
    head        BLOB    NOT NULL,
    updated_ms  INTEGER NOT NULL
);
