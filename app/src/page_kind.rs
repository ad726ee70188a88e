//! The one page the server renders differently for a visitor and for staff: the desk. For a
//! visitor it is its sign-in page, a document with no island (so no WebAssembly); for a request
//! the server found signed in, it is the desk, an island. A leaf module: the server's session
//! check and the desk page both ask it.

/// The pages the server renders alone unless the request is signed in to the desk. The server
/// looks the session up before rendering and says so with [`SignedInToDesk`].
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_desk_is_a_sign_in_page() {
        for path in ["/desk", "/desk/"] {
            assert!(is_sign_in_page(path), "{path}");
        }
        for path in ["/", "/data", "/support", "/desk/x", "/desks"] {
            assert!(!is_sign_in_page(path), "{path}");
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_request_is_signed_in_only_with_the_marker() {
        let mut request = http::Request::get("/desk")
            .body(())
            .expect("a valid request")
            .into_parts()
            .0;
        assert!(!signed_in_to_desk(&request));
        request.extensions.insert(SignedInToDesk);
        assert!(signed_in_to_desk(&request));
    }
}
