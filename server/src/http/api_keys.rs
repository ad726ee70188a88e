//! API keys for machine clients (administrators): list, create with scopes (the secret is shown
//! once, only its hash is kept), revoke. Each change is audited.

use crate::http::auth::Admin;
use crate::http::desk::unavailable;
use crate::http::error::error;
use crate::http::rate_limit::ClientIp;
use crate::services::audit::Audit;
use crate::services::staff::{new_token, token_hash};
use crate::state::ServerState;
use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::api::desk::{ApiKeyList, CreatedApiKey, NewApiKey};
use domain::api::routes::desk_api;
use std::sync::Arc;
use store::Store;

/// `GET /api/desk/api-keys` (admin).
pub async fn api_keys(State(store): State<Store>, Admin(_): Admin) -> Response {
    match store.list_api_keys().await {
        Ok(keys) => Json(ApiKeyList { keys }).into_response(),
        Err(e) => unavailable("Loading the API keys", e),
    }
}

/// `POST /api/desk/api-keys` (admin) {name, rate_per_minute?, scopes}: the key is shown once,
/// here.
pub async fn create_api_key(
    State(store): State<Store>,
    State(config): State<Arc<crate::config::Config>>,
    Admin(admin): Admin,
    State(audit): State<Audit>,
    ClientIp(ip): ClientIp,
    body: Result<Json<NewApiKey>, JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "Send {\"name\": \"...\", \"scopes\": [\"messages:write\", ...]}.",
        );
    };
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Name the key (1 to 80 characters).",
        );
    }
    let rate = body
        .rate_per_minute
        .unwrap_or(i64::from(config.api_key_rate_per_minute));
    if !(1..=100_000).contains(&rate) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The rate must be 1 to 100000 requests a minute.",
        );
    }
    if body.scopes.is_empty() {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Give the key at least one scope.",
        );
    }
    let scopes = store::staff::ApiScopes::new(body.scopes.iter().copied());
    let secret = format!("aip_{}", new_token());
    let prefix: String = secret.chars().take(12).collect();
    match store
        .create_api_key(name, &prefix, &token_hash(&secret), rate, &scopes, admin.id)
        .await
    {
        Ok(key) => {
            tracing::info!(admin = admin.id, key_id = key.id, "API key created");
            let target = format!("key {} ({})", key.id, key.name);
            audit
                .staff(
                    &admin,
                    &ip,
                    "api_key.create",
                    &target,
                    &key.scopes.to_line(),
                )
                .await;
            (StatusCode::CREATED, Json(CreatedApiKey { key, secret })).into_response()
        }
        Err(e) => unavailable("Creating the key", e),
    }
}

/// `POST /api/desk/api-keys/{id}/revoke` (admin): the key stops working at once.
pub async fn revoke_api_key(
    State(store): State<Store>,
    Admin(admin): Admin,
    State(audit): State<Audit>,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> Response {
    match store.revoke_api_key(id).await {
        Ok(true) => {
            tracing::info!(admin = admin.id, key_id = id, "API key revoked");
            audit
                .staff(&admin, &ip, "api_key.revoke", &format!("key {id}"), "")
                .await;
            StatusCode::NO_CONTENT.into_response()
        }
        Ok(false) => error(StatusCode::NOT_FOUND, "There is no such active key."),
        Err(e) => unavailable("Revoking the key", e),
    }
}

pub fn router() -> Router<ServerState> {
    Router::new()
        .route(
            desk_api::API_KEYS.template(),
            get(api_keys).post(create_api_key),
        )
        .route(desk_api::REVOKE_API_KEY.template(), post(revoke_api_key))
}
