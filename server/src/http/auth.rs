//! Staff sign-in over HTTP: the session cookie (HttpOnly, SameSite=Strict, Secure behind TLS),
//! the extractors that refuse a route without a session (`Staff`) or without the admin role
//! (`Admin`), and the staff-account endpoints. Passwords and tokens are `services::staff`'s.

use crate::http::cookies;
use crate::http::error::{bad_body, error};
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
use domain::api::desk::{NewStaff, SetActive, SignIn, StaffAnswer, StaffList};
use domain::api::routes::desk_api;
use store::Store;

pub const STAFF_COOKIE: &str = "staff_session";

fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    cookies::read(headers, STAFF_COOKIE, |v| {
        v.len() == 64 && v.chars().all(|c| c.is_ascii_hexdigit())
    })
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

/// A signed-in staff member (any role). Routes that take it refuse requests without a session.
pub struct Staff(pub store::staff::Staff);

/// A signed-in administrator.
pub struct Admin(pub store::staff::Staff);

/// Needs only the store, so it works under any state that can give one.
impl<S> FromRequestParts<S> for Staff
where
    S: Send + Sync,
    store::Store: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let store = store::Store::from_ref(state);
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
            Ok(Some(staff)) => Ok(Staff(staff)),
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
/// failure (which of the two was wrong is not said).
pub async fn login(
    State(store): State<Store>,
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
    let (staff, token) = match staff::sign_in(&store, &body.email, body.password).await {
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
pub async fn logout(State(store): State<Store>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers)
        && let Err(e) = store.delete_session(&token_hash(&token)).await
    {
        tracing::error!(error = %e, "cannot delete a staff session");
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    cookies::set(&mut response, &cookie(&headers, "", 0));
    response
}

/// `GET /api/desk/me`.
pub async fn me(Staff(staff): Staff) -> Response {
    Json(StaffAnswer { staff }).into_response()
}

/// `POST /api/desk/users` (admin): adds an agent (or another admin).
pub async fn create_staff(
    State(store): State<Store>,
    Admin(admin): Admin,
    body: Result<Json<NewStaff>, JsonRejection>,
) -> Response {
    let body = match body {
        Ok(Json(body)) => body,
        Err(rejection) => {
            return bad_body(
                &rejection,
                "Send email, name, password and a role of agent or admin.",
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    match staff::create_staff(&store, &body.email, &body.name, body.password, body.role).await {
        Ok(created) => {
            tracing::info!(admin = admin.id, staff_id = created.id, role = %created.role, "staff account created");
            (StatusCode::CREATED, Json(StaffAnswer { staff: created })).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `GET /api/desk/users` (admin).
pub async fn list_staff(State(store): State<Store>, Admin(_): Admin) -> Response {
    match store.list_staff().await {
        Ok(staff) => Json(StaffList { staff }).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot list staff");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The team could not be loaded.",
            )
        }
    }
}

/// `POST /api/desk/users/{id}/active` (admin) {active}: turns an account off or on.
pub async fn set_active(
    State(store): State<Store>,
    Admin(admin): Admin,
    axum::extract::Path(id): axum::extract::Path<i64>,
    body: Result<Json<SetActive>, JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return error(StatusCode::BAD_REQUEST, "Send {\"active\": true or false}.");
    };
    if id == admin.id && !body.active {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "You cannot turn off your own account.",
        );
    }
    match store.set_staff_active(id, body.active).await {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => error(StatusCode::NOT_FOUND, "There is no such account."),
        Err(e) => {
            tracing::error!(error = %e, "cannot change a staff account");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The account could not be changed.",
            )
        }
    }
}

/// Staff sign-in (rate limited), sign-out, who is signed in, and staff accounts.
pub fn router(state: &ServerState) -> Router<ServerState> {
    Router::new()
        .route(
            desk_api::LOGIN.template(),
            post(login).route_layer(axum::middleware::from_fn_with_state(
                state.chat_limit.clone(),
                crate::http::rate_limit::limit_chat,
            )),
        )
        .route(desk_api::LOGOUT.template(), post(logout))
        .route(desk_api::ME.template(), get(me))
        .route(
            desk_api::USERS.template(),
            get(list_staff).post(create_staff),
        )
        .route(desk_api::USER_ACTIVE.template(), post(set_active))
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
