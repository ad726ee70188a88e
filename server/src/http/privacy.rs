//! A customer's data on request (administrators, on the desk): everything kept about an email as
//! JSON, or erased after the email is typed again. Both are audited. The REST API's versions are
//! `api_v1::privacy`'s.

use crate::http::auth::Admin;
use crate::http::error::{ApiError, error};
use crate::http::rate_limit::ClientIp;
use crate::services::audit::Audit;
use crate::state::ServerState;
use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::api::routes::desk_api;
use domain::api::v1::{EraseRequest, ErasedOut};
use store::Store;

/// The store's count of an erase, as the wire says it.
pub fn erased_out(e: &store::privacy::Erased) -> ErasedOut {
    ErasedOut {
        total: e.total(),
        conversations: e.conversations,
        messages: e.messages,
        tickets: e.tickets,
        orders: e.orders,
        returns: e.returns,
        feedback: e.feedback,
        proposals: e.proposals,
        email_codes: e.email_codes,
        mails: e.mails,
        live_events: e.live_events,
    }
}

/// A path's email that is not one, as a 422 naming it (here and in the REST API).
pub fn not_an_email() -> Response {
    ApiError::status(
        StatusCode::UNPROCESSABLE_ENTITY,
        "That is not an email address.",
    )
    .on_field("email")
    .into_response()
}

/// Everything kept about `email`, as a JSON download.
pub async fn export_response(store: &Store, email: &str) -> Response {
    match store.customer_data(email).await {
        Ok(data) => {
            let mut response = Json(data).into_response();
            if let Ok(v) = HeaderValue::from_str(&format!(
                "attachment; filename=\"customer-data-{}.json\"",
                email.replace(
                    |c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '@',
                    "_"
                )
            )) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, v);
            }
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot export a customer's data");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The customer's data could not be read; try again.",
            )
        }
    }
}

/// Erases everything about `email` once `confirm` names it again.
pub async fn erase_response(
    store: &Store,
    email: &str,
    confirm: &str,
) -> Result<ErasedOut, Response> {
    if confirm.trim().to_lowercase() != email.trim().to_lowercase() {
        return Err(ApiError::status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Type the customer's email again to confirm: an erase cannot be undone.",
        )
        .on_field("confirm_email")
        .into_response());
    }
    match store.erase_customer(email).await {
        Ok(erased) => Ok(erased_out(&erased)),
        Err(e) => {
            tracing::error!(error = %e, "cannot erase a customer's data");
            Err(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Nothing was erased (the store did not answer); try again.",
            ))
        }
    }
}

/// `GET /api/desk/customers/{email}/export` (admin).
pub async fn export(
    State(store): State<Store>,
    State(audit): State<Audit>,
    Admin(admin): Admin,
    ClientIp(ip): ClientIp,
    Path(email): Path<String>,
) -> Response {
    if !domain::is_email_address(&email) {
        return not_an_email();
    }
    audit.staff(&admin, &ip, "privacy.export", &email, "").await;
    export_response(&store, &email).await
}

/// `POST /api/desk/customers/{email}/erase` (admin) {confirm_email}.
pub async fn erase(
    State(store): State<Store>,
    State(audit): State<Audit>,
    Admin(admin): Admin,
    ClientIp(ip): ClientIp,
    Path(email): Path<String>,
    body: Result<Json<EraseRequest>, JsonRejection>,
) -> Response {
    if !domain::is_email_address(&email) {
        return not_an_email();
    }
    let Ok(Json(body)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "Send {\"confirm_email\": \"…\"}: the email again.",
        );
    };
    match erase_response(&store, &email, &body.confirm_email).await {
        Ok(erased) => {
            let detail = format!("{} rows", erased.total);
            audit
                .staff(&admin, &ip, "privacy.erase", &email, &detail)
                .await;
            Json(erased).into_response()
        }
        Err(r) => r,
    }
}

pub fn router() -> Router<ServerState> {
    Router::new()
        .route(desk_api::CUSTOMER_EXPORT.template(), get(export))
        .route(desk_api::CUSTOMER_ERASE.template(), post(erase))
}
