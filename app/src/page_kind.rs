//! How each page reaches the browser: a static document (no WebAssembly when opened directly),
//! a page only the server renders (never in the browser), or, for every other page, hydrated
//! (`routes`). A leaf module: the frame's links and the document both ask it.

/// The pages served as static documents, without hydration.
const STATIC_PAGES: &[&str] = &["/", "/architecture"];

/// The pages the browser never renders: the server's document is the whole page.
const SERVER_ONLY_PAGES: &[&str] = &["/data"];

/// `path` without a trailing slash (except the root's).
fn trimmed(path: &str) -> &str {
    match path.strip_suffix('/') {
        Some(trimmed) if !trimmed.is_empty() => trimmed,
        _ => path,
    }
}

/// Whether the page at `path` is served without WebAssembly.
pub fn is_static(path: &str) -> bool {
    let path = trimmed(path);
    STATIC_PAGES.contains(&path) || SERVER_ONLY_PAGES.contains(&path)
}

/// The `rel` of a link to `path`: `external` for a page only the server renders, so the
/// router leaves the click to the browser (an ordinary page load).
pub fn link_rel(path: &str) -> Option<&'static str> {
    SERVER_ONLY_PAGES
        .contains(&trimmed(path))
        .then_some("external")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_and_server_only_pages_load_no_webassembly() {
        for path in ["/", "/architecture", "/architecture/", "/data", "/data/"] {
            assert!(is_static(path), "{path}");
        }
        for path in ["/support", "/desk", "/data/export.csv", "/gpt/"] {
            assert!(!is_static(path), "{path}");
        }
    }

    #[test]
    fn only_links_to_server_only_pages_leave_the_router() {
        assert_eq!(link_rel("/data"), Some("external"));
        assert_eq!(link_rel("/data/"), Some("external"));
        for path in ["/", "/architecture", "/support", "/desk"] {
            assert_eq!(link_rel(path), None, "{path}");
        }
    }
}
