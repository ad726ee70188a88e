-- Durable background work (a document's ingestion); the PostgreSQL migration explains the
-- lease and the retries. SQLite is one instance, but a restart still loses no job.
CREATE TABLE jobs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT    NOT NULL,
    document_id     INTEGER,
    status          TEXT    NOT NULL CHECK (status IN ('queued','running','done','failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    done            INTEGER NOT NULL DEFAULT 0,
    total           INTEGER NOT NULL DEFAULT 0,
    error           TEXT,
    owner           TEXT,
    lease_until_ms  INTEGER NOT NULL DEFAULT 0,
    run_after_ms    INTEGER NOT NULL DEFAULT 0,
    created_ms      INTEGER NOT NULL,
    finished_ms     INTEGER
);
CREATE INDEX jobs_runnable ON jobs (status, run_after_ms);
