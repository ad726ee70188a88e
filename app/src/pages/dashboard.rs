//! The support desk for the store's team (staff only): a live list of conversations with claim,
//! release, reply and resolve; tickets; analytics as SVG charts; and, for admins, the knowledge
//! base and the team's accounts and API keys. Everything loads after sign-in from the staff API,
//! and a server-sent event stream keeps it current.

use crate::components::chart::BarChart;
use domain::records::{Chart, ChartBar};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use serde_json::{Value, json};

#[cfg(feature = "hydrate")]
use crate::components::sse::{fetch_json, send_json};

const INPUT: &str = "w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-600 dark:bg-slate-950";
const BUTTON: &str = "rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-700 disabled:opacity-50";
const GHOST: &str = "rounded-lg border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 disabled:opacity-50 dark:border-slate-600 dark:hover:bg-slate-800";
const CARD: &str =
    "rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-700 dark:bg-slate-900";

/// Shared by the tabs: who is signed in, a counter the live stream bumps, the last
/// knowledge-base progress event.
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
struct Desk {
    me: RwSignal<Option<Value>>,
    tick: RwSignal<u64>,
    kb_progress: RwSignal<Option<Value>>,
    live: RwSignal<bool>,
}

impl Desk {
    fn is_admin(&self) -> bool {
        self.me
            .with(|m| m.as_ref().is_some_and(|m| m["role"] == "admin"))
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let desk = Desk {
        me: RwSignal::new(None),
        tick: RwSignal::new(0),
        kb_progress: RwSignal::new(None),
        live: RwSignal::new(false),
    };
    let checked = RwSignal::new(false);
    provide_context(desk);

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(v) = fetch_json("GET", "/api/staff/me").await {
                desk.me.set(Some(v["staff"].clone()));
            }
            checked.set(true);
        });
    });

    view! {
        <Title text="Support desk"/>
        <Meta name="description" content="The support team's desk: live conversations with human handoff, tickets, analytics, the knowledge base and API keys."/>
        <header class="mb-4 flex flex-wrap items-end justify-between gap-3">
            <div>
                <h1 class="text-3xl font-bold tracking-tight">"Support desk"</h1>
                <p class="mt-1 max-w-3xl text-slate-600 dark:text-slate-300">"For the store's team: take over conversations from the agent, answer customers live, and manage the knowledge base."</p>
            </div>
            <Show when=move || desk.me.with(Option::is_some)>
                <SignedInBar/>
            </Show>
        </header>
        <noscript><p class="mb-4 rounded-lg bg-amber-100 p-3 text-sm text-amber-900">"The desk needs JavaScript; please enable it."</p></noscript>
        <Show when=move || checked.get() fallback=|| view! { <p class="text-sm text-slate-500" data-testid="desk-loading">"Loading…"</p> }>
            <Show when=move || desk.me.with(Option::is_some) fallback=|| view! { <SignIn/> }>
                <Desk/>
            </Show>
        </Show>
    }
}

#[component]
fn SignedInBar() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let sign_out = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let _ = fetch_json("POST", "/api/staff/logout").await;
            desk.me.set(None);
        });
    };
    view! {
        <div class="flex items-center gap-3 text-sm">
            <span class="flex items-center gap-1" data-testid="live-state">
                <span class=move || if desk.live.get() { "h-2 w-2 rounded-full bg-emerald-500" } else { "h-2 w-2 rounded-full bg-slate-400" } aria-hidden="true"></span>
                {move || if desk.live.get() { "Live" } else { "Connecting…" }}
            </span>
            <span data-testid="signed-in-as">{move || desk.me.with(|m| m.as_ref().map(|m| format!("{} ({})", m["name"].as_str().unwrap_or(""), m["role"].as_str().unwrap_or(""))).unwrap_or_default())}</span>
            <button type="button" class=GHOST on:click=sign_out>"Sign out"</button>
        </div>
    }
}

#[component]
fn SignIn() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let body = json!({ "email": email.get_untracked(), "password": password.get_untracked() })
            .to_string();
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match send_json("POST", "/api/staff/login", Some(&body)).await {
                Ok(v) => {
                    password.set(String::new());
                    desk.me.set(Some(v["staff"].clone()));
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (body, desk);
    };
    view! {
        <form class=format!("{CARD} mx-auto max-w-sm space-y-3") on:submit=submit data-testid="sign-in">
            <h2 class="text-lg font-semibold">"Sign in"</h2>
            <p class="text-sm text-slate-600 dark:text-slate-300">"Staff accounts only. The first administrator comes from ADMIN_EMAIL and ADMIN_PASSWORD; administrators add agents."</p>
            <label class="block text-sm">"Email"
                <input type="email" required autocomplete="username" class=INPUT prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
            </label>
            <label class="block text-sm">"Password"
                <input type="password" required autocomplete="current-password" class=INPUT prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
            </label>
            <Show when=move || error.get().is_some()>
                <p role="alert" class="rounded bg-red-50 p-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">{move || error.get()}</p>
            </Show>
            <button type="submit" class=BUTTON disabled=move || busy.get()>{move || if busy.get() { "Signing in…" } else { "Sign in" }}</button>
        </form>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Conversations,
    Tickets,
    Analytics,
    Knowledge,
    Team,
}

#[component]
fn Desk() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let tab = RwSignal::new(Tab::Conversations);

    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        if let Ok(source) = web_sys::EventSource::new("/api/staff/events") {
            let on_event = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |e: web_sys::MessageEvent| {
                    desk.live.set(true);
                    if e.type_() == "kb"
                        && let Some(data) = e.data().as_string()
                        && let Ok(v) = serde_json::from_str::<Value>(&data)
                    {
                        desk.kb_progress.set(Some(v["data"].clone()));
                    }
                    if e.type_() != "hello" {
                        desk.tick.update(|t| *t += 1);
                    }
                },
            );
            for name in [
                "hello",
                "conversation",
                "message",
                "claimed",
                "released",
                "resolved",
                "ticket",
                "kb",
                "resync",
            ] {
                let _ = source
                    .add_event_listener_with_callback(name, on_event.as_ref().unchecked_ref());
            }
            let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| desk.live.set(false));
            source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            on_event.forget();
            on_error.forget();
            let source = StoredValue::new_local(source);
            on_cleanup(move || source.with_value(|s| s.close()));
        }
    }

    let tab_button = move |t: Tab, label: &'static str| {
        view! {
            <button type="button" role="tab" aria-selected=move || (tab.get() == t).to_string()
                class=move || if tab.get() == t { "rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white" } else { "rounded-lg px-3 py-1.5 text-sm hover:bg-slate-200 dark:hover:bg-slate-800" }
                on:click=move |_| tab.set(t)>{label}</button>
        }
    };
    view! {
        <div role="tablist" aria-label="Desk sections" class="mb-4 flex flex-wrap gap-1">
            {tab_button(Tab::Conversations, "Conversations")}
            {tab_button(Tab::Tickets, "Tickets")}
            {tab_button(Tab::Analytics, "Analytics")}
            <Show when=move || desk.is_admin()>
                {tab_button(Tab::Knowledge, "Knowledge base")}
                {tab_button(Tab::Team, "Team & API keys")}
            </Show>
        </div>
        {move || match tab.get() {
            Tab::Conversations => view! { <Conversations/> }.into_any(),
            Tab::Tickets => view! { <Tickets/> }.into_any(),
            Tab::Analytics => view! { <Analytics/> }.into_any(),
            Tab::Knowledge => view! { <KnowledgeBase/> }.into_any(),
            Tab::Team => view! { <Team/> }.into_any(),
        }}
    }
}

fn status_chip(status: &str, holder: Option<&str>) -> impl IntoView + use<> {
    let (class, label) = match (status, holder) {
        ("closed", _) => (
            "bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100",
            "resolved".to_string(),
        ),
        (_, Some(name)) => (
            "bg-indigo-100 text-indigo-800 dark:bg-indigo-900 dark:text-indigo-100",
            format!("with {name}"),
        ),
        ("escalated", None) => (
            "bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100",
            "needs a person".to_string(),
        ),
        _ => (
            "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-200",
            "agent".to_string(),
        ),
    };
    view! { <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {class}") data-testid="status">{label}</span> }
}

#[component]
fn Conversations() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let view_name = RwSignal::new("all".to_string());
    let list = RwSignal::new(Vec::<Value>::new());
    let selected = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let v = view_name.get();
        desk.tick.track();
        leptos::task::spawn_local(async move {
            let answer = fetch_json("GET", &format!("/api/staff/conversations?view={v}")).await;
            // A slower answer for a view no longer shown must not overwrite the current one.
            if view_name.get_untracked() != v {
                return;
            }
            match answer {
                Ok(body) => {
                    list.set(
                        body["conversations"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default(),
                    );
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = desk;

    view! {
        <div class="grid gap-4 lg:grid-cols-[22rem_1fr]">
            <section class=CARD aria-label="Conversations">
                <div class="mb-3 flex flex-wrap gap-1" role="group" aria-label="Show">
                    {["all", "unassigned", "mine", "escalated"].into_iter().map(|v| view! {
                        <button type="button" class=move || if view_name.get() == v { "rounded-full bg-slate-800 px-3 py-1 text-xs font-medium text-white dark:bg-slate-200 dark:text-slate-900" } else { "rounded-full border border-slate-300 px-3 py-1 text-xs dark:border-slate-600" }
                            aria-pressed=move || (view_name.get() == v).to_string()
                            on:click=move |_| view_name.set(v.to_string())>{v}</button>
                    }).collect_view()}
                </div>
                <Show when=move || error.get().is_some()>
                    <p role="alert" class="text-sm text-red-700">{move || error.get()}</p>
                </Show>
                <Show when=move || list.with(Vec::is_empty)>
                    <p class="text-sm text-slate-500" data-testid="no-conversations">"No conversations here yet."</p>
                </Show>
                <ul class="max-h-[36rem] space-y-1 overflow-y-auto" data-testid="conversation-list">
                    {move || list.get().into_iter().map(|c| {
                        let id = c["id"].as_str().unwrap_or_default().to_string();
                        let id_for_click = id.clone();
                        let is_selected = { let id = id.clone(); move || selected.get().as_deref() == Some(id.as_str()) };
                        let holder = c["assigned_name"].as_str().map(str::to_owned);
                        let status = c["status"].as_str().unwrap_or("open").to_string();
                        view! {
                            <li>
                                <button type="button" data-testid="conversation-item" data-id=id.clone()
                                    class="w-full rounded-lg px-3 py-2 text-left text-sm hover:bg-slate-100 dark:hover:bg-slate-800"
                                    class=("bg-indigo-50", is_selected.clone()) class=("dark:bg-indigo-950", is_selected)
                                    on:click=move |_| selected.set(Some(id_for_click.clone()))>
                                    <div class="flex items-center justify-between gap-2">
                                        <span class="truncate font-medium">{c["title"].as_str().unwrap_or("").to_string()}</span>
                                        {status_chip(&status, holder.as_deref())}
                                    </div>
                                    <div class="mt-0.5 flex justify-between text-xs text-slate-500">
                                        <span class="truncate">{c["customer_email"].as_str().unwrap_or("anonymous").to_string()}</span>
                                        <span>{format!("{} messages", c["message_count"])}</span>
                                    </div>
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
            <section class=CARD aria-label="Conversation">
                {move || match selected.get() {
                    None => view! { <p class="text-sm text-slate-500">"Choose a conversation to read it, take it over and reply."</p> }.into_any(),
                    Some(id) => view! { <ConversationDetail id/> }.into_any(),
                }}
            </section>
        </div>
    }
}

fn message_view(m: &Value) -> impl IntoView + use<> {
    let role = m["role"].as_str().unwrap_or_default().to_string();
    let text = m["text"].as_str().unwrap_or_default().to_string();
    let html = m["html"].as_str().unwrap_or_default().to_string();
    let class = &m["classification"];
    let chips = (!class.is_null()).then(|| {
        format!(
            "{} · {} priority · {}{}",
            class["category"].as_str().unwrap_or("").replace('_', " "),
            class["priority"].as_str().unwrap_or(""),
            class["sentiment"].as_str().unwrap_or(""),
            if class["escalate"] == true {
                " · needs a person"
            } else {
                ""
            }
        )
    });
    let tools: Vec<String> = m["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            format!(
                "{} {} — {}",
                if t["ok"] == true { "✓" } else { "✗" },
                t["tool"].as_str().unwrap_or(""),
                t["summary"].as_str().unwrap_or("")
            )
        })
        .collect();
    match role.as_str() {
        "user" => view! {
            <div class="flex flex-col items-start" data-testid="desk-customer-message">
                <span class="text-xs text-slate-500">"Customer"</span>
                <div class="max-w-[85%] whitespace-pre-wrap rounded-2xl rounded-tl-sm bg-slate-100 px-3 py-2 text-sm dark:bg-slate-800">{text}</div>
                {chips.map(|c| view! { <span class="mt-0.5 text-xs text-slate-500" data-testid="desk-classification">{c}</span> })}
            </div>
        }.into_any(),
        "agent" => view! {
            <div class="flex flex-col items-end" data-testid="desk-agent-message">
                <span class="text-xs text-slate-500">{format!("{} (team)", m["author"].as_str().unwrap_or("Team"))}</span>
                <div class="prose-chat max-w-[85%] rounded-2xl rounded-tr-sm bg-emerald-600 px-3 py-2 text-sm text-white" inner_html=html></div>
            </div>
        }.into_any(),
        _ => view! {
            <div class="flex flex-col items-end" data-testid="desk-assistant-message">
                <span class="text-xs text-slate-500">{format!("Agent · {}", m["backend"].as_str().unwrap_or(""))}</span>
                <div class="prose-chat max-w-[85%] rounded-2xl rounded-tr-sm bg-indigo-50 px-3 py-2 text-sm dark:bg-indigo-950" inner_html=html></div>
                {(!tools.is_empty()).then(|| view! {
                    <details class="mt-1 max-w-[85%] text-xs text-slate-600 dark:text-slate-300" data-testid="desk-tool-trace">
                        <summary class="cursor-pointer">{format!("Tools ({})", tools.len())}</summary>
                        <ul class="mt-1 space-y-0.5 font-mono">{tools.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
                    </details>
                })}
            </div>
        }.into_any(),
    }
}

#[component]
fn ConversationDetail(id: String) -> impl IntoView {
    let desk = expect_context::<Desk>();
    let detail = RwSignal::new(None::<Value>);
    let draft = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let id = StoredValue::new(id);

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        desk.tick.track();
        let id = id.get_value();
        leptos::task::spawn_local(async move {
            match fetch_json("GET", &format!("/api/staff/conversations/{id}")).await {
                Ok(v) => detail.set(Some(v)),
                Err(e) => error.set(Some(e)),
            }
        });
    });

    let act = move |action: &'static str, body: Option<String>| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let url = format!("/api/staff/conversations/{}/{action}", id.get_value());
            match send_json("POST", &url, body.as_deref()).await {
                Ok(_) => {
                    if action == "reply" {
                        draft.set(String::new());
                    }
                    desk.tick.update(|t| *t += 1);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (action, body, desk);
    };
    let send_reply = move || {
        let text = draft.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        act("reply", Some(json!({ "text": text }).to_string()));
    };
    let me_id = move || desk.me.with(|m| m.as_ref().and_then(|m| m["id"].as_i64()));
    #[cfg(not(feature = "hydrate"))]
    let _ = id;

    view! {
        {move || detail.get().map(|d| {
            let c = d["conversation"].clone();
            let holder = c["assigned_to"].as_i64();
            let mine = holder.is_some() && holder == me_id();
            let status = c["status"].as_str().unwrap_or("open").to_string();
            let holder_name = c["assigned_name"].as_str().map(str::to_owned);
            let messages = d["messages"].as_array().cloned().unwrap_or_default();
            let tickets = d["tickets"].as_array().cloned().unwrap_or_default();
            view! {
                <div class="mb-3 flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 pb-3 dark:border-slate-700">
                    <div>
                        <h2 class="font-semibold" data-testid="detail-title">{c["title"].as_str().unwrap_or("").to_string()}</h2>
                        <p class="text-xs text-slate-500">{format!("{} · {}", c["customer_email"].as_str().unwrap_or("anonymous customer"), c["id"].as_str().unwrap_or(""))}</p>
                    </div>
                    <div class="flex flex-wrap items-center gap-2">
                        {status_chip(&status, holder_name.as_deref())}
                        {(holder.is_none() && status != "closed").then(|| view! { <button type="button" class=BUTTON data-testid="claim" disabled=move || busy.get() on:click=move |_| act("claim", None)>"Take over"</button> })}
                        {(mine || (holder.is_some() && desk.is_admin())).then(|| view! { <button type="button" class=GHOST data-testid="release" disabled=move || busy.get() on:click=move |_| act("release", None)>"Hand back to the agent"</button> })}
                        {(status != "closed").then(|| view! { <button type="button" class=GHOST data-testid="resolve" disabled=move || busy.get() on:click=move |_| act("resolve", None)>"Resolve"</button> })}
                    </div>
                </div>
                <div class="max-h-[28rem] space-y-3 overflow-y-auto pr-1" data-testid="transcript">
                    {messages.iter().map(message_view).collect_view()}
                </div>
                {(!tickets.is_empty()).then(|| view! {
                    <div class="mt-3 text-xs text-slate-600 dark:text-slate-300" data-testid="detail-tickets">
                        {tickets.iter().map(|t| view! { <p>{format!("Ticket #{} · {} · {} priority · {}", t["id"], t["subject"].as_str().unwrap_or(""), t["priority"].as_str().unwrap_or(""), t["status"].as_str().unwrap_or(""))}</p> }).collect_view()}
                    </div>
                })}
                {(holder.is_some() && !mine).then(|| view! {
                    <p class="mt-3 rounded bg-amber-50 p-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">{format!("{} is handling this conversation.", holder_name.clone().unwrap_or_default())}</p>
                })}
            }
        })}
        <Show when=move || error.get().is_some()>
            <p role="alert" class="mt-2 rounded bg-red-50 p-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">{move || error.get()}</p>
        </Show>
        <form class="mt-3 flex gap-2" on:submit=move |ev| { ev.prevent_default(); send_reply(); }>
            <label for="desk-reply" class="sr-only">"Reply to the customer"</label>
            <textarea id="desk-reply" rows="2" maxlength="4000" class=INPUT data-testid="reply-input"
                placeholder="Reply as yourself (Enter sends, Shift+Enter for a new line). Replying takes the conversation over."
                prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=move |ev| if ev.key() == "Enter" && !ev.shift_key() { ev.prevent_default(); send_reply(); }></textarea>
            <button type="submit" class=BUTTON data-testid="reply-send" disabled=move || busy.get()>"Send"</button>
        </form>
    }
}

#[component]
fn Tickets() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let status = RwSignal::new("open".to_string());
    let tickets = RwSignal::new(Vec::<Value>::new());
    let error = RwSignal::new(None::<String>);

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let s = status.get();
        desk.tick.track();
        leptos::task::spawn_local(async move {
            let answer = fetch_json("GET", &format!("/api/staff/tickets?status={s}")).await;
            if status.get_untracked() != s {
                return;
            }
            match answer {
                Ok(v) => tickets.set(v["tickets"].as_array().cloned().unwrap_or_default()),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    let change = move |id: i64, to: String| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let body = json!({ "status": to }).to_string();
            match send_json(
                "POST",
                &format!("/api/staff/tickets/{id}/status"),
                Some(&body),
            )
            .await
            {
                Ok(_) => desk.tick.update(|t| *t += 1),
                Err(e) => error.set(Some(e)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, to, desk);
    };
    view! {
        <section class=CARD aria-label="Tickets">
            <div class="mb-3 flex items-center gap-2">
                <label for="ticket-filter" class="text-sm">"Show"</label>
                <select id="ticket-filter" class="rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-950" on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="open" selected>"open"</option>
                    <option value="in_progress">"in progress"</option>
                    <option value="resolved">"resolved"</option>
                    <option value="all">"all"</option>
                </select>
            </div>
            <Show when=move || error.get().is_some()><p role="alert" class="text-sm text-red-700">{move || error.get()}</p></Show>
            <Show when=move || tickets.with(Vec::is_empty)><p class="text-sm text-slate-500" data-testid="no-tickets">"No tickets with this status."</p></Show>
            <div class="overflow-x-auto">
                <table class="w-full text-left text-sm" data-testid="ticket-table">
                    <thead class="text-xs text-slate-500"><tr><th class="py-1">"#"</th><th>"Subject"</th><th>"Customer"</th><th>"Priority"</th><th>"Opened"</th><th>"Status"</th></tr></thead>
                    <tbody>
                        {move || tickets.get().into_iter().map(|t| {
                            let id = t["id"].as_i64().unwrap_or_default();
                            let current = t["status"].as_str().unwrap_or("open").to_string();
                            view! {
                                <tr class="border-t border-slate-100 dark:border-slate-800" data-testid="ticket-row">
                                    <td class="py-1.5">{id}</td>
                                    <td class="max-w-xs truncate" title=t["description"].as_str().unwrap_or("").to_string()>{t["subject"].as_str().unwrap_or("").to_string()}</td>
                                    <td>{t["customer_email"].as_str().unwrap_or("").to_string()}</td>
                                    <td>{t["priority"].as_str().unwrap_or("").to_string()}</td>
                                    <td class="text-xs">{t["created_at"].as_str().unwrap_or("").chars().take(16).collect::<String>().replace('T', " ")}</td>
                                    <td>
                                        <select aria-label=format!("Status of ticket {id}") class="rounded border border-slate-300 bg-white px-1 py-0.5 text-xs dark:border-slate-600 dark:bg-slate-950"
                                            on:change=move |ev| change(id, event_target_value(&ev))>
                                            {["open", "in_progress", "resolved"].into_iter().map(|s| view! { <option value=s selected=current == s>{s.replace('_', " ")}</option> }).collect_view()}
                                        </select>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

fn percent(v: &Value) -> String {
    v.as_f64()
        .map(|r| format!("{:.0}%", r * 100.0))
        .unwrap_or_else(|| "–".into())
}

fn duration(v: &Value) -> String {
    match v.as_f64() {
        None => "–".into(),
        Some(ms) if ms < 1_000.0 => format!("{ms:.0} ms"),
        Some(ms) if ms < 120_000.0 => format!("{:.1} s", ms / 1000.0),
        Some(ms) => format!("{:.1} min", ms / 60_000.0),
    }
}

fn counts_chart(title: &str, v: &Value, label: &str, value: &str) -> Chart {
    Chart {
        title: title.into(),
        money: false,
        bars: v
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| ChartBar {
                label: c[label].as_str().unwrap_or("").to_string(),
                value: c[value].as_i64().unwrap_or(0),
            })
            .collect(),
    }
}

/// Conversations per day as SVG columns (escalated ones in amber on top of the rest).
fn day_columns(days: &[Value]) -> impl IntoView + use<> {
    let max = days
        .iter()
        .map(|d| d["conversations"].as_i64().unwrap_or(0))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let width = (days.len().max(1) * 36) as f64;
    let label = days
        .iter()
        .map(|d| {
            format!(
                "{}: {} ({} escalated)",
                d["date"].as_str().unwrap_or(""),
                d["conversations"],
                d["escalated"]
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <figure class=CARD>
            <figcaption class="mb-2 text-sm font-semibold">"Conversations per day"</figcaption>
            <svg viewBox=format!("0 0 {width} 140") class="h-40 w-full" role="img" aria-label=format!("Conversations per day: {label}") preserveAspectRatio="xMinYMid meet">
                {days.iter().enumerate().map(|(i, d)| {
                    let total = d["conversations"].as_i64().unwrap_or(0) as f64;
                    let escalated = d["escalated"].as_i64().unwrap_or(0) as f64;
                    let h = total / max * 100.0;
                    let he = escalated / max * 100.0;
                    let x = i as f64 * 36.0 + 6.0;
                    let day = d["date"].as_str().unwrap_or("").get(5..).unwrap_or("").to_string();
                    view! {
                        <g>
                            <rect x=x y=110.0 - h width="24" height=h rx="2" class="fill-indigo-500"/>
                            <rect x=x y=110.0 - he width="24" height=he rx="2" class="fill-amber-500"/>
                            <text x=x + 12.0 y=106.0 - h text-anchor="middle" class="fill-slate-700 text-[10px] dark:fill-slate-200">{total as i64}</text>
                            <text x=x + 12.0 y="126" text-anchor="middle" class="fill-slate-500 text-[9px]">{day}</text>
                        </g>
                    }
                }).collect_view()}
            </svg>
            <p class="text-xs text-slate-500"><span class="text-indigo-500">"■"</span>" all  "<span class="text-amber-500">"■"</span>" escalated"</p>
        </figure>
    }
}

#[component]
fn Analytics() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let days = RwSignal::new(7i64);
    let data = RwSignal::new(None::<Value>);
    let error = RwSignal::new(None::<String>);

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let d = days.get();
        desk.tick.track();
        leptos::task::spawn_local(async move {
            let answer = fetch_json("GET", &format!("/api/staff/analytics?days={d}")).await;
            if days.get_untracked() != d {
                return;
            }
            match answer {
                Ok(v) => data.set(Some(v)),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = desk;
    let kpi = |label: &'static str, value: String, testid: &'static str| {
        view! {
            <div class=CARD data-testid=testid>
                <p class="text-xs text-slate-500">{label}</p>
                <p class="text-2xl font-bold">{value}</p>
            </div>
        }
    };
    view! {
        <div class="mb-3 flex items-center gap-2">
            <label for="period" class="text-sm">"Period"</label>
            <select id="period" class="rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-950" on:change=move |ev| days.set(event_target_value(&ev).parse().unwrap_or(7))>
                <option value="1">"last 24 hours"</option>
                <option value="7" selected>"last 7 days"</option>
                <option value="30">"last 30 days"</option>
                <option value="90">"last 90 days"</option>
            </select>
        </div>
        <Show when=move || error.get().is_some()><p role="alert" class="text-sm text-red-700">{move || error.get()}</p></Show>
        {move || data.get().map(|a| {
            let by_day = a["by_day"].as_array().cloned().unwrap_or_default();
            view! {
                <div class="grid gap-3 sm:grid-cols-2 lg:grid-cols-5">
                    {kpi("Conversations", a["conversations"].to_string(), "kpi-conversations")}
                    {kpi("Automation rate", percent(&a["automation_rate"]), "kpi-automation")}
                    {kpi("Escalation rate", percent(&a["escalation_rate"]), "kpi-escalation")}
                    {kpi("First response (median)", duration(&a["first_response"]["median_ms"]), "kpi-first-response")}
                    {kpi("A person's first reply (median)", duration(&a["human_first_response"]["median_ms"]), "kpi-human-response")}
                </div>
                <div class="mt-3 grid gap-3 lg:grid-cols-2">
                    {day_columns(&by_day)}
                    <BarChart chart=counts_chart("Volume by category", &a["by_category"], "label", "count")/>
                    <BarChart chart=counts_chart("By priority", &a["by_priority"], "label", "count")/>
                    <BarChart chart=counts_chart("By sentiment", &a["by_sentiment"], "label", "count")/>
                    <BarChart chart=counts_chart("Tool calls", &a["tools"], "tool", "calls")/>
                </div>
            }
        })}
    }
}

#[component]
fn KnowledgeBase() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let documents = RwSignal::new(None::<Value>);
    let chunks = RwSignal::new(None::<Value>);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let confirm_delete = RwSignal::new(None::<i64>);
    let form_ref = NodeRef::<leptos::html::Form>::new();

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        desk.tick.track();
        leptos::task::spawn_local(async move {
            match fetch_json("GET", "/api/staff/kb/documents").await {
                Ok(v) => documents.set(Some(v)),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    let upload = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        #[cfg(feature = "hydrate")]
        if let Some(form) = form_ref.get_untracked()
            && let Ok(data) = web_sys::FormData::new_with_form(&form)
        {
            busy.set(true);
            error.set(None);
            leptos::task::spawn_local(async move {
                match crate::components::sse::send_form("/api/staff/kb/documents", &data).await {
                    Ok(_) => {
                        form.reset();
                        desk.tick.update(|t| *t += 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (form_ref, desk);
    };
    let delete = move |id: i64| {
        if confirm_delete.get_untracked() != Some(id) {
            confirm_delete.set(Some(id));
            return;
        }
        confirm_delete.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match fetch_json("DELETE", &format!("/api/staff/kb/documents/{id}")).await {
                Ok(_) => desk.tick.update(|t| *t += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let show_chunks = move |id: i64| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match fetch_json("GET", &format!("/api/staff/kb/documents/{id}/chunks")).await {
                Ok(v) => chunks.set(Some(v)),
                Err(e) => error.set(Some(e)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = id;
    };
    let reindex = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            if let Err(e) = fetch_json("POST", "/api/staff/kb/reindex").await {
                error.set(Some(e));
            }
        });
    };
    let select = |id: &'static str, options: &'static [&'static str]| {
        view! {
            <select id=id name=id class=INPUT>{options.iter().map(|o| view! { <option value=*o>{o.replace('_', " ")}</option> }).collect_view()}</select>
        }
    };
    view! {
        <div class="grid gap-4 lg:grid-cols-[22rem_1fr]">
            <form node_ref=form_ref class=format!("{CARD} space-y-2") on:submit=upload data-testid="kb-upload">
                <h2 class="font-semibold">"Add a document"</h2>
                <p class="text-xs text-slate-500">"Markdown, text, HTML, PDF or Word (DOCX), up to 10 MB. It is cut at its headings into overlapping passages, embedded and written to Qdrant."</p>
                <label class="block text-sm">"File"<input type="file" name="file" required accept=".md,.markdown,.txt,.html,.htm,.pdf,.docx" class="mt-1 block w-full text-sm" data-testid="kb-file"/></label>
                <label class="block text-sm">"Title (optional)"<input name="title" class=INPUT placeholder="From the first heading otherwise"/></label>
                <label class="block text-sm" for="audience">"Audience"</label>
                {select("audience", &["customer", "agent"])}
                <label class="block text-sm" for="doc_type">"Type"</label>
                {select("doc_type", &["policy", "troubleshooting", "setup", "sop", "macro", "tool_contract"])}
                <label class="block text-sm">"Category"<input name="category" class=INPUT value="general"/></label>
                <button type="submit" class=BUTTON disabled=move || busy.get()>{move || if busy.get() { "Uploading…" } else { "Upload and index" }}</button>
                {move || desk.kb_progress.get().filter(|p| p["status"] == "indexing").map(|p| {
                    let done = p["done"].as_u64().unwrap_or(0);
                    let total = p["total"].as_u64().unwrap_or(0).max(1);
                    view! {
                        <div data-testid="kb-progress">
                            <progress class="w-full" max=total value=done></progress>
                            <p class="text-xs text-slate-500">{format!("Indexing: {done} of {total} chunks")}</p>
                        </div>
                    }
                })}
                <Show when=move || error.get().is_some()><p role="alert" class="rounded bg-red-50 p-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">{move || error.get()}</p></Show>
            </form>
            <section class=CARD aria-label="Documents">
                <div class="mb-2 flex flex-wrap items-center justify-between gap-2">
                    <p class="text-sm text-slate-600 dark:text-slate-300" data-testid="kb-summary">{move || documents.get().map(|d| match d["searchable_chunks"].as_u64() {
                        Some(n) => format!("{} shipped passages · {n} searchable in all", d["shipped_chunks"]),
                        None => format!("{} shipped passages · the knowledge base is loading (uploads wait for it)", d["shipped_chunks"]),
                    })}</p>
                    <button type="button" class=GHOST on:click=reindex data-testid="kb-reindex">"Re-index everything"</button>
                </div>
                <table class="w-full text-left text-sm" data-testid="kb-documents">
                    <thead class="text-xs text-slate-500"><tr><th class="py-1">"Title"</th><th>"Type"</th><th>"Size"</th><th>"Chunks"</th><th>"Status"</th><th></th></tr></thead>
                    <tbody>
                        {move || documents.get().map(|d| d["documents"].as_array().cloned().unwrap_or_default()).unwrap_or_default().into_iter().map(|doc| {
                            let id = doc["id"].as_i64().unwrap_or_default();
                            view! {
                                <tr class="border-t border-slate-100 dark:border-slate-800" data-testid="kb-document">
                                    <td class="py-1.5"><button type="button" class="text-left text-indigo-700 hover:underline dark:text-indigo-300" on:click=move |_| show_chunks(id)>{doc["title"].as_str().unwrap_or("").to_string()}</button></td>
                                    <td class="text-xs">{doc["media_type"].as_str().unwrap_or("").rsplit('/').next().unwrap_or("").chars().take(12).collect::<String>()}</td>
                                    <td class="text-xs">{format!("{:.1} KB", doc["bytes"].as_f64().unwrap_or(0.0) / 1024.0)}</td>
                                    <td>{doc["chunks"].to_string()}</td>
                                    <td class="text-xs" data-testid="kb-status" title=doc["error"].as_str().unwrap_or("").to_string()>{doc["status"].as_str().unwrap_or("").to_string()}</td>
                                    <td><button type="button" class="text-xs text-red-700 hover:underline dark:text-red-300" on:click=move |_| delete(id)>{move || if confirm_delete.get() == Some(id) { "Click again to delete" } else { "Delete" }}</button></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {move || chunks.get().map(|c| view! {
                    <div class="mt-4 border-t border-slate-200 pt-3 dark:border-slate-700" data-testid="kb-chunks">
                        <h3 class="mb-2 text-sm font-semibold">{format!("Chunks of {}", c["document"]["title"].as_str().unwrap_or(""))}</h3>
                        <ol class="max-h-96 space-y-2 overflow-y-auto text-xs">
                            {c["chunks"].as_array().cloned().unwrap_or_default().into_iter().map(|k| view! {
                                <li class="rounded bg-slate-50 p-2 dark:bg-slate-800">
                                    <p class="font-medium">{format!("{} · {}", k["id"].as_str().unwrap_or(""), k["title"].as_str().unwrap_or(""))}</p>
                                    <p class="mt-1 whitespace-pre-wrap text-slate-600 dark:text-slate-300">{k["content"].as_str().unwrap_or("").to_string()}</p>
                                </li>
                            }).collect_view()}
                        </ol>
                    </div>
                })}
            </section>
        </div>
    }
}

#[component]
fn Team() -> impl IntoView {
    let staff = RwSignal::new(Vec::<Value>::new());
    let keys = RwSignal::new(Vec::<Value>::new());
    let secret = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let refresh = RwSignal::new(0u32);
    let (email, name, password, role) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new("agent".to_string()),
    );
    let key_name = RwSignal::new(String::new());
    #[cfg(not(feature = "hydrate"))]
    let _ = refresh;

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        refresh.track();
        leptos::task::spawn_local(async move {
            match (
                fetch_json("GET", "/api/staff/users").await,
                fetch_json("GET", "/api/staff/api-keys").await,
            ) {
                (Ok(s), Ok(k)) => {
                    staff.set(s["staff"].as_array().cloned().unwrap_or_default());
                    keys.set(k["keys"].as_array().cloned().unwrap_or_default());
                }
                (Err(e), _) | (_, Err(e)) => error.set(Some(e)),
            }
        });
    });
    let post = move |url: String, body: Value, on_ok: Box<dyn Fn(Value)>| {
        error.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match send_json("POST", &url, Some(&body.to_string())).await {
                Ok(v) => {
                    on_ok(v);
                    refresh.update(|r| *r += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (url, body, on_ok);
    };
    let add_staff = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        post(
            "/api/staff/users".into(),
            json!({ "email": email.get_untracked(), "name": name.get_untracked(), "password": password.get_untracked(), "role": role.get_untracked() }),
            Box::new(move |_| {
                email.set(String::new());
                name.set(String::new());
                password.set(String::new());
            }),
        );
    };
    let add_key = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        post(
            "/api/staff/api-keys".into(),
            json!({ "name": key_name.get_untracked() }),
            Box::new(move |v| {
                key_name.set(String::new());
                secret.set(v["secret"].as_str().map(str::to_owned));
            }),
        );
    };
    view! {
        <Show when=move || error.get().is_some()><p role="alert" class="mb-3 rounded bg-red-50 p-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">{move || error.get()}</p></Show>
        <div class="grid gap-4 lg:grid-cols-2">
            <section class=CARD aria-label="Team">
                <h2 class="mb-2 font-semibold">"Team"</h2>
                <ul class="mb-3 space-y-1 text-sm" data-testid="staff-list">
                    {move || staff.get().into_iter().map(|s| {
                        let id = s["id"].as_i64().unwrap_or_default();
                        let active = s["active"] == true;
                        view! {
                            <li class="flex items-center justify-between gap-2">
                                <span>{format!("{} · {} · {}", s["name"].as_str().unwrap_or(""), s["email"].as_str().unwrap_or(""), s["role"].as_str().unwrap_or(""))}{(!active).then_some(" (off)")}</span>
                                <button type="button" class="text-xs text-indigo-700 hover:underline dark:text-indigo-300" on:click=move |_| post(format!("/api/staff/users/{id}/active"), json!({ "active": !active }), Box::new(|_| {}))>{if active { "Turn off" } else { "Turn on" }}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <form class="grid gap-2 sm:grid-cols-2" on:submit=add_staff data-testid="add-staff">
                    <input type="email" required placeholder="Email" aria-label="Email" class=INPUT prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                    <input required placeholder="Name" aria-label="Name" class=INPUT prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                    <input type="password" required minlength="10" placeholder="Password (10+ characters)" aria-label="Password" class=INPUT prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                    <select aria-label="Role" class=INPUT on:change=move |ev| role.set(event_target_value(&ev))><option value="agent">"agent"</option><option value="admin">"admin"</option></select>
                    <button type="submit" class=BUTTON>"Add to the team"</button>
                </form>
            </section>
            <section class=CARD aria-label="API keys">
                <h2 class="mb-2 font-semibold">"API keys"</h2>
                <p class="mb-2 text-xs text-slate-500">"For machine clients of the REST API ("<a class="underline" href="/api/v1/docs/" rel="external">"documentation"</a>"). A key is shown once; only its hash is kept."</p>
                {move || secret.get().map(|s| view! {
                    <p class="mb-2 break-all rounded bg-emerald-50 p-2 font-mono text-xs text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100" data-testid="new-key">{s}</p>
                })}
                <form class="mb-3 flex gap-2" on:submit=add_key>
                    <input required placeholder="What the key is for" aria-label="Key name" class=INPUT prop:value=move || key_name.get() on:input=move |ev| key_name.set(event_target_value(&ev))/>
                    <button type="submit" class=BUTTON>"Create"</button>
                </form>
                <ul class="space-y-1 text-sm" data-testid="key-list">
                    {move || keys.get().into_iter().map(|k| {
                        let id = k["id"].as_i64().unwrap_or_default();
                        let revoked = !k["revoked_at"].is_null();
                        view! {
                            <li class="flex items-center justify-between gap-2">
                                <span><code>{format!("{}…", k["prefix"].as_str().unwrap_or(""))}</code>{format!(" {} · {}/min", k["name"].as_str().unwrap_or(""), k["rate_per_minute"])}{revoked.then_some(" · revoked")}</span>
                                {(!revoked).then(|| view! { <button type="button" class="text-xs text-red-700 hover:underline dark:text-red-300" on:click=move |_| post(format!("/api/staff/api-keys/{id}/revoke"), json!({}), Box::new(|_| {}))>"Revoke"</button> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        </div>
    }
}
