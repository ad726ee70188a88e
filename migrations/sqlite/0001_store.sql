-- The electronics store behind the Customer Support demo (SQLite flavour).
-- Money is integer cents; weights are integer ounces; timestamps are UTC RFC 3339 text.

CREATE TABLE products (
    id                  INTEGER PRIMARY KEY,
    sku                 TEXT    NOT NULL UNIQUE,
    name                TEXT    NOT NULL,
    category            TEXT    NOT NULL CHECK (category IN ('accessory','camera','headphone','keyboard','monitor','speaker')),
    description         TEXT    NOT NULL,
    specifications      TEXT    NOT NULL,
    price_cents         INTEGER NOT NULL CHECK (price_cents > 0),
    stock               INTEGER NOT NULL CHECK (stock >= 0),
    shipping_weight_oz  INTEGER NOT NULL CHECK (shipping_weight_oz > 0),
    created_at          TEXT    NOT NULL
);
CREATE INDEX products_category ON products (category);

CREATE TABLE orders (
    id              INTEGER PRIMARY KEY,
    customer_name   TEXT    NOT NULL,
    customer_email  TEXT    NOT NULL,
    customer_phone  TEXT    NOT NULL,
    street          TEXT    NOT NULL,
    city            TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    zip             TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending','processing','shipped','delivered','cancelled')),
    subtotal_cents  INTEGER NOT NULL CHECK (subtotal_cents >= 0),
    shipping_cents  INTEGER NOT NULL CHECK (shipping_cents >= 0),
    total_cents     INTEGER NOT NULL CHECK (total_cents >= 0),
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    delivered_at    TEXT
);
CREATE INDEX orders_email ON orders (customer_email);
CREATE INDEX orders_status ON orders (status);

CREATE TABLE order_items (
    id                INTEGER PRIMARY KEY,
    order_id          INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id        INTEGER NOT NULL REFERENCES products (id),
    quantity          INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_cents  INTEGER NOT NULL CHECK (unit_price_cents > 0)
);
CREATE INDEX order_items_order ON order_items (order_id);

CREATE TABLE shipping_rates (
    id              INTEGER PRIMARY KEY,
    carrier         TEXT    NOT NULL,
    service_type    TEXT    NOT NULL,
    zip             TEXT    NOT NULL,
    base_rate_cents INTEGER NOT NULL CHECK (base_rate_cents >= 0),
    per_lb_cents    INTEGER NOT NULL CHECK (per_lb_cents >= 0),
    estimated_days  INTEGER NOT NULL CHECK (estimated_days > 0),
    UNIQUE (carrier, service_type, zip)
);
CREATE INDEX shipping_rates_zip ON shipping_rates (zip);

CREATE TABLE returns (
    id            INTEGER PRIMARY KEY,
    order_id      INTEGER NOT NULL REFERENCES orders (id),
    status        TEXT    NOT NULL CHECK (status IN ('pending','approved','rejected')),
    reason        TEXT    NOT NULL,
    refund_cents  INTEGER NOT NULL CHECK (refund_cents >= 0),
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);
CREATE INDEX returns_order ON returns (order_id);

CREATE TABLE return_items (
    id             INTEGER PRIMARY KEY,
    return_id      INTEGER NOT NULL REFERENCES returns (id) ON DELETE CASCADE,
    order_item_id  INTEGER NOT NULL REFERENCES order_items (id),
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    refund_cents   INTEGER NOT NULL CHECK (refund_cents >= 0)
);
CREATE INDEX return_items_return ON return_items (return_id);

CREATE TABLE support_tickets (
    id              INTEGER PRIMARY KEY,
    customer_name   TEXT    NOT NULL,
    customer_email  TEXT    NOT NULL,
    order_id        INTEGER REFERENCES orders (id),
    subject         TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    category        TEXT    NOT NULL,
    priority        TEXT    NOT NULL CHECK (priority IN ('low','medium','high','urgent')),
    status          TEXT    NOT NULL CHECK (status IN ('open','in_progress','resolved')),
    assigned_team   TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX support_tickets_status ON support_tickets (status);

CREATE TABLE conversations (
    id              TEXT    PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('support','pirate')),
    customer_email  TEXT,
    title           TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open','escalated','closed')),
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

CREATE TABLE messages (
    id               INTEGER PRIMARY KEY,
    conversation_id  TEXT    NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role             TEXT    NOT NULL CHECK (role IN ('system','user','assistant','tool','agent')),
    content          TEXT    NOT NULL,
    metadata         TEXT    NOT NULL DEFAULT '{}',
    created_at       TEXT    NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, id);
