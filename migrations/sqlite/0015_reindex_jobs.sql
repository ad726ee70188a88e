-- A re-index is a durable job too (kind 'reindex', no document). At most one is open at a time:
-- a second request while one is queued or running is refused, on every instance.
CREATE UNIQUE INDEX jobs_one_open_reindex ON jobs (kind)
    WHERE kind = 'reindex' AND status IN ('queued', 'running');
