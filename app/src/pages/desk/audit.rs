//! The audit log (admins): who did what on the desk, newest first, a page at a time, and the
//! whole log as CSV.

use super::{ALERT, BUTTON, CARD};
use domain::api::desk::AuditEntry;
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::components::http;
use domain::api::routes::desk_api;

#[component]
pub(super) fn AuditLog() -> impl IntoView {
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let next = RwSignal::new(None::<i64>);
    let loading = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);
    // `before`: the page after that entry (none: the newest); `append`: keep what is shown.
    let load = move |before: Option<i64>| {
        loading.set(true);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let url = match before {
                Some(id) => desk_api::AUDIT.url(&[]).query("before", &id),
                None => desk_api::AUDIT.url(&[]),
            };
            match http::ask(url).await {
                Ok(page) => {
                    entries.update(|e| {
                        if before.is_none() {
                            e.clear();
                        }
                        e.extend(page.entries);
                    });
                    next.set(page.next_before);
                }
                Err(e) => error.set(Some(e)),
            }
            loading.set(false);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = before;
    };
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| load(None));
    view! {
        <section class=CARD aria-label="Audit log">
            <div class="mb-2 flex flex-wrap items-center justify-between gap-2">
                <h2 class="font-semibold">"Audit log"</h2>
                <div class="flex gap-2">
                    <button type="button" class="text-sm text-indigo-700 hover:underline dark:text-indigo-300" on:click=move |_| load(None)>"Refresh"</button>
                    <a class="text-sm text-indigo-700 hover:underline dark:text-indigo-300" href=desk_api::AUDIT_CSV.template() download="audit-log.csv" rel="external" data-testid="audit-csv">"Download CSV"</a>
                </div>
            </div>
            <p class="mb-2 text-xs text-slate-600 dark:text-slate-400">"Sign-ins (and failed ones), claims, replies, resolutions, ticket changes, accounts, API keys and knowledge-base changes, with the address they came from."</p>
            <Show when=move || error.get().is_some()><p role="alert" class=ALERT>{move || error.get()}</p></Show>
            <div class="overflow-x-auto">
                <table class="w-full text-left text-xs" data-testid="audit-table">
                    <thead class="text-slate-600 dark:text-slate-400">
                        <tr><th scope="col" class="py-1 pr-2">"When"</th><th scope="col" class="pr-2">"Who"</th><th scope="col" class="pr-2">"What"</th><th scope="col" class="pr-2">"To what"</th><th scope="col" class="pr-2">"Detail"</th><th scope="col">"From"</th></tr>
                    </thead>
                    <tbody>
                        {move || entries.get().into_iter().map(|e| view! {
                            <tr class="border-t border-slate-200 align-top dark:border-slate-700" data-testid="audit-entry">
                                <td class="whitespace-nowrap py-1 pr-2"><time datetime=e.at.to_rfc3339()>{e.at.format("%Y-%m-%d %H:%M:%S").to_string()}</time></td>
                                <td class="pr-2">{e.actor}</td>
                                <td class="pr-2"><code data-testid="audit-action">{e.action}</code></td>
                                <td class="break-all pr-2">{e.target}</td>
                                <td class="break-all pr-2">{e.detail}</td>
                                <td>{e.ip}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <Show when=move || !loading.get() && entries.with(Vec::is_empty)>
                <p class="py-4 text-center text-sm text-slate-600 dark:text-slate-400">"Nothing recorded yet."</p>
            </Show>
            <Show when=move || next.get().is_some()>
                <button type="button" class=format!("mt-2 {BUTTON}") disabled=move || loading.get() on:click=move |_| load(next.get_untracked())>"Older entries"</button>
            </Show>
        </section>
    }
}
