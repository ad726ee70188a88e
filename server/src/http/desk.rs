//! The support desk's conversations: the list and its search, a transcript with its tool trace,
//! classification and summary, claim / release / reply / resolve, and the live event stream
//! (tickets, analytics, assist and alerts have their own modules).

use crate::http::auth::DeskUser;
use crate::http::error::{Refused, error, refuse};
use crate::http::rate_limit::ClientIp;
use crate::http::support::transcript_message;
use crate::services::audit::Audit;
use crate::services::live::LiveEvent;
use crate::services::search::Searcher;
use crate::services::support::SupportService;
use crate::state::ServerState;
use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::api::desk::DeskHello;
use domain::api::desk::{
    ConversationChanged, ConversationEvent, ConversationList, ConversationSearchParams,
    ConversationSummary, MessageRole, ReplyRequest, ReplySent, StaffReply, TeamAction, Transcript,
};
use domain::api::routes::desk_api;
use domain::api::support::ReplyMetadata;
use std::sync::Arc;
use store::Store;
use store::operations::HoldOutcome;

/// The longest reply a person may send (the customer's limit too).
pub const MAX_REPLY_CHARS: usize = support::agent::MAX_MESSAGE_CHARS;

pub(super) fn unavailable(what: &str, e: store::StoreError) -> Response {
    tracing::error!(error = %e, "desk: {what}");
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        &format!("{what} failed; try again."),
    )
}

/// `GET /api/desk/conversations?view=&q=&status=&assignee=&category=&priority=&rating=&from=&to=&page=`:
/// a page of the conversations that match (a demo account: of its own browser's only).
pub async fn conversations(
    State(store): State<Store>,
    user: DeskUser,
    Query(params): Query<ConversationSearchParams>,
) -> Response {
    let who = Searcher {
        staff_id: user.staff.id,
        sandbox: user.sandbox.as_deref(),
    };
    let (page, search) = match crate::services::search::parse(&params, &who) {
        Ok(parsed) => parsed,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()),
    };
    match store.search_conversations(&search).await {
        Ok(found) => Json(ConversationList {
            conversations: found.conversations,
            total: found.total,
            page,
            per_page: crate::services::search::PER_PAGE,
            snippets: found.snippets,
        })
        .into_response(),
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
    let summary = store.handover_summary(id).await?;
    Ok(Some(Transcript {
        conversation,
        summary: summary.as_ref().map(|(text, _)| text.clone()),
        summary_at: summary.map(|(_, at)| at),
        messages: messages.iter().filter_map(transcript_message).collect(),
        tickets,
    }))
}

/// `GET /api/desk/conversations/{id}`.
pub async fn conversation(
    State(store): State<Store>,
    user: DeskUser,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = user.sees(&store, &id).await {
        return r;
    }
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
    user: DeskUser,
    State(audit): State<Audit>,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = user.sees(&service.store(), &id).await {
        return r;
    }
    let staff = user.staff;
    let outcome = match service.store().claim_conversation(&id, staff.id).await {
        Ok(o) => o,
        Err(e) => return unavailable("Claiming the conversation", e),
    };
    match hold_answer(outcome) {
        Ok(summary) => {
            tracing::info!(staff_id = staff.id, conversation = %id, "conversation claimed");
            crate::services::assist::write_summary(&service.store(), &id).await;
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
    user: DeskUser,
    State(audit): State<Audit>,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = user.sees(&service.store(), &id).await {
        return r;
    }
    let staff = user.staff;
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
            if service.keeps_transcripts() {
                crate::services::assist::write_summary(&service.store(), id).await;
            } else if let Err(e) = service.store().drop_transcript(id).await {
                // Housekeeping tries again once the conversation has been idle for a day.
                tracing::error!(error = %e, conversation = id, "cannot remove a resolved transcript");
            }
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
    user: DeskUser,
    State(audit): State<Audit>,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = user.sees(&service.store(), &id).await {
        return r;
    }
    let staff = user.staff;
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
    user: DeskUser,
    State(audit): State<Audit>,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    body: Result<Json<ReplyRequest>, JsonRejection>,
) -> Response {
    if let Err(r) = user.sees(&service.store(), &id).await {
        return r;
    }
    let staff = user.staff;
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
        crate::services::assist::write_summary(&store, &id).await;
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

/// `GET /api/desk/events`: every conversation, ticket and knowledge-base event, live.
pub async fn events(
    State(service): State<Arc<SupportService>>,
    user: DeskUser,
    headers: axum::http::HeaderMap,
) -> Response {
    let last_seen = crate::http::live::last_event_id(&headers);
    let hello = DeskHello {
        staff: user.staff.name,
    };
    let Some(visitor) = user.sandbox else {
        return crate::http::live::stream(service.hub(), &hello, last_seen, |_| {
            std::future::ready(true)
        })
        .await;
    };
    // A demo account hears only about the conversations its own browser started.
    let store = service.store().clone();
    crate::http::live::stream(service.hub(), &hello, last_seen, move |event| {
        let store = store.clone();
        let visitor = visitor.clone();
        let conversation = event.conversation_id.clone();
        async move {
            match conversation {
                Some(id) => store
                    .conversation_of_visitor(&id, &visitor)
                    .await
                    .unwrap_or(false),
                None => false,
            }
        }
    })
    .await
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
        .route(desk_api::EVENTS.template(), get(events))
}
