//! The support desk for the store's team (staff only): a live list of conversations with claim,
//! release, reply and resolve; tickets; analytics as SVG charts; and, for admins, the knowledge
//! base and the team's accounts and API keys. Everything loads after sign-in from the desk's API
//! (`/api/desk`, typed by `domain::api::desk`), and a server-sent event stream keeps it current.

mod account;
mod alerts;
mod analytics;
mod assist;
mod audit;
mod conversations;
mod demos;
mod knowledge;
mod privacy;
mod search;
#[cfg(feature = "ssr")]
mod sign_in;
mod team;
mod tickets;

use domain::api::desk::StaffMember;
use domain::api::knowledge::IndexingProgress;
use leptos::either::EitherOf7;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};

#[cfg(feature = "hydrate")]
use crate::components::http;
#[cfg(feature = "hydrate")]
use domain::api::routes::desk_api;

const INPUT: &str = "w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-600 dark:bg-slate-950";
const BUTTON: &str = "rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-700 disabled:opacity-50";
const GHOST: &str = "rounded-lg border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 disabled:opacity-50 dark:border-slate-600 dark:hover:bg-slate-800";
const CARD: &str =
    "rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-700 dark:bg-slate-900";
const ALERT: &str = "rounded bg-red-50 p-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200";

/// Shared by the tabs: who is signed in, a counter the live stream bumps, the last
/// knowledge-base progress event.
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
struct DeskState {
    me: RwSignal<Option<StaffMember>>,
    tick: RwSignal<u64>,
    kb_progress: RwSignal<Option<IndexingProgress>>,
    live: RwSignal<bool>,
    /// Customers who asked for a person since the conversation list was last looked at.
    unread: RwSignal<u32>,
}

impl DeskState {
    fn is_admin(&self) -> bool {
        self.me
            .with(|m| m.as_ref().is_some_and(StaffMember::is_admin))
    }

    /// A "Try the desk" account: its own conversations, nothing else.
    fn is_demo(&self) -> bool {
        self.me.with(|m| m.as_ref().is_some_and(|m| m.demo))
    }

    /// Everything on screen loads again (after an action, or when the stream says so).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn refresh(&self) {
        self.tick.update(|t| *t += 1);
    }
}

/// `/desk`. The server looks the session up before rendering (`page_kind::SignedInToDesk`): a
/// visitor gets the sign-in page, a document with no WebAssembly (`sign_in`); a signed-in
/// request gets the desk, an island (its own chunk). So the browser only ever renders the
/// signed-in desk, and the sign-in card is not in the WebAssembly at all.
#[component]
pub fn DeskPage() -> impl IntoView {
    // Erased: the server renders this page, nothing hydrates it (its island does that), and the
    // two pages' full types together exceed the compiler's type-depth limit.
    let page = {
        #[cfg(feature = "ssr")]
        {
            let signed_in = use_context::<::http::request::Parts>()
                .is_some_and(|request| crate::page_kind::signed_in_to_desk(&request));
            if signed_in {
                view! { <StaffDesk/> }.into_any()
            } else {
                view! { <sign_in::SignInPage/> }.into_any()
            }
        }
        #[cfg(not(feature = "ssr"))]
        view! { <StaffDesk/> }.into_any()
    };
    view! {
        <Title text="Support desk"/>
        <Meta name="description" content="The support team's desk: live conversations with human handoff, tickets, analytics, the knowledge base and API keys."/>
        {page}
    }
}

/// The page's heading and description, the same for staff and visitors; `children` is what the
/// header shows beside them (the signed-in bar).
#[component]
fn Intro(#[prop(optional)] children: Option<Children>) -> impl IntoView {
    view! {
        <header class="mb-4 flex flex-wrap items-end justify-between gap-3">
            <div>
                <h1 class="text-3xl font-bold tracking-tight">"Support desk"</h1>
                <p class="mt-1 max-w-3xl text-slate-600 dark:text-slate-300">"For the store's team: take over conversations from the agent, answer customers live, and manage the knowledge base."</p>
            </div>
            {children.map(|children| children())}
        </header>
        <noscript><p class="mb-4 rounded-lg bg-amber-100 p-3 text-sm text-amber-900">"The desk needs JavaScript; please enable it."</p></noscript>
    }
}

/// The desk for a request the server found signed in: "Loading…" in the server's HTML, then,
/// in the browser, who is signed in and their sections. An island: the whole desk is one chunk
/// of the WASM, fetched only here.
#[island(lazy)]
fn StaffDesk() -> impl IntoView {
    crate::mark_hydrated();
    let desk = DeskState {
        me: RwSignal::new(None),
        tick: RwSignal::new(0),
        kb_progress: RwSignal::new(None),
        live: RwSignal::new(false),
        unread: RwSignal::new(0),
    };
    let checked = RwSignal::new(false);
    // The session ended (or could not be checked) between the page and this request.
    let refused = RwSignal::new(None::<String>);
    provide_context(desk);

    // Effects run only in the browser, once the page is hydrated.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            match http::ask(desk_api::ME.url(&[])).await {
                Ok(answer) => desk.me.set(Some(answer.staff)),
                Err(e) => refused.set(Some(e)),
            }
            checked.set(true);
        });
    });

    // The tab's title counts the customers waiting (the server's title has none).
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let title = match desk.unread.get() {
            0 => "Support desk · AI Portfolio".to_owned(),
            n => format!("({n}) Support desk · AI Portfolio"),
        };
        document().set_title(&title);
    });

    view! {
        <Intro>
            <Show when=move || desk.me.with(Option::is_some)>
                <SignedInBar/>
            </Show>
        </Intro>
        // The sign-in card's room, so the footer stays where the visitor's page had it.
        <div class="min-h-[28rem]">
            <Show when=move || checked.get() fallback=|| view! { <p class="text-sm text-slate-600 dark:text-slate-400" data-testid="desk-loading">"Loading…"</p> }>
                <Show when=move || desk.me.with(Option::is_some) fallback=move || view! { <SessionEnded message=refused.get().unwrap_or_default()/> }>
                    <DeskTabs/>
                </Show>
            </Show>
        </div>
    }
}

/// What the desk shows when the browser's session check is refused: the reason, and the way
/// back to the sign-in page (an ordinary page load: the server renders it).
#[component]
fn SessionEnded(message: String) -> impl IntoView {
    view! {
        <div class=format!("{CARD} mx-auto max-w-sm space-y-3") data-testid="session-ended">
            <p role="alert" class=ALERT>{message}</p>
            <a href="/desk" class=format!("{BUTTON} inline-block")>"Sign in again"</a>
        </div>
    }
}

#[component]
fn SignedInBar() -> impl IntoView {
    let desk = expect_context::<DeskState>();
    let sign_out = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let _ = http::ask(desk_api::LOGOUT.url(&[])).await;
            // The server renders the sign-in page; replacing the entry keeps Back from
            // returning to the signed-in desk.
            let _ = window().location().replace("/desk");
        });
    };
    view! {
        <div class="flex flex-wrap items-center gap-3 text-sm">
            <span class="flex items-center gap-1" data-testid="live-state">
                <span class=move || if desk.live.get() { "h-2 w-2 rounded-full bg-emerald-500" } else { "h-2 w-2 rounded-full bg-slate-400" } aria-hidden="true"></span>
                {move || if desk.live.get() { "Live" } else { "Connecting…" }}
            </span>
            <span data-testid="signed-in-as">{move || desk.me.with(|m| m.as_ref().map(|m| if m.demo { "Demo agent".to_owned() } else { format!("{} ({})", m.name, m.role) }).unwrap_or_default())}</span>
            <alerts::AlertSettings/>
            <button type="button" class=GHOST on:click=sign_out>"Sign out"</button>
        </div>
    }
}

/// What a demo account is told above its conversations.
#[component]
fn DemoBanner() -> impl IntoView {
    view! {
        <p class="mb-4 rounded-lg bg-indigo-50 p-3 text-sm text-indigo-950 dark:bg-indigo-950 dark:text-indigo-100" data-testid="demo-banner">
            "Demo desk: you see only the conversations this browser started. Open "
            <a href="/support" target="_blank" rel="noopener" class="font-medium underline">"Customer Support"</a>
            " in another tab, ask for a human, then take the conversation over here and reply: your answer appears in the customer's chat."
        </p>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Conversations,
    Tickets,
    Analytics,
    Knowledge,
    Team,
    Audit,
    Account,
}

impl Tab {
    fn label(self) -> &'static str {
        match self {
            Tab::Conversations => "Conversations",
            Tab::Tickets => "Tickets",
            Tab::Analytics => "Analytics",
            Tab::Knowledge => "Knowledge base",
            Tab::Team => "Team & API keys",
            Tab::Audit => "Audit & privacy",
            Tab::Account => "Your account",
        }
    }

    /// The id of its button; its panel's is `<id>-panel`.
    fn id(self) -> &'static str {
        match self {
            Tab::Conversations => "desk-tab-conversations",
            Tab::Tickets => "desk-tab-tickets",
            Tab::Analytics => "desk-tab-analytics",
            Tab::Knowledge => "desk-tab-knowledge",
            Tab::Team => "desk-tab-team",
            Tab::Audit => "desk-tab-audit",
            Tab::Account => "desk-tab-account",
        }
    }

    /// The sections a member of staff sees, in order (a demo account: its conversations).
    fn visible(admin: bool, demo: bool) -> &'static [Tab] {
        if demo {
            &[Tab::Conversations]
        } else if admin {
            &[
                Tab::Conversations,
                Tab::Tickets,
                Tab::Analytics,
                Tab::Knowledge,
                Tab::Team,
                Tab::Audit,
                Tab::Account,
            ]
        } else {
            &[
                Tab::Conversations,
                Tab::Tickets,
                Tab::Analytics,
                Tab::Account,
            ]
        }
    }
}

/// The desk's live stream: every event refreshes what is on screen; `kb` also carries indexing
/// progress.
#[cfg(feature = "hydrate")]
fn listen(desk: DeskState) {
    use domain::api::desk::LiveFrame;
    use domain::api::routes::desk_api;
    let names = [
        "hello",
        "conversation",
        "message",
        "claimed",
        "released",
        "resolved",
        "ticket",
        "kb",
        "rated",
        "resync",
    ];
    let stream = crate::components::live::listen(
        desk_api::EVENTS.url(&[]),
        &names,
        move |name, data| {
            desk.live.set(true);
            if name == "kb"
                && let Ok(frame) = serde_json::from_str::<LiveFrame<IndexingProgress>>(data)
            {
                desk.kb_progress.set(Some(frame.data));
            }
            if name == "conversation"
                && let Ok(frame) =
                    serde_json::from_str::<LiveFrame<domain::api::desk::TurnStored>>(data)
                && frame.data.escalated
            {
                let c = &frame.data.classification;
                alerts::escalated(
                    desk,
                    &format!("{} · {} priority", c.category.replace('_', " "), c.priority),
                );
            }
            if name != "hello" {
                desk.refresh();
            }
        },
        move || desk.live.set(false),
    );
    let stream = StoredValue::new_local(stream);
    on_cleanup(move || stream.update_value(|s| drop(s.take())));
}

#[component]
fn DeskTabs() -> impl IntoView {
    let desk = expect_context::<DeskState>();
    let tab = RwSignal::new(Tab::Conversations);

    #[cfg(feature = "hydrate")]
    listen(desk);

    // The WAI-ARIA tabs pattern: one tab stop (the selected tab), arrow keys, Home and End move
    // between the sections and select them.
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let tabs = Tab::visible(desk.is_admin(), desk.is_demo());
        let Some(at) = tabs.iter().position(|t| *t == tab.get_untracked()) else {
            return;
        };
        let next = match ev.key().as_str() {
            "ArrowRight" | "ArrowDown" => (at + 1) % tabs.len(),
            "ArrowLeft" | "ArrowUp" => (at + tabs.len() - 1) % tabs.len(),
            "Home" => 0,
            "End" => tabs.len() - 1,
            _ => return,
        };
        ev.prevent_default();
        tab.set(tabs[next]);
        #[cfg(feature = "hydrate")]
        if let Some(button) = leptos::prelude::document()
            .get_element_by_id(tabs[next].id())
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
        {
            let _ = button.focus();
        }
    };
    let tab_button = move |t: Tab| {
        view! {
            <button type="button" role="tab" id=t.id() aria-controls=format!("{}-panel", t.id())
                aria-selected=move || (tab.get() == t).to_string()
                tabindex=move || if tab.get() == t { "0" } else { "-1" }
                class=move || if tab.get() == t { "rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white" } else { "rounded-lg px-3 py-1.5 text-sm hover:bg-slate-200 dark:hover:bg-slate-800" }
                on:click=move |_| {
                    tab.set(t);
                    if t == Tab::Conversations {
                        desk.unread.set(0);
                    }
                }>
                {t.label()}
                {(t == Tab::Conversations).then(|| view! {
                    <Show when=move || desk.unread.get() != 0>
                        <span class="ml-1 rounded-full bg-red-600 px-1.5 text-xs font-semibold text-white" data-testid="unread-badge"
                            aria-label=move || format!("{} waiting for a person", desk.unread.get())>{move || desk.unread.get()}</span>
                    </Show>
                })}
            </button>
        }
    };
    view! {
        <Show when=move || desk.is_demo()>
            <DemoBanner/>
        </Show>
        <div role="tablist" aria-label="Desk sections" class="mb-4 flex flex-wrap gap-1" on:keydown=on_keydown>
            {tab_button(Tab::Conversations)}
            <Show when=move || !desk.is_demo()>
                {tab_button(Tab::Tickets)}
                {tab_button(Tab::Analytics)}
            </Show>
            <Show when=move || desk.is_admin()>
                {tab_button(Tab::Knowledge)}
                {tab_button(Tab::Team)}
                {tab_button(Tab::Audit)}
            </Show>
            <Show when=move || !desk.is_demo()>
                {tab_button(Tab::Account)}
            </Show>
        </div>
        <div role="tabpanel" id=move || format!("{}-panel", tab.get().id()) aria-labelledby=move || tab.get().id()>
        {move || match tab.get() {
            Tab::Conversations => EitherOf7::A(view! { <conversations::Conversations/> }),
            Tab::Tickets => EitherOf7::B(view! { <tickets::Tickets/> }),
            Tab::Analytics => EitherOf7::C(view! { <analytics::Analytics/> }),
            Tab::Knowledge => EitherOf7::D(view! { <knowledge::KnowledgeBase/> }),
            Tab::Team => EitherOf7::E(view! { <team::Team/> }),
            Tab::Audit => EitherOf7::F(view! { <audit::AuditLog/><alerts::AlertLogCard/><privacy::PrivacyRequests/> }),
            Tab::Account => EitherOf7::G(view! { <account::Account/> }),
        }}
        </div>
    }
}
