-- Durable background work (a document's ingestion): a row per job, claimed by one instance at a
-- time with FOR UPDATE SKIP LOCKED and held by a lease its runner keeps renewing (a heartbeat).
-- A job whose lease ran out (its instance died or stopped) is claimed again by any instance;
-- a failed attempt is retried after a growing delay, up to a limit.
CREATE TABLE jobs (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            TEXT    NOT NULL,
    document_id     BIGINT,
    status          TEXT    NOT NULL CHECK (status IN ('queued','running','done','failed')),
    attempts        BIGINT  NOT NULL DEFAULT 0,
    done            BIGINT  NOT NULL DEFAULT 0,
    total           BIGINT  NOT NULL DEFAULT 0,
    error           TEXT,
    owner           TEXT,
    lease_until_ms  BIGINT  NOT NULL DEFAULT 0,
    run_after_ms    BIGINT  NOT NULL DEFAULT 0,
    created_ms      BIGINT  NOT NULL,
    finished_ms     BIGINT
);
CREATE INDEX jobs_runnable ON jobs (status, run_after_ms);
