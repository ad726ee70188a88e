-- What users taught the image classifier (the taught examples' features and the head trained
-- on them, as safetensors bytes), shared by every instance: one row, or none when nothing is
-- taught.
CREATE TABLE classifier_state (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    taught      BYTEA  NOT NULL,
    head        BYTEA  NOT NULL,
    updated_ms  BIGINT NOT NULL
);
