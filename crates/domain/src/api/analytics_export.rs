//! The analytics CSV export's tables: the names `/api/desk/analytics.csv?table=` accepts, with
//! the link text the desk shows for each. One list, so the page never offers a table the server
//! does not make.

/// (name in the URL, link text), in the order the desk lists them.
pub const TABLES: &[(&str, &str)] = &[
    ("summary", "key figures"),
    ("days", "days"),
    ("categories", "categories"),
    ("priorities", "priorities"),
    ("sentiments", "sentiments"),
    ("intents", "automation by intent"),
    ("tools", "tools"),
    ("agents", "people"),
    ("down_by_intent", "thumbs-down by intent"),
    ("down_by_passage", "thumbs-down by passage"),
    ("low_rated", "low-rated conversations"),
];

/// Whether `name` is one of the export's tables.
pub fn is_table(name: &str) -> bool {
    TABLES.iter().any(|(t, _)| *t == name)
}
