//! Staff sign-in over HTTP: the session cookie (HttpOnly, SameSite=Strict, Secure behind TLS),
//! the extractors that refuse a route without a session (`Staff`) or without the admin role
//! (`Admin`), sign-in and out, and one's own password. Other accounts are `http::team`'s;
//! passwords and tokens are `services::staff`'s.

use crate::http::cookies;
use crate::http::error::error;
use crate::http::rate_limit::ClientIp;
use crate::services::ServiceError;
use crate::services::audit::Audit;
use crate::services::staff::{self, token_hash};
use crate::state::ServerState;
use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, SameSite};
use domain::api::desk::{ChangePassword, SignIn, StaffAnswer};
use domain::api::routes::desk_api;
use store::Store;
use store::audit::NewAuditEntry;

use domain::api::desk::STAFF_COOKIE;

fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    cookies::read(headers, STAFF_COOKIE, domain::api::desk::is_session_token)
}

fn cookie(headers: &HeaderMap, value: &str, max_age: i64) -> Cookie<'static> {
    cookies::session(
        STAFF_COOKIE,
        value.to_owned(),
        SameSite::Strict,
        max_age,
        over_tls(headers),
    )
}

/// A signed-in staff member (any role). Routes that take it refuse requests without a session,
/// and refuse a "Try the desk" demo account: only the routes that take [`DeskUser`] and check
/// what it may see are open to one.
pub struct Staff(pub store::staff::Staff);

/// A signed-in administrator.
pub struct Admin(pub store::staff::Staff);

/// Anyone signed in to the desk: a member of staff, or a visitor's demo account, which sees only
/// the conversations its own browser started (`sandbox`).
pub struct DeskUser {
    pub staff: store::staff::Staff,
    /// The visitor a demo account belongs to; `None` for staff.
    pub sandbox: Option<String>,
}

impl DeskUser {
    /// Whether this person may see and act on the conversation (a missing one included, so
    /// the handler answers its own 404).
    pub async fn sees(&self, store: &Store, conversation_id: &str) -> Result<(), Response> {
        let Some(visitor) = &self.sandbox else {
            return Ok(());
        };
        match store
            .conversation_of_visitor(conversation_id, visitor)
            .await
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(error(
                StatusCode::NOT_FOUND,
                "There is no such conversation.",
            )),
            Err(e) => Err(crate::http::desk::unavailable(
                "Loading the conversation",
                e,
            )),
        }
    }
}

/// The account behind the request's session cookie, whatever it may do.
async fn signed_in(parts: &Parts, store: &Store) -> Result<store::staff::Staff, Response> {
    let Some(token) = session_token(&parts.headers) else {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "Sign in to use the support desk.",
        ));
    };
    match store
        .session_staff(&token_hash(&token), chrono::Utc::now())
        .await
    {
        Ok(Some(staff)) => Ok(staff),
        Ok(None) => Err(error(
            StatusCode::UNAUTHORIZED,
            "Your session has ended; sign in again.",
        )),
        Err(e) => {
            tracing::error!(error = %e, "cannot check a staff session");
            Err(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Sign-in is unavailable right now; try again shortly.",
            ))
        }
    }
}

/// Needs only the store, so it works under any state that can give one.
impl<S> FromRequestParts<S> for Staff
where
    S: Send + Sync,
    store::Store: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let staff = signed_in(parts, &store::Store::from_ref(state)).await?;
        if staff.demo {
            return Err(error(
                StatusCode::FORBIDDEN,
                "The demo desk shows only the conversations you started; sign in with a staff account for the rest.",
            ));
        }
        Ok(Staff(staff))
    }
}

impl<S> FromRequestParts<S> for DeskUser
where
    S: Send + Sync,
    store::Store: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let store = store::Store::from_ref(state);
        let staff = signed_in(parts, &store).await?;
        if !staff.demo {
            return Ok(DeskUser {
                staff,
                sandbox: None,
            });
        }
        match store.demo_visitor(staff.id).await {
            Ok(Some(visitor)) => Ok(DeskUser {
                staff,
                sandbox: Some(visitor),
            }),
            // The account went away between the two reads: its session has ended.
            Ok(None) => Err(error(
                StatusCode::UNAUTHORIZED,
                "Your session has ended; sign in again.",
            )),
            Err(e) => {
                tracing::error!(error = %e, "cannot read a demo desk account");
                Err(error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Sign-in is unavailable right now; try again shortly.",
                ))
            }
        }
    }
}

impl<S> FromRequestParts<S> for Admin
where
    S: Send + Sync,
    store::Store: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Staff(staff) = Staff::from_request_parts(parts, state).await?;
        if staff.is_admin() {
            Ok(Admin(staff))
        } else {
            Err(error(
                StatusCode::FORBIDDEN,
                "Only an administrator can do that.",
            ))
        }
    }
}

/// `POST /api/desk/login` {email, password}: a session cookie, or one sentence for any
/// failure (which of the two was wrong is not said). Every attempt is audited; an account locked
/// after repeated failures answers 429 with Retry-After.
pub async fn login(
    State(store): State<Store>,
    State(audit): State<Audit>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Result<Json<SignIn>, JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return error(StatusCode::BAD_REQUEST, "Send an email and a password.");
    };
    if body.email.len() > 200 || body.password.len() > 1_000 {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "That email or password is too long.",
        );
    }
    let email = body.email.trim().to_lowercase();
    let attempt = staff::sign_in(&store, &email, body.password).await;
    let (actor, staff_id) = match &attempt.account {
        Some(s) => (crate::services::audit::actor(s), Some(s.id)),
        None => (email.clone(), None),
    };
    let (action, detail) = match &attempt.outcome {
        Ok(_) => ("sign_in", String::new()),
        Err(e @ ServiceError::Locked { .. }) => ("sign_in.locked", e.to_string()),
        Err(e) => ("sign_in.failed", e.to_string()),
    };
    audit
        .record(NewAuditEntry {
            actor,
            staff_id,
            action: action.into(),
            target: email,
            detail,
            ip,
        })
        .await;
    let (staff, token) = match attempt.outcome {
        Ok(signed_in) => signed_in,
        Err(e) => return e.into_response(),
    };
    tracing::info!(staff_id = staff.id, role = %staff.role, "staff signed in");
    let mut response = Json(StaffAnswer { staff }).into_response();
    cookies::set(
        &mut response,
        &cookie(&headers, &token, staff::SESSION_DAYS * 86_400),
    );
    response
}

/// `POST /api/desk/logout`: ends the session (also when it had already ended).
pub async fn logout(
    State(store): State<Store>,
    State(audit): State<Audit>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> Response {
    if let Some(token) = session_token(&headers) {
        let hash = token_hash(&token);
        if let Ok(Some(staff)) = store.session_staff(&hash, chrono::Utc::now()).await {
            audit.staff(&staff, &ip, "sign_out", "", "").await;
        }
        if let Err(e) = store.delete_session(&hash).await {
            tracing::error!(error = %e, "cannot delete a staff session");
        }
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    cookies::set(&mut response, &cookie(&headers, "", 0));
    response
}

/// `GET /api/desk/me`.
pub async fn me(user: DeskUser) -> Response {
    Json(StaffAnswer { staff: user.staff }).into_response()
}

/// Before `/desk` renders: whether the request is signed in, by the same check as `GET
/// /api/desk/me`, so the page is the desk itself (which hydrates) or, for a visitor, the sign-in
/// page the server renders alone (`app::page_kind::SignedInToDesk`). Other paths pass untouched.
pub async fn page_session(
    State(state): State<ServerState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if !app::page_kind::is_sign_in_page(request.uri().path()) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    if DeskUser::from_request_parts(&mut parts, &state)
        .await
        .is_ok()
    {
        parts.extensions.insert(app::page_kind::SignedInToDesk);
    }
    next.run(axum::extract::Request::from_parts(parts, body))
        .await
}

/// `POST /api/desk/demo`: "Try the desk". Signs this browser in to its own sandboxed demo
/// account (see [`DeskUser`]) for two hours, unless `DEMO_DESK=false`.
pub async fn try_desk(
    State(store): State<Store>,
    State(config): State<std::sync::Arc<crate::config::Config>>,
    State(audit): State<Audit>,
    ClientIp(ip): ClientIp,
    crate::http::visitor::Visitor(visitor): crate::http::visitor::Visitor,
    headers: HeaderMap,
) -> Response {
    if !config.demo_desk {
        return error(
            StatusCode::FORBIDDEN,
            "The demo desk is turned off on this server; sign in with a staff account.",
        );
    }
    let (staff, token) = match staff::demo_sign_in(&store, &visitor).await {
        Ok(signed_in) => signed_in,
        Err(e) => return e.into_response(),
    };
    audit.staff(&staff, &ip, "sign_in.demo", "", "").await;
    let mut response = Json(StaffAnswer { staff }).into_response();
    cookies::set(
        &mut response,
        &cookie(&headers, &token, staff::DEMO_SESSION_HOURS * 3_600),
    );
    response
}

/// `POST /api/desk/me/password` {current_password, new_password}: the signed-in person's own
/// password; their other sessions end.
pub async fn change_password(
    State(store): State<Store>,
    State(audit): State<Audit>,
    Staff(me): Staff,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Result<Json<ChangePassword>, JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "Send current_password and new_password.",
        );
    };
    let session = session_token(&headers)
        .map(|t| token_hash(&t))
        .unwrap_or_default();
    match staff::change_own_password(
        &store,
        &me,
        &session,
        body.current_password,
        body.new_password,
    )
    .await
    {
        Ok(()) => {
            audit
                .staff(&me, &ip, "staff.password_change", &me.email, "")
                .await;
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// Staff sign-in (rate limited), sign-out, who is signed in, and one's own password.
pub fn router(state: &ServerState) -> Router<ServerState> {
    Router::new()
        .route(
            desk_api::LOGIN.template(),
            post(login).route_layer(axum::middleware::from_fn_with_state(
                state.chat_limit.clone(),
                crate::http::rate_limit::limit_chat,
            )),
        )
        .route(
            desk_api::TRY_DESK.template(),
            post(try_desk)
                .route_layer(axum::middleware::from_fn(
                    crate::http::visitor::ensure_visitor,
                ))
                .route_layer(axum::middleware::from_fn_with_state(
                    state.chat_limit.clone(),
                    crate::http::rate_limit::limit_chat,
                )),
        )
        .route(desk_api::LOGOUT.template(), post(logout))
        .route(desk_api::ME.template(), get(me))
        .route(desk_api::OWN_PASSWORD.template(), post(change_password))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_behind_tls() {
        let mut headers = HeaderMap::new();
        let plain = cookie(&headers, "x", 60).to_string();
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Strict"));
        assert!(!plain.contains("Secure"));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(cookie(&headers, "x", 60).to_string().contains("Secure"));
    }
}
