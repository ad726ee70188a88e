//! Who a browser is, without signing in: the `visitor` cookie (128 random bits). The demos that
//! keep state (taught classifier classes, generated images) keep it per visitor, so nobody can
//! change or delete what another visitor made. A browser without the cookie is given one on its
//! first request to those routes.

use crate::http::cookies;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::SameSite;

pub const VISITOR_COOKIE: &str = "visitor";
/// A year: the data behind it is removed sooner, after `VISITOR_DATA_DAYS` without use.
const VISITOR_MAX_AGE_SECONDS: i64 = 365 * 24 * 3600;

/// A visitor id as the cookie carries it: 32 hex digits.
pub fn is_visitor_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The visitor making this request (from the cookie, or the one `ensure_visitor` just gave).
#[derive(Clone, Debug)]
pub struct Visitor(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(v) = parts.extensions.get::<Visitor>() {
            return Ok(v.clone());
        }
        // A route without the middleware still reads the cookie; with none it is a visitor of
        // its own, who owns nothing.
        Ok(Visitor(
            cookies::read(&parts.headers, VISITOR_COOKIE, is_visitor_id)
                .unwrap_or_else(new_visitor_id),
        ))
    }
}

fn new_visitor_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Middleware: reads the visitor cookie or makes one, and sets it on the response when new.
pub async fn ensure_visitor(mut request: Request, next: Next) -> Response {
    let known = cookies::read(request.headers(), VISITOR_COOKIE, is_visitor_id);
    let (id, new) = match known {
        Some(id) => (id, false),
        None => (new_visitor_id(), true),
    };
    request.extensions_mut().insert(Visitor(id.clone()));
    let mut response = next.run(request).await;
    if new {
        cookies::set(
            &mut response,
            &cookies::session(
                VISITOR_COOKIE,
                id,
                SameSite::Lax,
                VISITOR_MAX_AGE_SECONDS,
                false,
            ),
        );
    }
    response
}
