//! Privacy requests (admins): a customer's data as a JSON download, or erased once the email is
//! typed a second time. Both are in the audit log.

use super::{ALERT, CARD, INPUT};
use domain::api::routes::desk_api;
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::components::http;

#[component]
pub(super) fn PrivacyRequests() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let asking = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let valid = move || email.with(|e| domain::is_email_address(e.trim()));
    let export_href = move || {
        desk_api::CUSTOMER_EXPORT
            .url(&[&email.get().trim().to_lowercase()])
            .to_string()
    };
    let erase = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        notice.set(None);
        if !asking.get_untracked() {
            asking.set(true);
            return;
        }
        let who = email.get_untracked().trim().to_lowercase();
        let body = domain::api::v1::EraseRequest {
            confirm_email: confirm.get_untracked(),
        };
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match http::send(desk_api::CUSTOMER_ERASE.url(&[&who]), &body).await {
                Ok(erased) => {
                    notice.set(Some(format!(
                        "Erased everything about {who}: {} conversation(s), {} message(s), {} ticket(s), {} order(s), {} row(s) in all.",
                        erased.conversations, erased.messages, erased.tickets, erased.orders, erased.total
                    )));
                    asking.set(false);
                    confirm.set(String::new());
                }
                Err(e) => error.set(Some(e)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (who, body);
    };
    view! {
        <section class=format!("{CARD} mt-4") aria-label="Privacy requests" data-testid="privacy">
            <h2 class="mb-1 font-semibold">"Privacy requests"</h2>
            <p class="mb-2 text-xs text-slate-600 dark:text-slate-400">"Everything kept about a customer's email: their orders, tickets, conversations with every message, and the mail the store sent them. Export it as JSON, or erase it for good."</p>
            <form class="space-y-2" on:submit=erase>
                <label class="block text-sm">"Customer email"
                    <input type="email" required class=INPUT data-testid="privacy-email" prop:value=move || email.get()
                        on:input=move |ev| { email.set(event_target_value(&ev)); asking.set(false); }/>
                </label>
                <div class="flex flex-wrap items-center gap-2">
                    <a class=move || if valid() { "rounded-lg border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 dark:border-slate-600 dark:hover:bg-slate-800" } else { "pointer-events-none rounded-lg border border-slate-200 px-3 py-1.5 text-sm opacity-50 dark:border-slate-700" }
                        href=export_href download="customer-data.json" rel="external" data-testid="privacy-export" aria-disabled=move || (!valid()).to_string()>"Export (JSON)"</a>
                    <button type="submit" class="rounded-lg border border-red-300 px-3 py-1.5 text-sm text-red-700 hover:bg-red-50 disabled:opacity-50 dark:border-red-700 dark:text-red-300 dark:hover:bg-red-950" disabled=move || !valid() data-testid="privacy-erase">
                        {move || if asking.get() { "Erase for good" } else { "Erase…" }}
                    </button>
                </div>
                <Show when=move || asking.get()>
                    <label class="block text-sm text-red-800 dark:text-red-200">"This cannot be undone. Type the email again to confirm."
                        <input type="email" required class=INPUT data-testid="privacy-confirm" prop:value=move || confirm.get() on:input=move |ev| confirm.set(event_target_value(&ev))/>
                    </label>
                </Show>
            </form>
            <Show when=move || error.get().is_some()><p role="alert" class=format!("mt-2 {ALERT}")>{move || error.get()}</p></Show>
            <Show when=move || notice.get().is_some()><p role="status" class="mt-2 text-sm text-emerald-700 dark:text-emerald-300" data-testid="privacy-done">{move || notice.get()}</p></Show>
        </section>
    }
}
