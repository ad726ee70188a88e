//! The audit log on the desk (administrators): a page at a time, newest first, or all of it as
//! CSV.

use crate::http::auth::Admin;
use crate::http::error::error;
use crate::state::ServerState;
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::api::desk::AuditLog;
use domain::api::routes::desk_api;
use serde::Deserialize;
use store::Store;

/// Entries on one page of the desk's list.
const PAGE: i64 = 100;
/// The most one CSV export holds (the newest).
const EXPORT_MAX: i64 = 10_000;

#[derive(Deserialize)]
pub struct Page {
    #[serde(default)]
    before: Option<i64>,
}

/// `GET /api/desk/audit?before=<id>` (admin).
pub async fn list(
    State(store): State<Store>,
    Admin(_): Admin,
    page: Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(page)) = page else {
        return error(
            StatusCode::BAD_REQUEST,
            "`before` is an entry id (a whole number).",
        );
    };
    match store.audit_entries(page.before, PAGE + 1).await {
        Ok(mut entries) => {
            let more = entries.len() as i64 > PAGE;
            entries.truncate(PAGE as usize);
            let next_before = more.then(|| entries.last().map(|e| e.id)).flatten();
            Json(AuditLog {
                entries,
                next_before,
            })
            .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot read the audit log");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The audit log could not be read; try again.",
            )
        }
    }
}

/// `GET /api/desk/audit.csv` (admin): the newest 10,000 entries.
pub async fn export(State(store): State<Store>, Admin(_): Admin) -> Response {
    match store.audit_entries(None, EXPORT_MAX).await {
        Ok(entries) => {
            let mut response = domain::csv::to_csv(&entries).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            headers.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"audit-log.csv\""),
            );
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot export the audit log");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The audit log could not be read; try again.",
            )
        }
    }
}

pub fn router() -> Router<ServerState> {
    Router::new()
        .route(desk_api::AUDIT.template(), get(list))
        .route(desk_api::AUDIT_CSV.template(), get(export))
}
