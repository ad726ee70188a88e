//! The alert log on the desk (administrators): where alerts go and the newest deliveries, with
//! their attempts and the receiver's last answer.

use crate::http::auth::Admin;
use crate::http::desk::unavailable;
use crate::services::support::SupportService;
use crate::state::ServerState;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::api::desk::AlertLog;
use domain::api::routes::desk_api;
use std::sync::Arc;

/// `GET /api/desk/alerts`: the newest 50 deliveries.
pub async fn alert_log(State(service): State<Arc<SupportService>>, Admin(_): Admin) -> Response {
    match service.store().recent_deliveries(50).await {
        Ok(rows) => Json(AlertLog {
            deliveries: rows
                .into_iter()
                .map(crate::services::alerts::delivery_view)
                .collect(),
            webhooks: service.alerts().webhooks().to_vec(),
            email: service.alerts().emails(),
        })
        .into_response(),
        Err(e) => unavailable("Loading the alert log", e),
    }
}

pub fn router() -> Router<ServerState> {
    Router::new().route(desk_api::ALERTS.template(), get(alert_log))
}
