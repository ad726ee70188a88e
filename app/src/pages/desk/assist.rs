//! Agent assist in a conversation: "Suggest a reply" puts the agent's draft (with the tools and
//! passages behind it) in the reply box to edit, and typing `/` at the start of the box lists
//! the canned replies, filled with the conversation's facts; arrows choose, Enter or a click
//! inserts, Escape closes. Nothing is sent until the person sends it.

use super::GHOST;
use domain::api::desk::{CannedReply, SuggestedReply};
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::components::http;
#[cfg(feature = "hydrate")]
use domain::api::routes::desk_api;

/// The canned replies of the conversation and the `/` menu's state.
#[derive(Clone, Copy)]
pub(super) struct Canned {
    replies: RwSignal<Vec<CannedReply>>,
    /// The highlighted entry of the filtered list.
    active: RwSignal<usize>,
    /// Closed with Escape until the draft changes again.
    dismissed: RwSignal<bool>,
    draft: RwSignal<String>,
}

impl Canned {
    pub(super) fn new(id: StoredValue<String>, draft: RwSignal<String>) -> Canned {
        let canned = Canned {
            replies: RwSignal::new(Vec::new()),
            active: RwSignal::new(0),
            dismissed: RwSignal::new(false),
            draft,
        };
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            if let Ok(list) = http::ask(desk_api::CANNED.url(&[&id.get_value()])).await {
                canned.replies.set(list.replies);
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = id;
        canned
    }

    /// What follows the `/`, when the draft is a `/` command.
    fn query(&self) -> Option<String> {
        self.draft
            .with(|d| d.strip_prefix('/').map(|q| q.trim().to_lowercase()))
    }

    fn matching(&self) -> Vec<CannedReply> {
        let Some(query) = self.query() else {
            return Vec::new();
        };
        self.replies.with(|all| {
            all.iter()
                .filter(|r| {
                    query.is_empty()
                        || r.title.to_lowercase().contains(&query)
                        || r.text.to_lowercase().contains(&query)
                })
                .cloned()
                .collect()
        })
    }

    fn open(&self) -> bool {
        !self.dismissed.get() && !self.matching().is_empty()
    }

    fn insert(&self, reply: &CannedReply) {
        self.draft.set(reply.text.clone());
        self.active.set(0);
    }

    /// The draft was typed in: the menu opens again and starts at the top.
    pub(super) fn typed(&self) {
        self.dismissed.set(false);
        self.active.set(0);
    }

    /// Handles a key of the reply box while the menu is open; `true` when it was the menu's.
    pub(super) fn key(&self, key: &str) -> bool {
        if !self.open() {
            return false;
        }
        let count = self.matching().len();
        match key {
            "ArrowDown" => self.active.update(|a| *a = (*a + 1) % count),
            "ArrowUp" => self.active.update(|a| *a = (*a + count - 1) % count),
            "Enter" | "Tab" => {
                if let Some(reply) = self.matching().get(self.active.get_untracked()) {
                    self.insert(reply);
                }
            }
            "Escape" => self.dismissed.set(true),
            _ => return false,
        }
        true
    }
}

/// The `/` menu, under the reply box.
#[component]
pub(super) fn CannedMenu(canned: Canned) -> impl IntoView {
    view! {
        <Show when=move || canned.open()>
            <div class="mt-1 rounded-lg border border-slate-200 bg-white shadow dark:border-slate-700 dark:bg-slate-900" data-testid="canned-list">
                <p class="px-3 pt-2 text-xs text-slate-600 dark:text-slate-400" aria-live="polite">
                    {move || format!("{} canned replies: arrows choose, Enter inserts, Escape closes.", canned.matching().len())}
                </p>
                <ul class="max-h-56 overflow-y-auto p-1">
                    {move || canned.matching().into_iter().enumerate().map(|(i, reply)| {
                        let active = move || canned.active.get() == i;
                        let chosen = reply.clone();
                        view! {
                            <li>
                                <button type="button" data-testid="canned-option"
                                    class="w-full rounded px-2 py-1 text-left text-sm hover:bg-slate-100 dark:hover:bg-slate-800"
                                    class=("bg-indigo-50", active) class=("dark:bg-indigo-950", active)
                                    on:mousedown=move |ev| { ev.prevent_default(); canned.insert(&chosen); }>
                                    <span class="font-medium">{reply.title.clone()}</span>
                                    <span class="block truncate text-xs text-slate-600 dark:text-slate-400">{reply.text.clone()}</span>
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </div>
        </Show>
    }
}

/// "Suggest a reply": the agent's draft goes in the box, with where it came from.
#[component]
pub(super) fn SuggestButton(id: StoredValue<String>, draft: RwSignal<String>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let note = RwSignal::new(None::<SuggestedReply>);
    let error = RwSignal::new(None::<String>);
    let suggest = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match http::ask(desk_api::SUGGESTION.url(&[&id.get_value()])).await {
                Ok(reply) => {
                    draft.set(reply.text.clone());
                    note.set(Some(reply));
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, draft);
    };
    view! {
        <div class="mt-3 flex flex-wrap items-center gap-2 text-xs text-slate-600 dark:text-slate-400">
            <button type="button" class=GHOST data-testid="suggest-reply" disabled=move || busy.get() on:click=suggest>
                {move || if busy.get() { "Drafting…" } else { "Suggest a reply" }}
            </button>
            <span>"or type / for canned replies"</span>
        </div>
        <Show when=move || error.get().is_some()>
            <p role="alert" class="mt-1 text-xs text-red-700 dark:text-red-300">{move || error.get()}</p>
        </Show>
        {move || note.get().map(|n| {
            let tools = n.tools.iter().map(|t| format!("{} {}", if t.ok { "✓" } else { "✗" }, t.tool)).collect::<Vec<_>>().join(", ");
            let sources = n.citations.iter().map(|c| c.title.clone()).collect::<Vec<_>>().join("; ");
            view! {
                <p class="mt-1 text-xs text-slate-600 dark:text-slate-400" data-testid="suggestion-note">
                    {format!("Draft by {} in {:.0} ms, answering “{}”. Edit it before sending; nothing was sent or done.", n.backend, n.elapsed_ms, n.answers)}
                    {(!tools.is_empty()).then(|| format!(" Tools: {tools}."))}
                    {(!sources.is_empty()).then(|| format!(" Sources: {sources}."))}
                </p>
            }
        })}
    }
}
