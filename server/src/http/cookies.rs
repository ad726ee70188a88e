//! The session cookies (staff sign-in, the support chat, the pirate chat), read and written
//! through axum-extra's cookie jar: one parser for every `Cookie` header, and attributes set by
//! name rather than by string formatting.

use axum::http::HeaderMap;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

/// The value of cookie `name`, when it is present and `valid` accepts it (a malformed value reads
/// as no session at all).
pub fn read(headers: &HeaderMap, name: &str, valid: impl Fn(&str) -> bool) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(name)
        .map(Cookie::value)
        .filter(|v| valid(v))
        .map(str::to_owned)
}

/// A session cookie: HttpOnly, for the whole site, living `max_age_seconds` (0 removes it).
pub fn session(
    name: &'static str,
    value: String,
    same_site: SameSite,
    max_age_seconds: i64,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(same_site)
        .max_age(cookie::time::Duration::seconds(max_age_seconds))
        .secure(secure)
        .build()
}

/// Adds `cookie` to a response as its own `Set-Cookie` header.
pub fn set(response: &mut axum::response::Response, cookie: &Cookie<'_>) {
    if let Ok(value) = axum::http::HeaderValue::from_str(&cookie.encoded().to_string()) {
        response
            .headers_mut()
            .append(axum::http::header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use axum::http::header::COOKIE;

    #[test]
    fn reads_one_cookie_among_several_and_refuses_a_malformed_value() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("theme=dark; s=abc123"));
        let hex = |v: &str| v.chars().all(|c| c.is_ascii_alphanumeric());
        assert_eq!(read(&headers, "s", hex).as_deref(), Some("abc123"));
        assert_eq!(read(&headers, "other", hex), None);
        headers.insert(COOKIE, HeaderValue::from_static("s=../../etc"));
        assert_eq!(read(&headers, "s", hex), None);
    }

    #[test]
    fn a_session_cookie_carries_its_attributes() {
        let text = session("s", "v".into(), SameSite::Lax, 60, false).to_string();
        for part in ["s=v", "HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=60"] {
            assert!(text.contains(part), "{part} in {text}");
        }
        assert!(!text.contains("Secure"));
        let secure = session("s", "v".into(), SameSite::Strict, 0, true).to_string();
        assert!(secure.contains("Secure") && secure.contains("Max-Age=0"));
    }
}
