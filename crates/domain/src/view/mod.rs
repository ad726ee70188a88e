//! The Data Views state: which table, search, sort, filters and page. It lives in the URL, so a
//! link reproduces a view and Back works; everything coming from the URL is validated here.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tab {
    #[default]
    Products,
    Orders,
    ShippingRates,
    Tickets,
    Returns,
    KnowledgeBase,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SortDir {
    #[default]
    Asc,
    Desc,
}

impl SortDir {
    pub fn as_str(self) -> &'static str {
        match self {
            SortDir::Asc => "asc",
            SortDir::Desc => "desc",
        }
    }
    pub fn flipped(self) -> SortDir {
        match self {
            SortDir::Asc => SortDir::Desc,
            SortDir::Desc => SortDir::Asc,
        }
    }
}

/// A column the table shows; `key` is what the URL names when sorting by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub key: &'static str,
    pub label: &'static str,
    pub numeric: bool,
}

/// A filter the table offers, with every value it accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Filter {
    pub key: &'static str,
    pub label: &'static str,
    pub values: &'static [&'static str],
}

pub const CATEGORIES: &[&str] = &[
    "accessory",
    "camera",
    "headphone",
    "keyboard",
    "monitor",
    "speaker",
];
pub const ORDER_STATUSES: &[&str] = &["pending", "processing", "shipped", "delivered", "cancelled"];
pub const TICKET_PRIORITIES: &[&str] = crate::api::desk::Priority::NAMES;
pub const TICKET_STATUSES: &[&str] = crate::api::desk::TicketStatus::NAMES;
pub const RETURN_STATUSES: &[&str] = &["pending", "approved", "rejected"];
pub const CARRIERS: &[&str] = &["DHL", "FedEx", "LaserShip", "OnTrac", "UPS", "USPS"];

pub const PAGE_SIZES: &[u32] = &[10, 25, 50, 100];
pub const DEFAULT_PAGE_SIZE: u32 = 10;
/// The longest search text accepted; longer input is cut, not rejected.
pub const MAX_SEARCH_CHARS: usize = 100;

const fn col(key: &'static str, label: &'static str, numeric: bool) -> Column {
    Column {
        key,
        label,
        numeric,
    }
}

impl Tab {
    pub const ALL: [Tab; 6] = [
        Tab::Products,
        Tab::Orders,
        Tab::ShippingRates,
        Tab::Tickets,
        Tab::Returns,
        Tab::KnowledgeBase,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Tab::Products => "products",
            Tab::Orders => "orders",
            Tab::ShippingRates => "shipping",
            Tab::Tickets => "tickets",
            Tab::Returns => "returns",
            Tab::KnowledgeBase => "knowledge",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.slug() == slug)
    }

    pub fn label(self) -> &'static str {
        match self {
            Tab::Products => "Products",
            Tab::Orders => "Orders",
            Tab::ShippingRates => "Shipping Rates",
            Tab::Tickets => "Support Tickets",
            Tab::Returns => "Returns",
            Tab::KnowledgeBase => "Knowledge Base",
        }
    }

    pub fn columns(self) -> &'static [Column] {
        const PRODUCTS: &[Column] = &[
            col("id", "ID", true),
            col("name", "Name", false),
            col("category", "Category", false),
            col("price", "Price", true),
            col("stock", "Stock", true),
            col("weight", "Weight (oz)", true),
        ];
        const ORDERS: &[Column] = &[
            col("id", "Order", true),
            col("customer", "Customer", false),
            col("location", "Ship to", false),
            col("status", "Status", false),
            col("items", "Items", true),
            col("total", "Total", true),
            col("created", "Placed", false),
        ];
        const SHIPPING: &[Column] = &[
            col("carrier", "Carrier", false),
            col("service", "Service", false),
            col("zip", "ZIP", false),
            col("base", "Base", true),
            col("per_lb", "Per lb", true),
            col("days", "Days", true),
        ];
        const TICKETS: &[Column] = &[
            col("id", "Ticket", true),
            col("subject", "Subject", false),
            col("customer", "Customer", false),
            col("category", "Category", false),
            col("priority", "Priority", false),
            col("status", "Status", false),
            col("team", "Team", false),
            col("created", "Opened", false),
        ];
        const RETURNS: &[Column] = &[
            col("id", "Return", true),
            col("order", "Order", true),
            col("customer", "Customer", false),
            col("status", "Status", false),
            col("reason", "Reason", false),
            col("items", "Items", true),
            col("refund", "Refund", true),
            col("created", "Requested", false),
        ];
        match self {
            Tab::Products => PRODUCTS,
            Tab::Orders => ORDERS,
            Tab::ShippingRates => SHIPPING,
            Tab::Tickets => TICKETS,
            Tab::Returns => RETURNS,
            Tab::KnowledgeBase => &[],
        }
    }

    pub fn filters(self) -> &'static [Filter] {
        const PRODUCTS: &[Filter] = &[Filter {
            key: "category",
            label: "Category",
            values: CATEGORIES,
        }];
        const ORDERS: &[Filter] = &[Filter {
            key: "status",
            label: "Status",
            values: ORDER_STATUSES,
        }];
        const SHIPPING: &[Filter] = &[Filter {
            key: "carrier",
            label: "Carrier",
            values: CARRIERS,
        }];
        const TICKETS: &[Filter] = &[
            Filter {
                key: "priority",
                label: "Priority",
                values: TICKET_PRIORITIES,
            },
            Filter {
                key: "status",
                label: "Status",
                values: TICKET_STATUSES,
            },
        ];
        const RETURNS: &[Filter] = &[Filter {
            key: "status",
            label: "Status",
            values: RETURN_STATUSES,
        }];
        match self {
            Tab::Products => PRODUCTS,
            Tab::Orders => ORDERS,
            Tab::ShippingRates => SHIPPING,
            Tab::Tickets => TICKETS,
            Tab::Returns => RETURNS,
            Tab::KnowledgeBase => &[],
        }
    }

    /// The sort a tab opens with.
    pub fn default_sort(self) -> (&'static str, SortDir) {
        match self {
            Tab::Orders | Tab::Tickets | Tab::Returns => ("id", SortDir::Desc),
            Tab::ShippingRates => ("carrier", SortDir::Asc),
            Tab::Products | Tab::KnowledgeBase => ("id", SortDir::Asc),
        }
    }

    /// What the search box searches, shown as its placeholder.
    pub fn search_hint(self) -> &'static str {
        match self {
            Tab::Products => "Search name, SKU, description…",
            Tab::Orders => "Search order number, customer, email, city…",
            Tab::ShippingRates => "Search carrier, service or ZIP…",
            Tab::Tickets => "Search subject, customer, team…",
            Tab::Returns => "Search return, order, email or reason…",
            Tab::KnowledgeBase => "Search the knowledge base…",
        }
    }
}

/// A validated view of one table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewQuery {
    pub tab: Tab,
    pub search: String,
    pub sort: String,
    pub dir: SortDir,
    /// (filter key, value), only keys and values the tab offers, in the tab's filter order.
    pub filters: Vec<(String, String)>,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
}

impl Default for ViewQuery {
    fn default() -> Self {
        ViewQuery::for_tab(Tab::default())
    }
}

impl ViewQuery {
    pub fn for_tab(tab: Tab) -> ViewQuery {
        let (sort, dir) = tab.default_sort();
        ViewQuery {
            tab,
            search: String::new(),
            sort: sort.to_owned(),
            dir,
            filters: Vec::new(),
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }

    /// Builds a view from URL query pairs. Anything unknown or malformed falls back to the
    /// default rather than failing: a hand-edited link still opens a sensible view.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> ViewQuery {
        let pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
        let get = |key: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.trim())
        };
        let tab = get("tab").and_then(Tab::from_slug).unwrap_or_default();
        let mut view = ViewQuery::for_tab(tab);
        if let Some(q) = get("q") {
            view.search = q
                .chars()
                .take(MAX_SEARCH_CHARS)
                .collect::<String>()
                .trim()
                .to_owned();
        }
        if let Some(sort) = get("sort")
            && tab.columns().iter().any(|c| c.key == sort)
        {
            view.sort = sort.to_owned();
        }
        match get("dir") {
            Some("asc") => view.dir = SortDir::Asc,
            Some("desc") => view.dir = SortDir::Desc,
            _ => {}
        }
        for filter in tab.filters() {
            if let Some(value) = get(filter.key)
                && filter.values.contains(&value)
            {
                view.filters.push((filter.key.to_owned(), value.to_owned()));
            }
        }
        if let Some(page) = get("page").and_then(|p| p.parse::<u32>().ok()) {
            view.page = page.max(1);
        }
        if let Some(size) = get("size").and_then(|s| s.parse::<u32>().ok())
            && PAGE_SIZES.contains(&size)
        {
            view.page_size = size;
        }
        view
    }

    pub fn filter(&self, key: &str) -> Option<&str> {
        self.filters
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Rows to skip for the current page.
    pub fn offset(&self) -> u64 {
        u64::from(self.page.saturating_sub(1)) * u64::from(self.page_size)
    }

    /// The URL query (with a leading `?`) that reproduces this view; defaults are left out.
    pub fn to_query_string(&self) -> String {
        let mut parts: Vec<(String, String)> = vec![("tab".into(), self.tab.slug().into())];
        if !self.search.is_empty() {
            parts.push(("q".into(), self.search.clone()));
        }
        let (default_sort, default_dir) = self.tab.default_sort();
        if self.sort != default_sort || self.dir != default_dir {
            parts.push(("sort".into(), self.sort.clone()));
            parts.push(("dir".into(), self.dir.as_str().into()));
        }
        for (k, v) in &self.filters {
            parts.push((k.clone(), v.clone()));
        }
        if self.page > 1 {
            parts.push(("page".into(), self.page.to_string()));
        }
        if self.page_size != DEFAULT_PAGE_SIZE {
            parts.push(("size".into(), self.page_size.to_string()));
        }
        let joined: Vec<String> = parts
            .iter()
            .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
            .collect();
        format!("?{}", joined.join("&"))
    }

    pub fn with_page(&self, page: u32) -> ViewQuery {
        ViewQuery {
            page: page.max(1),
            ..self.clone()
        }
    }

    /// Sorting by the current column flips the direction; a new column starts ascending
    /// (text) or descending (numbers, where the largest is usually wanted first).
    pub fn with_sort(&self, key: &str) -> ViewQuery {
        let dir = if self.sort == key {
            self.dir.flipped()
        } else if self.tab.columns().iter().any(|c| c.key == key && c.numeric) {
            SortDir::Desc
        } else {
            SortDir::Asc
        };
        ViewQuery {
            sort: key.to_owned(),
            dir,
            page: 1,
            ..self.clone()
        }
    }

    pub fn with_page_size(&self, size: u32) -> ViewQuery {
        let size = if PAGE_SIZES.contains(&size) {
            size
        } else {
            DEFAULT_PAGE_SIZE
        };
        ViewQuery {
            page_size: size,
            page: 1,
            ..self.clone()
        }
    }

    /// Sets (or with `None` or an unknown value, clears) one filter; back to page 1.
    pub fn with_filter(&self, key: &str, value: Option<&str>) -> ViewQuery {
        let mut next = ViewQuery {
            page: 1,
            ..self.clone()
        };
        next.filters.retain(|(k, _)| k != key);
        if let (Some(value), Some(filter)) =
            (value, self.tab.filters().iter().find(|f| f.key == key))
            && filter.values.contains(&value)
        {
            next.filters.push((key.to_owned(), value.to_owned()));
            let order: Vec<&str> = self.tab.filters().iter().map(|f| f.key).collect();
            next.filters
                .sort_by_key(|(k, _)| order.iter().position(|o| o == k));
        }
        next
    }

    pub fn with_search(&self, text: &str) -> ViewQuery {
        let search = text
            .chars()
            .take(MAX_SEARCH_CHARS)
            .collect::<String>()
            .trim()
            .to_owned();
        ViewQuery {
            search,
            page: 1,
            ..self.clone()
        }
    }

    /// The same table with no search and no filters.
    pub fn cleared(&self) -> ViewQuery {
        ViewQuery {
            search: String::new(),
            filters: Vec::new(),
            page: 1,
            ..self.clone()
        }
    }
}

/// One page of rows plus what the pager needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub rows: Vec<T>,
    /// Rows matching the search and filters, over all pages.
    pub total: u64,
    pub page: u32,
    pub page_size: u32,
}

impl<T> Page<T> {
    pub fn page_count(&self) -> u32 {
        let size = u64::from(self.page_size.max(1));
        u32::try_from(self.total.div_ceil(size))
            .unwrap_or(u32::MAX)
            .max(1)
    }

    /// 1-based index of the first and last row shown, or `None` for an empty page.
    pub fn shown_range(&self) -> Option<(u64, u64)> {
        if self.rows.is_empty() {
            return None;
        }
        let first = u64::from(self.page.saturating_sub(1)) * u64::from(self.page_size) + 1;
        Some((first, first + self.rows.len() as u64 - 1))
    }
}

/// Percent-encodes a URL query component (RFC 3986 unreserved characters pass through).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests;
