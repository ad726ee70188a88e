//! The conversation list (all, unassigned, mine, escalated) and one conversation's transcript
//! with its tool trace and classification: take over, hand back, reply, resolve.

use super::{BUTTON, CARD, DeskState, GHOST, INPUT};
use domain::api::desk::{
    ConversationFilter, ConversationList, ConversationSearchParams, ConversationStatus, Transcript,
};
use domain::api::support::{MessageRole, TranscriptMessage};
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::components::{http, task};
#[cfg(feature = "hydrate")]
use domain::api::routes::desk_api;

fn status_chip(status: ConversationStatus, holder: Option<&str>) -> impl IntoView + use<> {
    let (class, label) = match (status, holder) {
        (ConversationStatus::Closed, _) => (
            "bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100",
            "resolved".to_string(),
        ),
        (_, Some(name)) => (
            "bg-indigo-100 text-indigo-800 dark:bg-indigo-900 dark:text-indigo-100",
            format!("with {name}"),
        ),
        (ConversationStatus::Escalated, None) => (
            "bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100",
            "needs a person".to_string(),
        ),
        (ConversationStatus::Open, None) => (
            "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-200",
            "agent".to_string(),
        ),
    };
    view! { <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {class}") data-testid="status">{label}</span> }
}

#[component]
pub(super) fn Conversations() -> impl IntoView {
    let desk = expect_context::<DeskState>();
    let search = RwSignal::new(ConversationSearchParams::default());
    let list = RwSignal::new(None::<ConversationList>);
    let selected = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let view_of = move || {
        search
            .with(|s| s.view.clone())
            .and_then(|v| v.parse::<ConversationFilter>().ok())
            .unwrap_or(ConversationFilter::All)
    };

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let params = search.get();
        desk.tick.track();
        // Cancelled when the search changes again or the tab is left: a slower answer for a
        // search no longer shown must not overwrite the current one.
        task::spawn_scoped(async move {
            let url = params
                .pairs()
                .into_iter()
                .fold(desk_api::CONVERSATIONS.url(&[]), |url, (k, v)| {
                    url.query(k, &v)
                });
            match http::ask(url).await {
                Ok(body) => {
                    list.set(Some(body));
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = desk;
    // Each conversation of the page with where it matched the words searched for, if it did.
    let conversations = move || {
        list.with(|l| {
            l.as_ref()
                .map(|l| {
                    l.conversations
                        .iter()
                        .map(|c| {
                            let snippet = l
                                .snippets
                                .iter()
                                .find(|s| s.conversation_id == c.id)
                                .map(|s| s.parts.clone());
                            (c.clone(), snippet)
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };

    view! {
        <div class="grid gap-4 lg:grid-cols-[24rem_1fr]">
            <section class=CARD aria-label="Conversations">
                <div class="mb-3 flex flex-wrap gap-1" role="group" aria-label="Show">
                    {ConversationFilter::ALL.iter().copied().map(|f| view! {
                        <button type="button" class=move || if view_of() == f { "rounded-full bg-slate-800 px-3 py-1 text-xs font-medium text-white dark:bg-slate-200 dark:text-slate-900" } else { "rounded-full border border-slate-300 px-3 py-1 text-xs dark:border-slate-600" }
                            aria-pressed=move || (view_of() == f).to_string()
                            on:click=move |_| search.update(|s| { s.view = Some(f.as_str().to_owned()); s.page = None; })>{f.as_str()}</button>
                    }).collect_view()}
                </div>
                <super::search::SearchBar search/>
                <Show when=move || error.get().is_some()>
                    <p role="alert" class="text-sm text-red-700 dark:text-red-300">{move || error.get()}</p>
                </Show>
                <Show when=move || list.with(|l| l.as_ref().is_some_and(|l| l.conversations.is_empty()))>
                    <p class="text-sm text-slate-600 dark:text-slate-400" data-testid="no-conversations">{move || if search.with(|s| s.pairs().iter().any(|(k, _)| *k != "view")) { "Nothing matches this search." } else { "No conversations here yet." }}</p>
                </Show>
                <ul class="max-h-[36rem] space-y-1 overflow-y-auto" data-testid="conversation-list">
                    {move || conversations().into_iter().map(|(c, snippet)| {
                        let id = c.id.clone();
                        let id_for_click = id.clone();
                        let is_selected = { let id = id.clone(); move || selected.get().as_deref() == Some(id.as_str()) };
                        view! {
                            <li>
                                <button type="button" data-testid="conversation-item" data-id=id.clone()
                                    class="w-full rounded-lg px-3 py-2 text-left text-sm hover:bg-slate-100 dark:hover:bg-slate-800"
                                    class=("bg-indigo-50", is_selected.clone()) class=("dark:bg-indigo-950", is_selected)
                                    on:click=move |_| { selected.set(Some(id_for_click.clone())); desk.unread.set(0); }>
                                    <div class="flex items-center justify-between gap-2">
                                        <span class="truncate font-medium">{c.title.clone()}</span>
                                        {status_chip(c.status, c.assigned_name.as_deref())}
                                    </div>
                                    <div class="mt-0.5 flex justify-between text-xs text-slate-600 dark:text-slate-400">
                                        <span class="truncate">{c.customer_email.clone().unwrap_or_else(|| "anonymous".into())}</span>
                                        <span>{format!("{} messages", c.message_count)}</span>
                                    </div>
                                    {snippet.map(|parts| view! {
                                        <p class="mt-1 line-clamp-2 text-xs text-slate-700 dark:text-slate-300" data-testid="search-snippet">
                                            {parts.into_iter().map(|p| if p.hit {
                                                Either::Left(view! { <mark class="rounded bg-amber-200 px-0.5 text-slate-900 dark:bg-amber-300">{p.text}</mark> })
                                            } else {
                                                Either::Right(p.text)
                                            }).collect_view()}
                                        </p>
                                    })}
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {move || list.get().map(|l| view! { <super::search::Pager list=l search/> })}
            </section>
            <section class=CARD aria-label="Conversation">
                {move || match selected.get() {
                    None => Either::Left(view! { <p class="text-sm text-slate-600 dark:text-slate-400">"Choose a conversation to read it, take it over and reply."</p> }),
                    Some(id) => Either::Right(view! { <ConversationDetail id/> }),
                }}
            </section>
        </div>
    }
}

fn message_view(m: &TranscriptMessage) -> impl IntoView + use<> {
    let text = m.text.clone();
    let html = m.html.clone().unwrap_or_default();
    let chips = m.classification.as_ref().map(|c| {
        format!(
            "{} · {} priority · {}{}{}",
            c.category.replace('_', " "),
            c.priority,
            c.sentiment,
            if c.escalate { " · needs a person" } else { "" },
            m.language
                .as_deref()
                .map(|l| format!(" · written in {l}"))
                .unwrap_or_default()
        )
    });
    let tools: Vec<String> = m
        .tools
        .iter()
        .flatten()
        .map(|t| {
            format!(
                "{} {} — {}",
                if t.ok { "✓" } else { "✗" },
                t.tool,
                t.summary
            )
        })
        .collect();
    match m.role {
        MessageRole::User => EitherOf3::A(view! {
            <div class="flex flex-col items-start" data-testid="desk-customer-message">
                <span class="text-xs text-slate-600 dark:text-slate-400">"Customer"</span>
                <div class="max-w-[85%] whitespace-pre-wrap rounded-2xl rounded-tl-sm bg-slate-100 px-3 py-2 text-sm dark:bg-slate-800">{text}</div>
                {chips.map(|c| view! { <span class="mt-0.5 text-xs text-slate-600 dark:text-slate-400" data-testid="desk-classification">{c}</span> })}
            </div>
        }),
        MessageRole::Agent => EitherOf3::B(view! {
            <div class="flex flex-col items-end" data-testid="desk-agent-message">
                <span class="text-xs text-slate-600 dark:text-slate-400">{format!("{} (team)", m.author.as_deref().unwrap_or("Team"))}</span>
                <div class="prose-chat max-w-[85%] rounded-2xl rounded-tr-sm bg-emerald-600 px-3 py-2 text-sm text-white" inner_html=html></div>
            </div>
        }),
        MessageRole::Assistant => EitherOf3::C(view! {
            <div class="flex flex-col items-end" data-testid="desk-assistant-message">
                <span class="text-xs text-slate-600 dark:text-slate-400">{format!("Agent · {}", m.backend.as_deref().unwrap_or(""))}</span>
                <div class="prose-chat max-w-[85%] rounded-2xl rounded-tr-sm bg-indigo-50 px-3 py-2 text-sm dark:bg-indigo-950" inner_html=html></div>
                {(!tools.is_empty()).then(|| view! {
                    <details class="mt-1 max-w-[85%] text-xs text-slate-600 dark:text-slate-300" data-testid="desk-tool-trace">
                        <summary class="cursor-pointer">{format!("Tools ({})", tools.len())}</summary>
                        <ul class="mt-1 space-y-0.5 font-mono">{tools.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
                    </details>
                })}
            </div>
        }),
    }
}

/// What a button on the detail asks of the server.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Claim,
    Release,
    Resolve,
    Reply,
}

#[component]
fn ConversationDetail(id: String) -> impl IntoView {
    let desk = expect_context::<DeskState>();
    let detail = RwSignal::new(None::<Transcript>);
    let draft = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let id = StoredValue::new(id);

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        desk.tick.track();
        let id = id.get_value();
        task::spawn_scoped(async move {
            match http::ask::<Transcript>(desk_api::CONVERSATION.url(&[&id])).await {
                Ok(t) => detail.set(Some(t)),
                Err(e) => error.set(Some(e)),
            }
        });
    });

    let act = move |action: Action, reply: Option<String>| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let id = id.get_value();
            let sent = reply.clone();
            let answer = match (action, reply) {
                (Action::Reply, Some(text)) => http::send(
                    desk_api::REPLY.url(&[&id]),
                    &domain::api::desk::ReplyRequest { text },
                )
                .await
                .map(drop),
                (Action::Reply, None) => Ok(()),
                (Action::Claim, _) => http::ask(desk_api::CLAIM.url(&[&id])).await.map(drop),
                (Action::Release, _) => http::ask(desk_api::RELEASE.url(&[&id])).await.map(drop),
                (Action::Resolve, _) => http::ask(desk_api::RESOLVE.url(&[&id])).await.map(drop),
            };
            match answer {
                Ok(()) => {
                    // Empty the box only if it still holds what was sent: what the person
                    // typed while the reply was on its way stays.
                    if let (Action::Reply, Some(sent)) = (action, sent) {
                        draft.update(|d| {
                            if *d == sent {
                                d.clear();
                            }
                        });
                    }
                    desk.refresh();
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (action, reply, desk);
    };
    let canned = super::assist::Canned::new(id, draft);
    let send_reply = move || {
        let text = draft.get_untracked();
        // A `/` command is never sent as a reply by accident.
        if text.trim().is_empty() || text.starts_with('/') {
            return;
        }
        act(Action::Reply, Some(text));
    };
    let me_id = move || desk.me.with(|m| m.as_ref().map(|m| m.id));
    #[cfg(not(feature = "hydrate"))]
    let _ = id;

    view! {
        {move || detail.get().map(|d| {
            let c = d.conversation;
            let holder = c.assigned_to;
            let mine = holder.is_some() && holder == me_id();
            let open = c.status != ConversationStatus::Closed;
            let holder_name = c.assigned_name.clone();
            view! {
                <div class="mb-3 flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 pb-3 dark:border-slate-700">
                    <div>
                        <h2 class="font-semibold" data-testid="detail-title">{c.title.clone()}</h2>
                        <p class="text-xs text-slate-600 dark:text-slate-400">{format!("{} · {}", c.customer_email.as_deref().unwrap_or("anonymous customer"), c.id)}</p>
                    </div>
                    <div class="flex flex-wrap items-center gap-2">
                        {status_chip(c.status, holder_name.as_deref())}
                        {(holder.is_none() && open).then(|| view! { <button type="button" class=BUTTON data-testid="claim" disabled=move || busy.get() on:click=move |_| act(Action::Claim, None)>"Take over"</button> })}
                        {(mine || (holder.is_some() && desk.is_admin())).then(|| view! { <button type="button" class=GHOST data-testid="release" disabled=move || busy.get() on:click=move |_| act(Action::Release, None)>"Hand back to the agent"</button> })}
                        {open.then(|| view! { <button type="button" class=GHOST data-testid="resolve" disabled=move || busy.get() on:click=move |_| act(Action::Resolve, None)>"Resolve"</button> })}
                    </div>
                </div>
                {d.summary.clone().map(|text| view! {
                    <details class="mb-3 rounded-lg bg-slate-50 p-2 text-sm dark:bg-slate-800" open data-testid="conversation-summary">
                        <summary class="cursor-pointer text-xs font-medium text-slate-700 dark:text-slate-300">
                            {format!("Summary{}", d.summary_at.map(|t| format!(" ({})", t.format("%Y-%m-%d %H:%M"))).unwrap_or_default())}
                        </summary>
                        <p class="mt-1">{text}</p>
                    </details>
                })}
                <div class="max-h-[28rem] space-y-3 overflow-y-auto pr-1" data-testid="transcript">
                    {d.messages.iter().map(message_view).collect_view()}
                </div>
                {(!d.tickets.is_empty()).then(|| view! {
                    <div class="mt-3 text-xs text-slate-600 dark:text-slate-300" data-testid="detail-tickets">
                        {d.tickets.iter().map(|t| view! { <p>{format!("Ticket #{} · {} · {} priority · {}", t.id, t.subject, t.priority, t.status)}</p> }).collect_view()}
                    </div>
                })}
                {(holder.is_some() && !mine).then(|| view! {
                    <p class="mt-3 rounded bg-amber-50 p-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">{format!("{} is handling this conversation.", holder_name.clone().unwrap_or_default())}</p>
                })}
            }
        })}
        <Show when=move || error.get().is_some()>
            <p role="alert" class=format!("mt-2 {}", super::ALERT)>{move || error.get()}</p>
        </Show>
        <super::assist::SuggestButton id draft/>
        <form class="mt-2 flex gap-2" on:submit=move |ev| { ev.prevent_default(); send_reply(); }>
            <label for="desk-reply" class="sr-only">"Reply to the customer"</label>
            <textarea id="desk-reply" rows="3" maxlength="4000" class=INPUT data-testid="reply-input"
                placeholder="Reply as yourself (Enter sends, Shift+Enter for a new line, / for canned replies). Replying takes the conversation over."
                prop:value=move || draft.get() on:input=move |ev| { draft.set(event_target_value(&ev)); canned.typed(); }
                on:keydown=move |ev| {
                    if canned.key(&ev.key()) {
                        ev.prevent_default();
                    } else if ev.key() == "Enter" && !ev.shift_key() {
                        ev.prevent_default();
                        send_reply();
                    }
                }></textarea>
            <button type="submit" class=BUTTON data-testid="reply-send" disabled=move || busy.get()>"Send"</button>
        </form>
        <super::assist::CannedMenu canned/>
    }
}
