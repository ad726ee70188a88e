-- Issue 21: alerts to the team (an escalation, a new ticket, a low rating), one row per channel
-- and target: a webhook URL or a team member's email. The row is the delivery's durable state
-- and its log: claimed with a lease (so one instance sends it), retried with a growing delay.
CREATE TABLE alert_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    event            TEXT    NOT NULL,
    channel          TEXT    NOT NULL CHECK (channel IN ('webhook', 'email')),
    target           TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms  INTEGER NOT NULL,
    lease_until_ms   INTEGER NOT NULL DEFAULT 0,
    last_status      INTEGER,
    last_error       TEXT,
    created_ms       INTEGER NOT NULL,
    delivered_ms     INTEGER
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (status, next_attempt_ms);
CREATE INDEX alert_deliveries_created ON alert_deliveries (created_ms);
