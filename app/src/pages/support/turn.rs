//! What happens once the customer writes: the turn's event stream (the agent's tools, text,
//! citations, card) and the team's live stream (a person joins, replies, leaves, resolves).
//! Loaded on first use (`later`).

use super::{Chat, Line, ProposalView, ToolView};
use crate::components::live::LiveStream;
use domain::api::desk::{CustomerHello, TeamAction};
use domain::api::support::{ChatRequest, TurnDone, TurnFailed, TurnFrame};
use leptos::prelude::{GetUntracked, Set, Update};
use web_sys::AbortController;

/// Sends one message (or a card's answer) and reads the turn until it ends: the reply as it
/// streams, then the stored line, or the reason there is none.
pub(super) async fn read_turn(request: ChatRequest, controller: AbortController, chat: Chat) {
    let mut proposal: Option<ProposalView> = None;
    let mut citations = Vec::new();
    let mut turn_backend = None;
    let mut done: Option<TurnDone> = None;
    let mut failed = None;
    let result = crate::components::sse::post_events(
        domain::api::routes::support_chat::CHAT.url(&[]),
        &request,
        &controller.signal(),
        |name, data| match name {
            "done" => done = serde_json::from_str::<TurnDone>(data).ok(),
            "error" => {
                failed = Some(
                    serde_json::from_str::<TurnFailed>(data)
                        .map(|f| f.message)
                        .unwrap_or_else(|_| "Something went wrong.".into()),
                )
            }
            _ => match serde_json::from_str::<TurnFrame>(data) {
                Ok(TurnFrame::Meta { backend: b, .. }) => {
                    chat.backend.set(b.clone());
                    turn_backend = Some(b);
                }
                Ok(TurnFrame::Classification(c)) => chat.lines.update(|l| {
                    if let Some(last) = l.iter_mut().rev().find(|x| x.role == "user") {
                        last.classification = Some(c);
                    }
                }),
                Ok(TurnFrame::ToolStarted {
                    name, arguments, ..
                }) => chat.live_tools.update(|t| {
                    t.push(ToolView {
                        tool: name,
                        arguments,
                        ok: true,
                        summary: "running…".into(),
                        elapsed_ms: 0.0,
                    })
                }),
                Ok(TurnFrame::ToolFinished { outcome, .. }) => chat.live_tools.update(|t| {
                    if let Some(slot) = t
                        .iter_mut()
                        .rev()
                        .find(|x| x.tool == outcome.tool && x.summary == "running…")
                    {
                        *slot = outcome;
                    }
                }),
                Ok(TurnFrame::Text { text }) => chat.live_text.update(|t| t.push_str(&text)),
                Ok(TurnFrame::Citations { citations: c }) => citations = c,
                Ok(TurnFrame::Suggestions { suggestions: s }) => chat.suggestions.set(s),
                Ok(TurnFrame::Escalated { .. }) => chat.escalated.set(true),
                Ok(TurnFrame::Proposal { proposal: p }) => proposal = Some(p),
                Ok(TurnFrame::Held { name }) => chat.held_by.set(Some(name)),
                // A frame this page does not know (a newer server): skipped.
                Err(_) => {}
            },
        },
    )
    .await;
    match (result, done, failed) {
        // A person holds the conversation: the message went to them, no agent reply.
        (_, Some(d), _) if d.held_by.is_some() => {}
        (_, Some(d), _) => {
            let tools = chat.live_tools.get_untracked();
            // A new card replaces the one waiting; other replies leave it waiting.
            if let Some(p) = &proposal {
                chat.pending_proposal.set(Some(p.id.clone()));
            }
            let text = chat.live_text.get_untracked();
            if !text.trim().is_empty() {
                chat.read_aloud(text.clone());
            }
            chat.lines.update(|l| {
                l.push(Line {
                    id: Some(d.message_id),
                    role: "assistant".into(),
                    text,
                    html: Some(d.html),
                    tools: Some(tools),
                    citations: Some(citations),
                    backend: turn_backend,
                    elapsed_ms: Some(d.elapsed_ms),
                    proposal,
                    ..Default::default()
                })
            });
        }
        (_, None, Some(message)) | (Err(message), None, None) => chat.error.set(Some(message)),
        (Ok(()), None, None) => chat
            .error
            .set(Some("The reply was cut off; please try again.".into())),
    }
    chat.live_tools.set(Vec::new());
    chat.live_text.set(String::new());
    chat.busy.set(false);
}

/// Opens the team's side of the conversation, live. `None` when the browser refused the stream.
pub(super) fn open_team_stream(chat: Chat) -> Option<LiveStream> {
    crate::components::live::listen(
        domain::api::routes::support_chat::EVENTS.url(&[]),
        &["hello", "claimed", "released", "resolved", "message"],
        move |event, data| {
            if event == "hello" {
                if let Ok(hello) = serde_json::from_str::<CustomerHello>(data) {
                    chat.held_by.set(hello.held_by);
                }
                return;
            }
            let Some(action) = TeamAction::read(data) else {
                return;
            };
            let name = action.name().to_owned();
            match (event, action) {
                ("claimed", _) => {
                    chat.held_by.set(Some(name.clone()));
                    chat.team_notice.set(Some(format!(
                        "{name} from our team has joined the conversation."
                    )));
                }
                ("released", _) => {
                    chat.held_by.set(None);
                    chat.team_notice.set(Some(format!(
                        "{name} handed the conversation back to our assistant."
                    )));
                }
                ("resolved", _) => {
                    chat.held_by.set(None);
                    chat.escalated.set(false);
                    chat.marks.resolved.set(true);
                    chat.team_notice.set(Some(
                        "Our team marked this conversation as resolved. Write again any time."
                            .into(),
                    ));
                }
                ("message", TeamAction::Reply(reply)) => {
                    chat.read_aloud(reply.text.clone());
                    let line = Line {
                        role: "agent".into(),
                        text: reply.text,
                        html: Some(reply.html),
                        author: Some(reply.author),
                        ..Default::default()
                    };
                    chat.lines.update(|l| l.push(line));
                }
                _ => {}
            }
        },
        || {},
    )
}
