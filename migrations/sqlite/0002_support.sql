-- Support agent: idempotent order placement and tickets linked to the conversation they came from.
ALTER TABLE orders ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX orders_idempotency_key ON orders (idempotency_key);
ALTER TABLE support_tickets ADD COLUMN conversation_id TEXT;
CREATE INDEX support_tickets_conversation ON support_tickets (conversation_id);
