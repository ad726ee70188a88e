//! Staff sign-in: argon2id password hashes, random session tokens kept only as SHA-256 hashes,
//! an HttpOnly SameSite=Strict cookie (Secure behind TLS), and extractors that refuse a route
//! without a session (`Staff`) or without the admin role (`Admin`).

use crate::config::MIN_PASSWORD_CHARS;
use crate::state::ServerState;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use store::Store;

pub const STAFF_COOKIE: &str = "staff_session";
/// Sessions last a working week; signing out ends one at once.
const SESSION_DAYS: i64 = 7;

/// argon2id with the crate's defaults (19 MiB, 2 passes): ~50 ms here, slow enough to make
/// guessing expensive.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// 244 random bits from two v4 UUIDs (the OS generator), hex.
pub fn new_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Tokens and API keys are long and random, so a fast hash is enough to keep them out of the
/// database in usable form.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// A refusal carried through helpers that return `Result` (boxed: a response is large).
pub type Refused = Box<Response>;

pub fn refuse(status: StatusCode, message: &str) -> Refused {
    Box::new(error(status, message))
}

fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (name, value) = c.trim().split_once('=')?;
            (name == STAFF_COOKIE
                && value.len() == 64
                && value.chars().all(|c| c.is_ascii_hexdigit()))
            .then(|| value.to_owned())
        })
}

fn cookie(headers: &HeaderMap, value: &str, max_age: i64) -> Option<HeaderValue> {
    let secure = if over_tls(headers) { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{STAFF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .ok()
}

/// A signed-in staff member (any role). Routes that take it refuse requests without a session.
pub struct Staff(pub store::staff::Staff);

/// A signed-in administrator.
pub struct Admin(pub store::staff::Staff);

impl<S> FromRequestParts<S> for Staff
where
    S: Send + Sync,
    ServerState: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = ServerState::from_ref(state);
        let Some(token) = session_token(&parts.headers) else {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "Sign in to use the dashboard.",
            ));
        };
        match state
            .app
            .store
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
    ServerState: FromRef<S>,
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

#[derive(Deserialize)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

/// `POST /api/staff/login` {email, password}: a session cookie, or one sentence for any
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
    let found = match store.staff_for_sign_in(&body.email).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "sign-in lookup failed");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Sign-in is unavailable right now; try again shortly.",
            );
        }
    };
    let password = body.password;
    // The hash is checked even for an unknown email, so timing does not tell which emails exist.
    let (staff, hash) = match found {
        Some((staff, hash)) => (Some(staff), hash),
        None => (None, DUMMY_HASH.to_string()),
    };
    let verified = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let staff = match staff {
        Some(s) if verified && s.active => s,
        _ => {
            tracing::info!("staff sign-in refused");
            return error(
                StatusCode::UNAUTHORIZED,
                "That email and password do not match an active account.",
            );
        }
    };
    let token = new_token();
    let expires = chrono::Utc::now() + chrono::Duration::days(SESSION_DAYS);
    if let Err(e) = store
        .create_session(&token_hash(&token), staff.id, expires)
        .await
    {
        tracing::error!(error = %e, "cannot store a staff session");
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Sign-in is unavailable right now; try again shortly.",
        );
    }
    tracing::info!(staff_id = staff.id, role = %staff.role, "staff signed in");
    let mut response = Json(json!({ "staff": staff })).into_response();
    if let Some(c) = cookie(&headers, &token, SESSION_DAYS * 86_400) {
        response.headers_mut().insert(header::SET_COOKIE, c);
    }
    response
}

/// A valid argon2id hash of a random string: verifying against it costs what a real check costs.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Jq0Ah7JJ4Uz7lGzrSlnAjOP8IS2d3qcbCOSmr6WPM+s";

/// `POST /api/staff/logout`: ends the session (also when it had already ended).
pub async fn logout(State(store): State<Store>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers)
        && let Err(e) = store.delete_session(&token_hash(&token)).await
    {
        tracing::error!(error = %e, "cannot delete a staff session");
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Some(c) = cookie(&headers, "", 0) {
        response.headers_mut().insert(header::SET_COOKIE, c);
    }
    response
}

/// `GET /api/staff/me`.
pub async fn me(Staff(staff): Staff) -> Response {
    Json(json!({ "staff": staff })).into_response()
}

#[derive(Deserialize)]
pub struct NewStaff {
    pub email: String,
    pub name: String,
    pub password: String,
    #[serde(default = "agent_role")]
    pub role: String,
}

fn agent_role() -> String {
    "agent".into()
}

/// `POST /api/staff/users` (admin): adds an agent (or another admin).
pub async fn create_staff(
    State(store): State<Store>,
    Admin(admin): Admin,
    body: Result<Json<NewStaff>, JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "Send email, name, password and role.",
        );
    };
    let email = body.email.trim().to_lowercase();
    let name = body.name.trim().to_string();
    if !domain::is_email_address(&email) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Give a valid email address.",
        );
    }
    if name.is_empty() || name.chars().count() > 80 {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Give a name of 1 to 80 characters.",
        );
    }
    if body.password.chars().count() < MIN_PASSWORD_CHARS || body.password.len() > 1_000 {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("The password needs at least {MIN_PASSWORD_CHARS} characters."),
        );
    }
    let password = body.password;
    let hash = match tokio::task::spawn_blocking(move || hash_password(&password)).await {
        Ok(Ok(h)) => h,
        _ => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The password could not be stored.",
            );
        }
    };
    match store.create_staff(&email, &name, &hash, &body.role).await {
        Ok(staff) => {
            tracing::info!(admin = admin.id, staff_id = staff.id, role = %staff.role, "staff account created");
            (StatusCode::CREATED, Json(json!({ "staff": staff }))).into_response()
        }
        Err(store::StoreError::Refused(message)) => error(StatusCode::CONFLICT, &message),
        Err(e) => {
            tracing::error!(error = %e, "cannot create a staff account");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The account could not be created; try again.",
            )
        }
    }
}

/// `GET /api/staff/users` (admin).
pub async fn list_staff(State(store): State<Store>, Admin(_): Admin) -> Response {
    match store.list_staff().await {
        Ok(staff) => Json(json!({ "staff": staff })).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot list staff");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The team could not be loaded.",
            )
        }
    }
}

#[derive(Deserialize)]
pub struct StaffActive {
    pub active: bool,
}

/// `POST /api/staff/users/{id}/active` (admin) {active}: turns an account off or on.
pub async fn set_active(
    State(store): State<Store>,
    Admin(admin): Admin,
    axum::extract::Path(id): axum::extract::Path<i64>,
    body: Result<Json<StaffActive>, JsonRejection>,
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

/// Creates or updates the configured administrator at start.
pub async fn ensure_configured_admin(
    store: &Store,
    admin: &crate::config::AdminAccount,
) -> Result<(), String> {
    let password = admin.password.expose().to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| e.to_string())??;
    let staff = store
        .ensure_admin(&admin.email, &admin.name, &hash)
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(staff_id = staff.id, "configured administrator ready");
    Ok(())
}

/// Staff sign-in (rate limited), sign-out, who is signed in, and staff accounts.
pub fn router(state: &ServerState) -> Router<ServerState> {
    Router::new()
        .route(
            "/api/staff/login",
            post(login).route_layer(axum::middleware::from_fn_with_state(
                state.chat_limit.clone(),
                crate::http::rate_limit::limit_chat,
            )),
        )
        .route("/api/staff/logout", post(logout))
        .route("/api/staff/me", get(me))
        .route("/api/staff/users", get(list_staff).post(create_staff))
        .route("/api/staff/users/{id}/active", post(set_active))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse battery").expect("hashes");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("anything", "not a hash"));
        // The dummy hash parses, so unknown emails cost a real verification.
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("", DUMMY_HASH));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_behind_tls() {
        let mut headers = HeaderMap::new();
        let plain = cookie(&headers, "x", 60).expect("cookie");
        let plain = plain.to_str().expect("ascii");
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Strict"));
        assert!(!plain.contains("Secure"));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let tls = cookie(&headers, "x", 60).expect("cookie");
        assert!(tls.to_str().expect("ascii").ends_with("; Secure"));
    }
}
