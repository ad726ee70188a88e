//! A customer's data on request, for machine clients (scope `customers:privacy`): export
//! everything kept about an email, or erase it (the email typed again in the body).

use super::body::{JsonBody, PathParam};
use super::client::{CustomersPrivacy, Scoped};
use super::wire::*;
use crate::http::privacy::{erase_response, export_response, not_an_email};
use crate::http::rate_limit::ClientIp;
use crate::services::audit::Audit;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use domain::api::v1::{EraseRequest, ErasedOut};
use store::Store;
use store::audit::NewAuditEntry;

/// Everything kept about a customer's email: orders, tickets, conversations with every message,
/// mails the store sent. Free-form JSON, for the customer.
#[utoipa::path(
    get, path = "/api/v1/customers/{email}/export", tag = "privacy",
    params(("email" = String, Path, description = "The customer's email", pattern = "^[A-Za-z0-9._+'-]+@[A-Za-z0-9.-]+$", max_length = 200)),
    responses(
        (status = 200, description = "The customer's data", body = Object),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 403, description = "The key lacks the customers:privacy scope", body = ErrorBody),
        (status = 422, description = "Not an email address", body = ErrorBody),
        (status = 429, description = "Over the key's rate", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the key may call again"))),
        (status = 503, description = "The store cannot be reached; try again", body = ErrorBody),
    ),
    security(("api_key" = ["customers:privacy"]))
)]
pub async fn export(
    State(store): State<Store>,
    State(audit): State<Audit>,
    Scoped(key, _): Scoped<CustomersPrivacy>,
    ClientIp(ip): ClientIp,
    PathParam(email): PathParam<String>,
) -> Response {
    if !domain::is_email_address(&email) {
        return not_an_email();
    }
    audit
        .record(NewAuditEntry {
            actor: format!("API key {} ({})", key.name, key.prefix),
            action: "privacy.export".into(),
            target: email.clone(),
            ip,
            ..NewAuditEntry::default()
        })
        .await;
    export_response(&store, &email).await
}

/// Erase everything kept about a customer's email, in one transaction. It cannot be undone: the
/// body repeats the email to confirm.
#[utoipa::path(
    post, path = "/api/v1/customers/{email}/erase", tag = "privacy",
    params(("email" = String, Path, description = "The customer's email", pattern = "^[A-Za-z0-9._+'-]+@[A-Za-z0-9.-]+$", max_length = 200)),
    request_body = EraseRequest,
    responses(
        (status = 200, description = "Erased: what was removed", body = ErasedOut),
        (status = 400, description = "The body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 403, description = "The key lacks the customers:privacy scope", body = ErrorBody),
        (status = 413, description = "The body is over 64 KB", body = ErrorBody),
        (status = 415, description = "The body is not sent as application/json", body = ErrorBody),
        (status = 422, description = "Not an email address, or confirm_email is not the same email; `field` names it", body = ErrorBody),
        (status = 429, description = "Over the key's rate", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the key may call again"))),
        (status = 503, description = "The store cannot be reached; nothing was erased", body = ErrorBody),
    ),
    security(("api_key" = ["customers:privacy"]))
)]
pub async fn erase(
    State(store): State<Store>,
    State(audit): State<Audit>,
    Scoped(key, _): Scoped<CustomersPrivacy>,
    ClientIp(ip): ClientIp,
    PathParam(email): PathParam<String>,
    JsonBody(body): JsonBody<EraseRequest>,
) -> Response {
    if !domain::is_email_address(&email) {
        return not_an_email();
    }
    match erase_response(&store, &email, &body.confirm_email).await {
        Ok(erased) => {
            audit
                .record(NewAuditEntry {
                    actor: format!("API key {} ({})", key.name, key.prefix),
                    action: "privacy.erase".into(),
                    target: email,
                    detail: format!("{} rows", erased.total),
                    ip,
                    ..NewAuditEntry::default()
                })
                .await;
            Json::<ErasedOut>(erased).into_response()
        }
        Err(r) => r,
    }
}
