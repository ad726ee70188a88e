//! The desk's analytics (staff): the figures of a period as JSON, and each of their tables as
//! CSV.

use crate::http::auth::Staff;
use crate::http::error::error;
use crate::state::ServerState;
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::api::desk::Analytics;
use domain::api::routes::desk_api;
use serde::Deserialize;
use store::Store;

#[derive(Deserialize)]
pub struct AnalyticsQuery {
    /// The last N days (1-365); default 7.
    #[serde(default)]
    pub days: Option<i64>,
    /// For the CSV: which table.
    #[serde(default)]
    pub table: Option<String>,
}

/// `GET /api/desk/analytics?days=N`.
pub async fn analytics(
    State(store): State<Store>,
    Staff(_): Staff,
    Query(q): Query<AnalyticsQuery>,
) -> Response {
    match crate::services::analytics::load(&store, q.days.unwrap_or(7)).await {
        Ok(analytics) => Json::<Analytics>(analytics).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /api/desk/analytics.csv?days=N&table=…`: one table, as a download.
pub async fn analytics_csv(
    State(store): State<Store>,
    Staff(_): Staff,
    Query(q): Query<AnalyticsQuery>,
) -> Response {
    let name = q.table.unwrap_or_else(|| "summary".to_owned());
    if !domain::api::analytics_export::is_table(&name) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!(
                "Unknown table {name:?}; choose one of {}.",
                domain::api::analytics_export::TABLES
                    .iter()
                    .map(|(t, _)| *t)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let days = q.days.unwrap_or(7);
    let analytics = match crate::services::analytics::load(&store, days).await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let Some(csv) = crate::services::analytics_csv::table(&analytics, &name) else {
        return error(StatusCode::NOT_FOUND, "There is no such table.");
    };
    let mut response = csv.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"analytics-{name}-{days}d.csv\""
    )) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

pub fn router() -> Router<ServerState> {
    Router::new()
        .route(desk_api::ANALYTICS.template(), get(analytics))
        .route(desk_api::ANALYTICS_CSV.template(), get(analytics_csv))
}
