-- Issue 21: "Try the desk". A support conversation remembers the browser (visitor cookie) that
-- started it, and a demo desk account is a staff row tied to one visitor: it sees only that
-- visitor's conversations and is deleted when its session ends. Real staff rows have NULL.
ALTER TABLE conversations ADD COLUMN visitor TEXT;
CREATE INDEX conversations_visitor ON conversations (visitor);
ALTER TABLE staff ADD COLUMN demo_visitor TEXT;
