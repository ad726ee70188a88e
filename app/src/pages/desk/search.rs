//! Searching the desk's conversations: words (found in any message, by the server's full-text
//! index), filters (status, holder, priority, category, rating, dates) and the pages of results.

use super::{GHOST, INPUT};
use domain::api::desk::{ConversationList, ConversationSearchParams};
use leptos::prelude::*;

const SELECT: &str = "w-full rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-600 dark:bg-slate-950";

/// One filter: a labelled select whose first option ("any") clears it.
fn choice(
    search: RwSignal<ConversationSearchParams>,
    label: &'static str,
    id: &'static str,
    field: fn(&mut ConversationSearchParams) -> &mut Option<String>,
    options: Vec<(&'static str, String)>,
) -> impl IntoView {
    let current = move || {
        let mut params = search.get();
        field(&mut params).clone().unwrap_or_default()
    };
    view! {
        <label class="block text-xs font-medium" for=id>{label}</label>
        <select id=id class=SELECT data-testid=id
            prop:value=current
            on:change=move |ev| {
                let value = event_target_value(&ev);
                search.update(|s| {
                    *field(s) = (!value.is_empty()).then_some(value);
                    s.page = None;
                });
            }>
            {options.into_iter().map(|(text, value)| view! { <option value=value>{text}</option> }).collect_view()}
        </select>
    }
}

fn options(any: &'static str, values: &[&'static str]) -> Vec<(&'static str, String)> {
    std::iter::once((any, String::new()))
        .chain(values.iter().map(|v| (*v, (*v).to_owned())))
        .collect()
}

#[component]
pub(super) fn SearchBar(search: RwSignal<ConversationSearchParams>) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = draft.get_untracked();
        search.update(|s| {
            s.q = (!text.trim().is_empty()).then_some(text);
            s.page = None;
        });
    };
    let filtered = move || {
        search.with(|s| {
            s.pairs()
                .iter()
                .any(|(k, _)| !matches!(*k, "view" | "page"))
        })
    };
    let clear = move |_| {
        draft.set(String::new());
        search.update(|s| {
            *s = ConversationSearchParams {
                view: s.view.clone(),
                ..ConversationSearchParams::default()
            };
        });
    };
    let categories: Vec<&'static str> = domain::api::support::CATEGORIES.to_vec();
    view! {
        <form role="search" class="mb-2 flex gap-2" on:submit=submit>
            <label for="desk-search" class="sr-only">"Search conversations"</label>
            <input id="desk-search" type="search" class=INPUT maxlength="200" data-testid="desk-search"
                placeholder="Words, an email or an id"
                prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))/>
            <button type="submit" class=GHOST data-testid="desk-search-submit">"Search"</button>
        </form>
        <details class="mb-3 text-sm" data-testid="desk-filters">
            <summary class="cursor-pointer select-none text-slate-700 dark:text-slate-300">
                "Filters" {move || filtered().then_some(" (on)")}
            </summary>
            <div class="mt-2 grid grid-cols-2 gap-2">
                <div>{choice(search, "Status", "filter-status", |s| &mut s.status, vec![("Any", String::new()), ("With the agent", "open".into()), ("Needs a person", "escalated".into()), ("Resolved", "closed".into())])}</div>
                <div>{choice(search, "Held by", "filter-assignee", |s| &mut s.assignee, vec![("Anyone", String::new()), ("Nobody", "none".into()), ("Me", "me".into())])}</div>
                <div>{choice(search, "Priority", "filter-priority", |s| &mut s.priority, options("Any", &["urgent", "high", "medium", "low"]))}</div>
                <div>{choice(search, "Category", "filter-category", |s| &mut s.category, options("Any", &categories))}</div>
                <div>{choice(search, "Rating", "filter-rating", |s| &mut s.rating, vec![("Any", String::new()), ("1-2 stars", "low".into()), ("3 stars", "middle".into()), ("4-5 stars", "high".into()), ("Not rated", "unrated".into())])}</div>
                <div></div>
                <div>
                    <label class="block text-xs font-medium" for="filter-from">"Started from"</label>
                    <input id="filter-from" type="date" class=SELECT data-testid="filter-from"
                        prop:value=move || search.with(|s| s.from.clone().unwrap_or_default())
                        on:change=move |ev| { let v = event_target_value(&ev); search.update(|s| { s.from = (!v.is_empty()).then_some(v); s.page = None; }); }/>
                </div>
                <div>
                    <label class="block text-xs font-medium" for="filter-to">"to"</label>
                    <input id="filter-to" type="date" class=SELECT data-testid="filter-to"
                        prop:value=move || search.with(|s| s.to.clone().unwrap_or_default())
                        on:change=move |ev| { let v = event_target_value(&ev); search.update(|s| { s.to = (!v.is_empty()).then_some(v); s.page = None; }); }/>
                </div>
            </div>
        </details>
        <Show when=filtered>
            <p class="mb-2 flex items-center justify-between text-xs text-slate-600 dark:text-slate-400">
                <span>{move || search.with(|s| s.q.clone()).map(|q| format!("Matching “{q}”")).unwrap_or_else(|| "Filtered".to_owned())}</span>
                <button type="button" class="underline" data-testid="desk-search-clear" on:click=clear>"Clear search"</button>
            </p>
        </Show>
    }
}

/// "1–50 of 230" with the previous and next pages.
#[component]
pub(super) fn Pager(
    list: ConversationList,
    search: RwSignal<ConversationSearchParams>,
) -> impl IntoView {
    let page = list.page.max(1);
    let per_page = u64::from(list.per_page.max(1));
    let first = u64::from(page - 1) * per_page + 1;
    let last = (first + list.conversations.len() as u64).saturating_sub(1);
    let has_next = last < list.total;
    let go = move |to: u32| search.update(|s| s.page = (to > 1).then(|| to.to_string()));
    (list.total > 0).then(|| view! {
        <nav class="mt-3 flex items-center justify-between text-xs text-slate-600 dark:text-slate-400" aria-label="Pages of conversations">
            <span data-testid="desk-page-range">{format!("{first}–{last} of {}", list.total)}</span>
            <span class="flex gap-1">
                <button type="button" class=GHOST disabled=page <= 1 on:click=move |_| go(page - 1) data-testid="desk-page-prev">"Previous"</button>
                <button type="button" class=GHOST disabled=!has_next on:click=move |_| go(page + 1) data-testid="desk-page-next">"Next"</button>
            </span>
        </nav>
    })
}
