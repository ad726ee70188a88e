//! What the pages receive from the server, beyond the store's own records.

use domain::records::{
    Chart, OrderRecord, ProductRecord, ReturnRecord, ShippingRateRecord, TicketRecord,
};
use domain::view::Page;
use serde::{Deserialize, Serialize};

/// Where a demo's answers come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BackendKind {
    /// Runs inside this server, no key or network.
    Embedded,
    /// A cloud or remote service that is configured.
    Cloud,
    /// Needs a provider that is not configured.
    Missing,
}

/// One demo's backend as the home page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoBackend {
    pub slug: String,
    pub kind: BackendKind,
    /// e.g. "SmolLM2-135M (embedded)" or "OpenAI gpt-4o-mini".
    pub label: String,
}

/// One table of the Data Views page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TableRows {
    Products(Page<ProductRecord>),
    Orders(Page<OrderRecord>),
    ShippingRates(Page<ShippingRateRecord>),
    Tickets(Page<TicketRecord>),
    Returns(Page<ReturnRecord>),
    /// A page of the knowledge-base chunks matching the search, and how many there are in all.
    KnowledgeBase {
        page: Page<domain::records::KnowledgeChunkRecord>,
        catalogue: usize,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableData {
    pub rows: TableRows,
    pub charts: Vec<Chart>,
    /// "SQLite" or "PostgreSQL": which database answered.
    pub database: String,
}

impl TableData {
    pub fn total(&self) -> u64 {
        match &self.rows {
            TableRows::Products(p) => p.total,
            TableRows::Orders(p) => p.total,
            TableRows::ShippingRates(p) => p.total,
            TableRows::Tickets(p) => p.total,
            TableRows::Returns(p) => p.total,
            TableRows::KnowledgeBase { page, .. } => page.total,
        }
    }
}
