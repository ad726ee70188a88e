//! Agent assist on the desk: the suggested reply and the canned replies for the conversation in
//! front of a person (a demo account: only its own browser's conversations). Neither sends
//! anything: the page puts the text in the reply box to edit.

use crate::http::auth::DeskUser;
use crate::http::desk::unavailable;
use crate::services::support::SupportService;
use crate::state::ServerState;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::api::desk::CannedReplies;
use domain::api::routes::desk_api;
use std::sync::Arc;

/// `GET /api/desk/conversations/{id}/suggestion`.
pub async fn suggestion(
    State(service): State<Arc<SupportService>>,
    State(metrics): State<crate::services::metrics::Metrics>,
    user: DeskUser,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = user.sees(&service.store(), &id).await {
        return r;
    }
    match service.store().conversation_summary(&id).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return crate::http::error::error(
                axum::http::StatusCode::NOT_FOUND,
                "There is no such conversation.",
            );
        }
        Err(e) => return unavailable("Drafting a reply", e),
    }
    match crate::services::assist::suggest(&service.agent(), &id).await {
        Ok(reply) => {
            metrics.observe(
                "support_suggested_reply_seconds",
                vec![],
                reply.elapsed_ms / 1000.0,
            );
            Json(reply).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `GET /api/desk/conversations/{id}/canned`: the macros, filled for this conversation.
pub async fn canned(
    State(service): State<Arc<SupportService>>,
    user: DeskUser,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = user.sees(&service.store(), &id).await {
        return r;
    }
    let store = service.store();
    let facts = match crate::services::assist::facts(&store, &id, &user.staff.name).await {
        Ok(f) => f,
        Err(e) => return unavailable("Loading the canned replies", e),
    };
    match crate::services::assist::canned_replies(&store, &facts).await {
        Ok(replies) => Json(CannedReplies { replies }).into_response(),
        Err(e) => unavailable("Loading the canned replies", e),
    }
}

/// The suggested reply and the canned replies.
pub fn router() -> Router<ServerState> {
    Router::new()
        .route(desk_api::SUGGESTION.template(), get(suggestion))
        .route(desk_api::CANNED.template(), get(canned))
}
