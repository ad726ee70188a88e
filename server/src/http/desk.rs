//! The support desk's API (staff only): the live conversation list, a transcript with its
//! tool trace and classification, claim / release / reply / resolve, tickets, analytics, the
//! live event stream, and (admins) API keys.

use crate::http::auth::Staff;
use crate::http::error::{Refused, bad_body, error, refuse};
use crate::http::rate_limit::ClientIp;
use crate::http::support::transcript_message;
use crate::services::audit::Audit;
use crate::services::live::LiveEvent;
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
    Analytics, ConversationChanged, ConversationEvent, ConversationFilter, ConversationList,
    ConversationSummary, MessageRole, ReplyRequest, ReplySent, StaffReply, TeamAction, TicketList,
    TicketStatus, TicketStatusChange, TicketStatusChanged, Transcript,
};
use domain::api::desk::{DeskHello, TicketChanged};
use domain::api::routes::desk_api;
use domain::api::support::ReplyMetadata;
use serde::Deserialize;
use std::sync::Arc;
use store::Store;
use store::operations::{ConversationView, HoldOutcome};

/// The longest reply a person may send (the customer's limit too).
pub const MAX_REPLY_CHARS: usize = support::agent::MAX_MESSAGE_CHARS;

pub(super) fn unavailable(what: &str, e: store::StoreError) -> Response {
    tracing::error!(error = %e, "desk: {what}");
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        &format!("{what} failed; try again."),
    )
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub view: Option<String>,
}

/// `GET /api/desk/conversations?view=all|unassigned|mine|escalated`.
pub async fn conversations(
    State(store): State<Store>,
    Staff(staff): Staff,
    Query(q): Query<ListQuery>,
) -> Response {
    let filter = match q
        .view
        .as_deref()
        .unwrap_or("all")
        .parse::<ConversationFilter>()
    {
        Ok(filter) => filter,
        Err(unknown) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!(
                    "Unknown view {:?}; use all, unassigned, mine or escalated.",
                    unknown.value
                ),
            );
        }
    };
    let view = match filter {
        ConversationFilter::All => ConversationView::All,
        ConversationFilter::Unassigned => ConversationView::Unassigned,
        ConversationFilter::Mine => ConversationView::Mine(staff.id),
        ConversationFilter::Escalated => ConversationView::Escalated,
    };
    match store.list_conversations(view, 200).await {
        Ok(conversations) => Json(ConversationList { conversations }).into_response(),
        Err(e) => unavailable("Loading the conversations", e),
    }
}

/// A conversation with its whole transcript and tickets (also the REST API's answer).
pub async fn transcript(store: &Store, id: &str) -> Result<Option<Transcript>, store::StoreError> {
    let Some(conversation) = store.conversation_summary(id).await? else {
        return Ok(None);
    };
    let messages = store.recent_messages(id, 1_000).await?;
    let tickets = store.tickets_for_conversation(id).await?;
    Ok(Some(Transcript {
        conversation,
        messages: messages.iter().filter_map(transcript_message).collect(),
        tickets,
    }))
}

/// `GET /api/desk/conversations/{id}`.
pub async fn conversation(
    State(store): State<Store>,
    Staff(_): Staff,
    Path(id): Path<String>,
) -> Response {
    match transcript(&store, &id).await {
        Ok(Some(t)) => Json(t).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "There is no such conversation."),
        Err(e) => unavailable("Loading the conversation", e),
    }
}

fn publish(
    service: &SupportService,
    kind: &'static str,
    summary: &ConversationSummary,
    detail: TeamAction,
    for_customer: bool,
) {
    let event = ConversationEvent {
        conversation: summary.clone(),
        detail,
    };
    service.hub().publish(LiveEvent {
        kind,
        conversation_id: Some(summary.id.clone()),
        data: serde_json::to_value(event).unwrap_or_default(),
        for_customer,
    });
}

fn by(name: &str) -> TeamAction {
    TeamAction::By {
        name: name.to_owned(),
    }
}

fn hold_answer(outcome: HoldOutcome) -> Result<ConversationSummary, Refused> {
    match outcome {
        HoldOutcome::Done(summary) => Ok(summary),
        HoldOutcome::NotFound => Err(refuse(
            StatusCode::NOT_FOUND,
            "There is no such conversation.",
        )),
        HoldOutcome::HeldBy(name) => Err(refuse(
            StatusCode::CONFLICT,
            &format!("{name} is handling this conversation."),
        )),
        HoldOutcome::NotHeld => Err(refuse(
            StatusCode::CONFLICT,
            "Nobody holds this conversation.",
        )),
        HoldOutcome::Closed => Err(refuse(
            StatusCode::CONFLICT,
            "This conversation is resolved; it reopens when the customer writes again.",
        )),
    }
}

/// `POST /api/desk/conversations/{id}/claim`: the agent stops answering; the customer is told
/// a person has joined.
pub async fn claim(
    State(service): State<Arc<SupportService>>,
    State(metrics): State<crate::services::metrics::Metrics>,
    Staff(staff): Staff,
    State(audit): State<Audit>,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Response {
    let outcome = match service.store().claim_conversation(&id, staff.id).await {
        Ok(o) => o,
        Err(e) => return unavailable("Claiming the conversation", e),
    };
    match hold_answer(outcome) {
        Ok(summary) => {
            tracing::info!(staff_id = staff.id, conversation = %id, "conversation claimed");
            audit
                .staff(&staff, &ip, "conversation.claim", &id, "")
                .await;
            metrics.count(
                "support_desk_actions_total",
                vec![("action", "claim".into())],
                1.0,
            );
            publish(&service, "claimed", &summary, by(&staff.name), true);
            Json(ConversationChanged {
                conversation: summary,
            })
            .into_response()
        }
        Err(r) => *r,
    }
}

/// `POST /api/desk/conversations/{id}/release`: back to the agent (its holder, or an admin).
pub async fn release(
    State(service): State<Arc<SupportService>>,
    State(metrics): State<crate::services::metrics::Metrics>,
    Staff(staff): Staff,
    State(audit): State<Audit>,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Response {
    let outcome = match service
        .store()
        .release_conversation(&id, staff.id, staff.is_admin())
        .await
    {
        Ok(o) => o,
        Err(e) => return unavailable("Releasing the conversation", e),
    };
    match hold_answer(outcome) {
        Ok(summary) => {
            publish(&service, "released", &summary, by(&staff.name), true);
            audit
                .staff(&staff, &ip, "conversation.release", &id, "")
                .await;
            metrics.count(
                "support_desk_actions_total",
                vec![("action", "release".into())],
                1.0,
            );
            Json(ConversationChanged {
                conversation: summary,
            })
            .into_response()
        }
        Err(r) => *r,
    }
}

/// Closes a conversation and its tickets; the customer sees it end.
pub async fn resolve_conversation(
    service: &SupportService,
    id: &str,
    by: &str,
) -> Result<ConversationSummary, Refused> {
    match service.store().resolve_conversation(id).await {
        Ok(Some(summary)) => {
            publish(service, "resolved", &summary, self::by(by), true);
            Ok(summary)
        }
        Ok(None) => Err(refuse(
            StatusCode::NOT_FOUND,
            "There is no such conversation.",
        )),
        Err(e) => Err(Box::new(unavailable("Resolving the conversation", e))),
    }
}

/// `POST /api/desk/conversations/{id}/resolve`.
pub async fn resolve(
    State(service): State<Arc<SupportService>>,
    State(metrics): State<crate::services::metrics::Metrics>,
    Staff(staff): Staff,
    State(audit): State<Audit>,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Response {
    match resolve_conversation(&service, &id, &staff.name).await {
        Ok(summary) => {
            audit
                .staff(&staff, &ip, "conversation.resolve", &id, "")
                .await;
            metrics.count(
                "support_desk_actions_total",
                vec![("action", "resolve".into())],
                1.0,
            );
            Json(ConversationChanged {
                conversation: summary,
            })
            .into_response()
        }
        Err(r) => *r,
    }
}

/// `POST /api/desk/conversations/{id}/reply` {text}: stored as the person's message and pushed
/// to the customer's open chat. Replying to a conversation nobody holds claims it first.
pub async fn reply(
    State(service): State<Arc<SupportService>>,
    State(metrics): State<crate::services::metrics::Metrics>,
    Staff(staff): Staff,
    State(audit): State<Audit>,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    body: Result<Json<ReplyRequest>, JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return error(StatusCode::BAD_REQUEST, "Send {\"text\": \"...\"}.");
    };
    let text = body.text.trim();
    if text.is_empty() {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "Type a reply first.");
    }
    if text.chars().count() > MAX_REPLY_CHARS {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("Replies are limited to {MAX_REPLY_CHARS} characters."),
        );
    }
    let store = service.store();
    let was_held = match store.conversation_holder(&id).await {
        Ok(holder) => holder.is_some(),
        Err(e) => return unavailable("Sending the reply", e),
    };
    let summary = match store.claim_conversation(&id, staff.id).await {
        Ok(outcome) => match hold_answer(outcome) {
            Ok(s) => s,
            Err(r) => return *r,
        },
        Err(e) => return unavailable("Sending the reply", e),
    };
    if !was_held {
        publish(&service, "claimed", &summary, by(&staff.name), true);
    }
    let metadata = ReplyMetadata {
        author: Some(staff.name.clone()),
        staff_id: Some(staff.id),
        ..ReplyMetadata::default()
    };
    let metadata = serde_json::to_string(&metadata).unwrap_or_default();
    let message_id = match store.append_message(&id, "agent", text, &metadata).await {
        Ok(m) => m,
        Err(e) => return unavailable("Sending the reply", e),
    };
    let message = StaffReply {
        id: message_id,
        role: MessageRole::Agent,
        text: text.to_owned(),
        html: markdown::to_safe_html(text),
        author: staff.name.clone(),
        created_at: chrono::Utc::now(),
    };
    publish(
        &service,
        "message",
        &summary,
        TeamAction::Reply(message.clone()),
        true,
    );
    metrics.count(
        "support_desk_actions_total",
        vec![("action", "reply".into())],
        1.0,
    );
    let detail = format!("message {message_id}, {} characters", text.chars().count());
    audit
        .staff(&staff, &ip, "conversation.reply", &id, &detail)
        .await;
    Json(ReplySent {
        message,
        conversation: summary,
    })
    .into_response()
}

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

#[derive(Deserialize)]
pub struct AnalyticsQuery {
    /// The last N days (1-365); default 7.
    #[serde(default)]
    pub days: Option<i64>,
}

/// `GET /api/desk/analytics?days=N`.
pub async fn analytics(
    State(store): State<Store>,
    Staff(_): Staff,
    Query(q): Query<AnalyticsQuery>,
) -> Response {
    let days = q.days.unwrap_or(7);
    if !(1..=365).contains(&days) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a period of 1 to 365 days.",
        );
    }
    let to = chrono::Utc::now() + chrono::Duration::seconds(1);
    let from = to - chrono::Duration::days(days);
    let rows = match (
        store.analytics_rows(from, to).await,
        store.feedback_between(from, to).await,
    ) {
        (Ok(rows), Ok(feedback)) => (rows, feedback),
        (Err(e), _) | (_, Err(e)) => return unavailable("Computing the analytics", e),
    };
    let ((conversations, messages), feedback) = rows;
    let mut titles = std::collections::BTreeMap::new();
    for row in feedback
        .iter()
        .filter(|r| r.kind == "rating" && r.score <= 2)
    {
        if let Ok(Some(c)) = store.conversation(&row.conversation_id).await {
            titles.insert(c.id, c.title);
        }
    }
    let ratings: std::collections::HashMap<String, i64> = feedback
        .iter()
        .filter(|r| r.kind == "rating")
        .map(|r| (r.conversation_id.clone(), r.score))
        .collect();
    let mut analytics =
        crate::services::analytics::compute(from, to, &conversations, &messages, &ratings);
    analytics.feedback = crate::services::feedback::figures(&feedback, &titles);
    Json::<Analytics>(analytics).into_response()
}

/// `GET /api/desk/events`: every conversation, ticket and knowledge-base event, live.
pub async fn events(
    State(service): State<Arc<SupportService>>,
    Staff(staff): Staff,
    headers: axum::http::HeaderMap,
) -> Response {
    let last_seen = crate::http::live::last_event_id(&headers);
    let hello = DeskHello { staff: staff.name };
    crate::http::live::stream(service.hub(), &hello, last_seen, |_| true).await
}

/// The support desk (staff): conversations and their hand-off, tickets, analytics and the live
/// stream. (API keys are `http::api_keys`'s.)
pub fn router() -> Router<ServerState> {
    Router::new()
        .route(desk_api::CONVERSATIONS.template(), get(conversations))
        .route(desk_api::CONVERSATION.template(), get(conversation))
        .route(desk_api::CLAIM.template(), post(claim))
        .route(desk_api::RELEASE.template(), post(release))
        .route(desk_api::RESOLVE.template(), post(resolve))
        .route(desk_api::REPLY.template(), post(reply))
        .route(desk_api::TICKETS.template(), get(tickets))
        .route(desk_api::TICKET_STATUS.template(), post(ticket_status))
        .route(desk_api::ANALYTICS.template(), get(analytics))
        .route(desk_api::EVENTS.template(), get(events))
}
