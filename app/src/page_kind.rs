//! How each page reaches the browser: a static document (no WebAssembly when opened directly),
//! a page only the server renders (never in the browser), a page only the server renders for a
//! visitor (the desk without a session: its sign-in page), or, for every other page, hydrated
//! (`routes`). A leaf module: the frame's links, the document and the server all ask it.

/// The pages served as static documents, without hydration.
const STATIC_PAGES: &[&str] = &["/", "/architecture"];

/// The pages the browser never renders: the server's document is the whole page.
const SERVER_ONLY_PAGES: &[&str] = &["/data"];

/// The pages the server renders alone unless the request is signed in to the desk: for a
/// visitor the desk is its sign-in page, a document of its own with no WebAssembly; for staff it
/// is the app. The server looks the session up before rendering and says so with
/// [`SignedInToDesk`].
const SIGN_IN_PAGES: &[&str] = &["/desk"];

/// In a request's extensions when it carries a valid desk session (put there by the server's
/// `http::auth::page_session` before the page renders); absent, the request is a visitor's.
#[derive(Clone, Copy, Debug)]
pub struct SignedInToDesk;

/// Whether the request carries a valid desk session, as the server found before rendering.
#[cfg(feature = "ssr")]
pub fn signed_in_to_desk(request: &http::request::Parts) -> bool {
    request.extensions.get::<SignedInToDesk>().is_some()
}

/// Whether `path` is a page the server renders alone for a visitor (the desk).
pub fn is_sign_in_page(path: &str) -> bool {
    SIGN_IN_PAGES.contains(&trimmed(path))
}

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

/// Whether the page for this request is served without WebAssembly: a static or server-only
/// page, or the desk for a visitor.
#[cfg(feature = "ssr")]
pub fn serves_without_webassembly(request: &http::request::Parts) -> bool {
    let path = request.uri.path();
    is_static(path) || (is_sign_in_page(path) && !signed_in_to_desk(request))
}

/// The `rel` of a link to `path`: `external` for a page only the server renders (always, or
/// for a visitor), so the router leaves the click to the browser (an ordinary page load).
pub fn link_rel(path: &str) -> Option<&'static str> {
    (SERVER_ONLY_PAGES.contains(&trimmed(path)) || is_sign_in_page(path)).then_some("external")
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
        for path in ["/data", "/data/", "/desk", "/desk/"] {
            assert_eq!(link_rel(path), Some("external"), "{path}");
        }
        for path in ["/", "/architecture", "/support", "/gpt"] {
            assert_eq!(link_rel(path), None, "{path}");
        }
    }

    #[cfg(feature = "ssr")]
    fn request(path: &str, signed_in: bool) -> http::request::Parts {
        let mut request = http::Request::get(path)
            .body(())
            .expect("a valid request")
            .into_parts()
            .0;
        if signed_in {
            request.extensions.insert(SignedInToDesk);
        }
        request
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_desk_loads_webassembly_only_for_a_signed_in_request() {
        assert!(serves_without_webassembly(&request("/desk", false)));
        assert!(serves_without_webassembly(&request("/desk/", false)));
        assert!(!serves_without_webassembly(&request("/desk", true)));
        assert!(serves_without_webassembly(&request("/data", true)));
        assert!(!serves_without_webassembly(&request("/support", false)));
        assert!(is_sign_in_page("/desk/") && !is_sign_in_page("/data"));
    }
}
