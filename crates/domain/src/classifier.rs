//! What the classifier page and its server agree on.

/// The sample pictures the page offers to click, drawn by the server (no photo can be shipped):
/// (id, caption). Served as `/api/classifier/samples/{id}.png`.
pub const SAMPLES: &[(&str, &str)] = &[
    ("superman-emblem", "Drawn Superman emblem"),
    ("superman-emblem-2", "Another drawn emblem"),
    ("noise", "Random noise"),
];
