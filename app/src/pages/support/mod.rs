//! Customer Support: a chat with the store's agent. Each reply shows the tools it called (with
//! arguments, result, time and success), the knowledge-base passages it cites, the message's
//! classification, and which backend answered. The conversation lives on the server per browser
//! session, so a reload resumes it.

mod feedback;
mod inbox;
#[cfg(feature = "hydrate")]
mod later;
#[cfg(feature = "hydrate")]
mod lines;
#[cfg(feature = "hydrate")]
mod turn;

pub use inbox::SupportInboxPage;

use crate::components::page_header::PageHeader;
use crate::components::voice::{VoiceInput, VoiceSettings};
use leptos::prelude::*;

// The parts of a reply, typed once for the server and the page (`domain::api::support`).
use domain::api::support::{
    Citation as CitationView, Classification as ClassificationView, ProposalCard as ProposalView,
    ToolTrace as ToolView,
};

/// One line on screen: a stored transcript line, or one this page is still writing (the
/// customer's message before the server has it, the reply as it streams).
#[derive(Clone, Debug, Default, PartialEq)]
struct Line {
    /// The stored message's id (none until the server has it).
    id: Option<i64>,
    /// user, assistant, or agent (a person of the team).
    role: String,
    text: String,
    html: Option<String>,
    classification: Option<ClassificationView>,
    tools: Option<Vec<ToolView>>,
    citations: Option<Vec<CitationView>>,
    backend: Option<String>,
    elapsed_ms: Option<f64>,
    /// A person of the team, for their replies (role "agent").
    author: Option<String>,
    proposal: Option<ProposalView>,
}

impl From<domain::api::support::TranscriptMessage> for Line {
    fn from(m: domain::api::support::TranscriptMessage) -> Line {
        Line {
            id: Some(m.id),
            role: m.role.as_str().to_owned(),
            text: m.text,
            html: m.html,
            classification: m.classification,
            tools: m.tools,
            citations: m.citations,
            backend: m.backend,
            elapsed_ms: m.elapsed_ms,
            author: m.author,
            proposal: m.proposal,
        }
    }
}

/// The chat's state, one `Copy` value for the code that loads on first use (`later`).
#[derive(Clone, Copy)]
struct Chat {
    lines: RwSignal<Vec<Line>>,
    /// A turn is being read.
    busy: RwSignal<bool>,
    /// The turn's tool calls and text so far.
    live_tools: RwSignal<Vec<ToolView>>,
    live_text: RwSignal<String>,
    suggestions: RwSignal<Vec<String>>,
    backend: RwSignal<String>,
    escalated: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    /// A person of the team holding the conversation, and the last thing the team did.
    held_by: RwSignal<Option<String>>,
    team_notice: RwSignal<Option<String>>,
    /// The action card still waiting for Confirm or Cancel (only one at a time).
    pending_proposal: RwSignal<Option<String>>,
    /// Votes and the rating: offered once the team resolves the conversation.
    marks: feedback::Marks,
    /// Replies are read aloud (voice).
    answer_aloud: RwSignal<bool>,
}

impl Chat {
    fn new() -> Chat {
        let error = RwSignal::new(None);
        Chat {
            lines: RwSignal::new(Vec::new()),
            busy: RwSignal::new(false),
            live_tools: RwSignal::new(Vec::new()),
            live_text: RwSignal::new(String::new()),
            suggestions: RwSignal::new(Vec::new()),
            backend: RwSignal::new(String::new()),
            escalated: RwSignal::new(false),
            error,
            held_by: RwSignal::new(None),
            team_notice: RwSignal::new(None),
            pending_proposal: RwSignal::new(None),
            marks: feedback::Marks::new(error),
            answer_aloud: RwSignal::new(false),
        }
    }
}

#[cfg(feature = "hydrate")]
impl Chat {
    /// Speaks a reply when the customer asked for replies aloud.
    fn read_aloud(self, text: String) {
        if !self.answer_aloud.get_untracked() {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Err(e) = crate::components::voice::say(&text, "support").await {
                self.error.set(Some(e));
            }
        });
    }
}

/// The team's live stream: opening takes a moment (its code loads on first use).
#[cfg(feature = "hydrate")]
enum TeamStream {
    Closed,
    Opening,
    // Held, never read: dropping it closes the connection.
    Open(#[allow(dead_code)] crate::components::live::LiveStream),
}

const STARTERS: &[&str] = &[
    "Where is order 1013? My email is lucas.rossi@example.com",
    "What is your return policy for monitors?",
    "Do you have noise cancelling headphones under $300?",
    "How much is shipping for the Vista 27 monitor to 60601?",
];

#[component]
pub fn SupportPage() -> impl IntoView {
    view! {
        <PageHeader
            title="Customer Support"
            description="An electronics store's support agent: it calls tools over the store database and a Qdrant knowledge base, shows every call, cites its sources and hands hard cases to a human."
        >
            "Ask about an order (give its number and email), start a return, estimate shipping, find a product or ask about a policy. Every tool call the agent makes is shown under its reply."
        </PageHeader>
        <noscript>
            <p class="mb-4 rounded-lg bg-amber-100 p-3 text-sm text-amber-900">"The support chat needs JavaScript; please enable it."</p>
        </noscript>
        <SupportChat/>
    }
}

/// The chat: an island, the page's only WebAssembly (its own chunk); what it draws and reads once
/// the visitor writes loads on first use (`later`).
#[island(lazy)]
fn SupportChat() -> impl IntoView {
    crate::mark_hydrated();
    let chat = Chat::new();
    let Chat {
        lines,
        busy,
        live_tools,
        live_text,
        suggestions,
        backend,
        escalated,
        error,
        held_by,
        team_notice,
        pending_proposal,
        marks,
        answer_aloud,
    } = chat;
    let loaded = RwSignal::new(false);
    let draft = RwSignal::new(String::new());
    let knowledge = RwSignal::new(String::new());
    let list_ref = NodeRef::<leptos::html::Div>::new();
    // Where the lines and the reply being written are drawn, by code loaded on first use
    // (`later`): wanted once the box has focus, a message is sent or a conversation resumes.
    let lines_slot = NodeRef::<leptos::html::Div>::new();
    let lines_wanted = RwSignal::new(false);
    let lines_drawn = RwSignal::new(false);
    // Voice: what the microphone heard is reviewed in the box or sent at once.
    let send_spoken = RwSignal::new(false);
    // Answers are read only while the page is shown. A turn already sent is not stopped when the
    // visitor leaves: the server finishes and keeps it, and the page shows it on return.
    #[cfg(feature = "hydrate")]
    let scope = crate::components::task::PageScope::here();
    #[cfg(feature = "hydrate")]
    let team_stream = StoredValue::new_local(TeamStream::Closed);
    #[cfg(feature = "hydrate")]
    on_cleanup(move || team_stream.set_value(TeamStream::Closed));
    // A new conversation has a new session cookie: the old stream is closed first.
    let stop_listening = move || {
        #[cfg(feature = "hydrate")]
        team_stream.set_value(TeamStream::Closed);
    };

    // The team's side of the conversation, live: a person joins, replies, leaves, resolves. Its
    // code loads on first use (`later`).
    let listen = move || {
        #[cfg(feature = "hydrate")]
        {
            if !team_stream.with_value(|s| matches!(s, TeamStream::Closed)) {
                return;
            }
            team_stream.set_value(TeamStream::Opening);
            scope.spawn(async move {
                let opened = (later::later().await.open_team_stream)(chat);
                // Closed meanwhile (a new conversation): the stream opened for the old one goes.
                team_stream.update_value(|s| {
                    if matches!(s, TeamStream::Opening) {
                        *s = opened.map_or(TeamStream::Closed, TeamStream::Open);
                    }
                });
            });
        }
    };

    Effect::new(move |_| {
        lines.track();
        live_tools.track();
        live_text.track();
        lines_drawn.track();
        if let Some(list) = list_ref.get() {
            list.set_scroll_top(list.scroll_height());
        }
    });

    #[cfg(feature = "hydrate")]
    let load = move || {
        scope.spawn(async move {
            use domain::api::knowledge::KnowledgeState;
            use domain::api::support::ConversationState;
            match crate::components::http::ask::<ConversationState>(
                domain::api::routes::support_chat::CONVERSATION.url(&[]),
            )
            .await
            {
                Ok(state) => {
                    let parsed: Vec<Line> = state.messages.into_iter().map(Line::from).collect();
                    let started = !parsed.is_empty();
                    if started {
                        lines_wanted.set(true);
                    }
                    lines.set(parsed);
                    pending_proposal.set(state.pending_proposal);
                    held_by.set(state.held_by);
                    if started {
                        listen();
                    }
                    backend.set(state.backend);
                    escalated.set(state.status == "escalated");
                    marks.resolved.set(state.status == "closed");
                    marks.votes.set(state.feedback.votes);
                    marks.rating.set(state.feedback.rating);
                    knowledge.set(match state.knowledge {
                        KnowledgeState::Ready {
                            chunks,
                            backend,
                            embedding_model,
                            ..
                        } => format!(
                            "Knowledge base: {chunks} chunks on {backend} ({embedding_model})"
                        ),
                        KnowledgeState::Loading => "Knowledge base: loading…".to_string(),
                        KnowledgeState::Failed { reason } => {
                            format!("Knowledge base unavailable: {reason}")
                        }
                    });
                }
                Err(e) => error.set(Some(format!("The conversation could not be loaded: {e}"))),
            }
            loaded.set(true);
        });
    };
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| load());

    // A message, or (with `decision`) a press of Confirm / Cancel on the card of a proposal.
    let submit = move |text: String, decision: Option<(String, bool)>| {
        let text = text.trim().to_string();
        if text.is_empty() || busy.get_untracked() {
            return;
        }
        lines_wanted.set(true);
        if decision.is_some() {
            pending_proposal.set(None);
        }
        error.set(None);
        draft.set(String::new());
        suggestions.set(Vec::new());
        // Writing again reopens a resolved conversation; it is rated when it is resolved again.
        marks.resolved.set(false);
        lines.update(|l| {
            l.push(Line {
                role: "user".into(),
                text: text.clone(),
                ..Default::default()
            })
        });
        busy.set(true);
        live_tools.set(Vec::new());
        live_text.set(String::new());
        #[cfg(feature = "hydrate")]
        {
            let Ok(controller) = web_sys::AbortController::new() else {
                busy.set(false);
                return;
            };
            use domain::api::support::{CardDecision, ChatRequest};
            let request = ChatRequest {
                message: text.clone(),
                decision: decision.map(|(proposal_id, confirm)| CardDecision {
                    proposal_id,
                    confirm,
                }),
            };
            scope.spawn(async move {
                (later::later().await.read_turn)(request, controller, chat).await;
                listen();
            });
        }
    };

    let send = move |text: String| submit(text, None);
    let decide = Callback::new(move |(id, confirm): (String, bool)| {
        submit(
            if confirm { "Confirm" } else { "Cancel" }.to_string(),
            Some((id, confirm)),
        )
    });

    // The lines' code, once wanted: fetched, then drawn into their slot for the page's life.
    #[cfg(feature = "hydrate")]
    {
        let drawn = StoredValue::new_local(None::<lines::Drawn>);
        Effect::new(move |_| {
            if !lines_wanted.get() || lines_drawn.get_untracked() {
                return;
            }
            scope.spawn(async move {
                let code = later::later().await;
                // Another focus or message may have drawn them while the code loaded.
                if lines_drawn.get_untracked() {
                    return;
                }
                if let Some(slot) = lines_slot.get_untracked() {
                    drawn.set_value(Some((code.draw)(slot, chat, decide)));
                    lines_drawn.set(true);
                }
            });
        });
    }

    let talk_to_human = move |_| {
        if busy.get_untracked() {
            return;
        }
        send("I'd like to talk to a human, please.".into());
    };
    let new_conversation = move |_| {
        #[cfg(feature = "hydrate")]
        if busy.get_untracked() {
            return;
        }
        #[cfg(feature = "hydrate")]
        scope.spawn(async move {
            let started =
                crate::components::http::ask(domain::api::routes::support_chat::NEW.url(&[])).await;
            match started {
                Ok(_) => {
                    lines.set(Vec::new());
                    suggestions.set(Vec::new());
                    escalated.set(false);
                    held_by.set(None);
                    team_notice.set(None);
                    marks.clear();
                    stop_listening();
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    #[cfg(not(feature = "hydrate"))]
    let _ = (listen, stop_listening, decide);

    // Tool usage over the whole session, for the side panel.
    let usage = Memo::new(move |_| {
        let mut rows: Vec<(String, usize, usize, f64)> = Vec::new();
        for line in lines.get().iter() {
            for t in line.tools.iter().flatten() {
                match rows.iter_mut().find(|r| r.0 == t.tool) {
                    Some(r) => {
                        r.1 += 1;
                        r.2 += usize::from(!t.ok);
                        r.3 += t.elapsed_ms;
                    }
                    None => rows.push((t.tool.clone(), 1, usize::from(!t.ok), t.elapsed_ms)),
                }
            }
        }
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        rows
    });

    view! {
        <div class="grid gap-4 lg:grid-cols-[1fr_18rem]">
            <section class="flex min-h-[32rem] flex-col rounded-xl border border-slate-200 bg-white dark:border-slate-700 dark:bg-slate-900" aria-label="Support chat">
                <div class="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-4 py-2 text-xs text-slate-600 dark:border-slate-700 dark:text-slate-300">
                    <span data-testid="backend">{move || if backend.get().is_empty() { "Connecting…".to_string() } else { format!("Answered by: {}", backend.get()) }}</span>
                    <span data-testid="knowledge-state">{move || knowledge.get()}</span>
                </div>
                <Show when=move || held_by.get().is_some()>
                    <p class="bg-emerald-50 px-4 py-2 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100" role="status" data-testid="human-joined">
                        {move || format!("You are talking with {} from our team.", held_by.get().unwrap_or_default())}
                    </p>
                </Show>
                <Show when=move || team_notice.get().is_some() && held_by.get().is_none()>
                    <p class="bg-slate-50 px-4 py-2 text-sm text-slate-700 dark:bg-slate-900 dark:text-slate-200" role="status" data-testid="team-notice">{move || team_notice.get()}</p>
                </Show>
                <Show when=move || escalated.get() && held_by.get().is_none()>
                    <p class="bg-amber-50 px-4 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100" role="status" data-testid="escalated-banner">
                        "A member of our team has been asked to join this conversation."
                    </p>
                </Show>
                <div node_ref=list_ref class="flex-1 space-y-4 overflow-y-auto p-4" aria-live="polite" data-testid="messages">
                    <Show when=move || loaded.get() && lines.with(Vec::is_empty) && !busy.get()>
                        <div class="text-sm text-slate-600 dark:text-slate-300" data-testid="empty-state">
                            <p class="mb-2">"Hi! Try one of these to start:"</p>
                            <div class="flex flex-wrap gap-2">
                                {STARTERS.iter().map(|s| {
                                    let s = s.to_string();
                                    let label = s.clone();
                                    view! { <button type="button" class="rounded-full border border-indigo-200 px-3 py-1 text-left text-indigo-700 hover:bg-indigo-50 dark:border-indigo-800 dark:text-indigo-300 dark:hover:bg-indigo-950" on:click=move |_| send(s.clone())>{label}</button> }
                                }).collect_view()}
                            </div>
                        </div>
                    </Show>
                    <Show when=move || !loaded.get()>
                        <p class="text-sm text-slate-600 dark:text-slate-400">"Loading the conversation…"</p>
                    </Show>
                    <div node_ref=lines_slot class="space-y-4"></div>
                </div>
                <feedback::RatingPrompt marks=marks/>
                <Show when=move || error.get().is_some()>
                    <p role="alert" class="mx-4 mb-2 rounded bg-red-50 p-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">{move || error.get()}</p>
                </Show>
                <div class="flex flex-wrap gap-2 px-4" data-testid="suggestions">
                    {move || suggestions.get().into_iter().map(|s| {
                        let label = s.clone();
                        view! { <button type="button" class="rounded-full bg-slate-100 px-3 py-1 text-sm hover:bg-slate-200 dark:bg-slate-800 dark:hover:bg-slate-700" on:click=move |_| send(s.clone())>{label}</button> }
                    }).collect_view()}
                </div>
                <form class="flex gap-2 border-t border-slate-200 p-3 dark:border-slate-700" on:submit=move |ev| { ev.prevent_default(); send(draft.get_untracked()); }>
                    <VoiceInput
                        error=error
                        disabled=Signal::derive(move || busy.get())
                        on_text=move |heard: String| {
                            if send_spoken.get_untracked() {
                                send(heard);
                            } else {
                                draft.update(|d| {
                                    if !d.trim().is_empty() {
                                        d.push(' ');
                                    }
                                    d.push_str(&heard);
                                });
                            }
                        }
                    />
                    <label for="support-input" class="sr-only">"Your message"</label>
                    <textarea id="support-input" rows="2" maxlength="4000" placeholder="Type your question… (Enter sends, Shift+Enter for a new line)"
                        class="flex-1 resize-none rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-600 dark:bg-slate-950"
                        prop:value=move || draft.get()
                        on:focus=move |_| lines_wanted.set(true)
                        on:input=move |ev| draft.set(event_target_value(&ev))
                        on:keydown=move |ev| {
                            if ev.key() == "Enter" && !ev.shift_key() {
                                ev.prevent_default();
                                send(draft.get_untracked());
                            }
                        }
                    ></textarea>
                    <button type="submit" class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-700 disabled:opacity-50" disabled=move || busy.get()>"Send"</button>
                </form>
            </section>
            <aside class="space-y-3">
                <div class="rounded-xl border border-slate-200 bg-white p-4 text-sm dark:border-slate-700 dark:bg-slate-900">
                    <div class="flex flex-col gap-2">
                        <button type="button" class="rounded-lg border border-amber-300 px-3 py-2 font-medium text-amber-900 hover:bg-amber-50 dark:border-amber-700 dark:text-amber-100 dark:hover:bg-amber-950" on:click=talk_to_human data-testid="talk-to-human">"Talk to a human"</button>
                        <button type="button" class="rounded-lg border border-slate-300 px-3 py-2 hover:bg-slate-50 dark:border-slate-600 dark:hover:bg-slate-800" on:click=new_conversation data-testid="new-conversation">"New conversation"</button>
                    </div>
                    <p class="mt-3 text-xs text-slate-600 dark:text-slate-300" data-testid="try-desk-hint">
                        "See both sides: open the "<a href="/desk" target="_blank" rel="noopener" class="text-indigo-700 underline dark:text-indigo-300">"support desk"</a>" in a second tab, choose Try the desk, and answer this conversation yourself."
                    </p>
                </div>
                <VoiceSettings send_spoken=send_spoken answer_aloud=answer_aloud/>
                <div class="rounded-xl border border-slate-200 bg-white p-4 text-sm dark:border-slate-700 dark:bg-slate-900" data-testid="tool-usage">
                    <h2 class="mb-2 font-semibold">"Tool usage this session"</h2>
                    <Show when=move || !usage.with(Vec::is_empty) fallback=|| view! { <p class="text-slate-600 dark:text-slate-400">"No tools called yet."</p> }>
                        <table class="w-full text-left text-xs">
                            <thead class="text-slate-600 dark:text-slate-400"><tr><th class="py-1">"Tool"</th><th class="px-1 text-right">"Calls"</th><th class="px-1 text-right">"Failed"</th><th class="pl-1 text-right">"ms"</th></tr></thead>
                            <tbody>
                                {move || usage.get().into_iter().map(|(name, calls, failed, ms)| view! {
                                    <tr><td class="py-0.5"><code>{name}</code></td><td class="px-1 text-right">{calls}</td><td class="px-1 text-right">{failed}</td><td class="pl-1 text-right">{format!("{ms:.0}")}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </Show>
                </div>
                <div class="rounded-xl border border-slate-200 bg-white p-4 text-xs text-slate-600 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-300">
                    <p>"Demo customers: order 1013 belongs to lucas.rossi@example.com, 1011 to aisha.bello@example.com, 1024 (pending) to ava.thompson@example.com. The agent needs an order's number and its email together; cancelling, changing, returning and ordering wait for your Confirm."</p>
                    <p class="mt-2">"Lost your order number? Ask for your orders: a one-time code goes to your email (here, to the "<a href="/support/inbox" class="text-indigo-700 underline dark:text-indigo-300" data-testid="inbox-link">"demo inbox"</a>")."</p>
                </div>
            </aside>
        </div>
    }
}
