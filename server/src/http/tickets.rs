//! The desk's tickets (staff): the list by status with each ticket's holder and due time, a
//! status change, and assignment to a person (oneself, or anyone for an administrator).

use crate::http::auth::Staff;
use crate::http::desk::unavailable;
use crate::http::error::{bad_body, error};
use crate::http::rate_limit::ClientIp;
use crate::services::audit::Audit;
use crate::services::support::SupportService;
use crate::state::ServerState;
use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::api::desk::{
    TicketAssign, TicketAssigned, TicketChanged, TicketList, TicketStatus, TicketStatusChange,
    TicketStatusChanged,
};
use domain::api::routes::desk_api;
use serde::Deserialize;
use std::sync::Arc;
use store::Store;

#[derive(Deserialize)]
pub struct TicketQuery {
    #[serde(default)]
    pub status: Option<String>,
}

/// `GET /api/desk/tickets?status=open|in_progress|resolved`.
pub async fn tickets(
    State(store): State<Store>,
    Staff(_): Staff,
    Query(q): Query<TicketQuery>,
) -> Response {
    let status = match q.status.as_deref().filter(|s| !s.is_empty() && *s != "all") {
        None => None,
        Some(s) => match s.parse::<TicketStatus>() {
            Ok(status) => Some(status),
            Err(_) => {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Unknown status; use open, in_progress or resolved.",
                );
            }
        },
    };
    match store.list_tickets(status, 200).await {
        Ok(tickets) => Json(TicketList { tickets }).into_response(),
        Err(e) => unavailable("Loading the tickets", e),
    }
}

/// `POST /api/desk/tickets/{id}/status` {status}.
pub async fn ticket_status(
    State(service): State<Arc<SupportService>>,
    Staff(staff): Staff,
    State(audit): State<Audit>,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    body: Result<Json<TicketStatusChange>, JsonRejection>,
) -> Response {
    let body = match body {
        Ok(Json(body)) => body,
        Err(rejection) => {
            return bad_body(
                &rejection,
                "Send {\"status\": \"open\" | \"in_progress\" | \"resolved\"}.",
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    match service.store().set_ticket_status(id, body.status).await {
        Ok(true) => {
            audit
                .staff(
                    &staff,
                    &ip,
                    "ticket.status",
                    &format!("ticket {id}"),
                    body.status.as_str(),
                )
                .await;
            service.hub().publish_to_staff(
                "ticket",
                &TicketChanged {
                    ticket_id: id,
                    status: body.status,
                    by: staff.name.clone(),
                },
            );
            Json(TicketStatusChanged {
                ticket_id: id,
                status: body.status,
            })
            .into_response()
        }
        Ok(false) => error(StatusCode::NOT_FOUND, "There is no such ticket."),
        Err(store::StoreError::Refused(m)) => error(StatusCode::UNPROCESSABLE_ENTITY, &m),
        Err(e) => unavailable("Changing the ticket", e),
    }
}

/// `POST /api/desk/tickets/{id}/assign` {staff_id}: a ticket to a person (`null`: nobody).
/// Anyone takes a ticket or lets it go; only an administrator gives it to someone else.
pub async fn ticket_assign(
    State(service): State<Arc<SupportService>>,
    Staff(staff): Staff,
    State(audit): State<Audit>,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    body: Result<Json<TicketAssign>, JsonRejection>,
) -> Response {
    let body = match body {
        Ok(Json(body)) => body,
        Err(rejection) => {
            return bad_body(
                &rejection,
                "Send {\"staff_id\": a person's number, or null for nobody}.",
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    if let Some(to) = body.staff_id
        && to != staff.id
        && !staff.is_admin()
    {
        return error(
            StatusCode::FORBIDDEN,
            "Only an administrator gives a ticket to someone else; take it yourself instead.",
        );
    }
    let store = service.store();
    let assignee = match body.staff_id {
        None => None,
        Some(to) => match store.staff(to).await {
            Ok(Some(person)) if person.active && !person.demo => Some(person),
            Ok(_) => {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "There is no active member of the team with that number.",
                );
            }
            Err(e) => return unavailable("Assigning the ticket", e),
        },
    };
    match store.assign_ticket(id, body.staff_id).await {
        Ok(true) => {
            let name = assignee.as_ref().map(|p| p.name.clone());
            audit
                .staff(
                    &staff,
                    &ip,
                    "ticket.assign",
                    &format!("ticket {id}"),
                    name.as_deref().unwrap_or("nobody"),
                )
                .await;
            match store.desk_ticket(id).await {
                Ok(Some(ticket)) => {
                    service.hub().publish_to_staff(
                        "ticket",
                        &TicketChanged {
                            ticket_id: id,
                            status: ticket.status,
                            by: staff.name.clone(),
                        },
                    );
                    Json(TicketAssigned { ticket }).into_response()
                }
                Ok(None) => error(StatusCode::NOT_FOUND, "There is no such ticket."),
                Err(e) => unavailable("Assigning the ticket", e),
            }
        }
        Ok(false) => error(StatusCode::NOT_FOUND, "There is no such ticket."),
        Err(e) => unavailable("Assigning the ticket", e),
    }
}

/// Tickets: the list, a status change, an assignment.
pub fn router() -> Router<ServerState> {
    Router::new()
        .route(desk_api::TICKETS.template(), get(tickets))
        .route(desk_api::TICKET_STATUS.template(), post(ticket_status))
        .route(desk_api::TICKET_ASSIGN.template(), post(ticket_assign))
}
