//! Tickets by status, each with its status to change in place.

use super::{CARD, DeskState};
use domain::api::desk::{Ticket, TicketStatus};
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::components::http;
#[cfg(feature = "hydrate")]
use domain::api::routes::desk_api;

#[component]
pub(super) fn Tickets() -> impl IntoView {
    let desk = expect_context::<DeskState>();
    // None shows every status.
    let status = RwSignal::new(Some(TicketStatus::Open));
    let tickets = RwSignal::new(Vec::<Ticket>::new());
    let error = RwSignal::new(None::<String>);

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let s = status.get();
        desk.tick.track();
        leptos::task::spawn_local(async move {
            let query = s.map_or("all", TicketStatus::as_str);
            let answer = http::ask(desk_api::TICKETS.url(&[]).query("status", &query)).await;
            if status.get_untracked() != s {
                return;
            }
            match answer {
                Ok(list) => tickets.set(list.tickets),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    let change = move |id: i64, to: TicketStatus| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let body = domain::api::desk::TicketStatusChange { status: to };
            match http::send(desk_api::TICKET_STATUS.url(&[&id]), &body).await {
                Ok(_) => desk.refresh(),
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
                <select id="ticket-filter" class="rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-950" on:change=move |ev| status.set(event_target_value(&ev).parse().ok())>
                    <option value="open" selected>"open"</option>
                    <option value="in_progress">"in progress"</option>
                    <option value="resolved">"resolved"</option>
                    <option value="all">"all"</option>
                </select>
            </div>
            <Show when=move || error.get().is_some()><p role="alert" class="text-sm text-red-700">{move || error.get()}</p></Show>
            <Show when=move || tickets.with(Vec::is_empty)><p class="text-sm text-slate-600 dark:text-slate-400" data-testid="no-tickets">"No tickets with this status."</p></Show>
            <div class="overflow-x-auto">
                <table class="w-full text-left text-sm" data-testid="ticket-table">
                    <thead class="text-xs text-slate-600 dark:text-slate-400"><tr><th class="py-1">"#"</th><th>"Subject"</th><th>"Customer"</th><th>"Priority"</th><th>"Opened"</th><th>"Status"</th></tr></thead>
                    <tbody>
                        {move || tickets.get().into_iter().map(|t| {
                            let id = t.id;
                            let current = t.status;
                            view! {
                                <tr class="border-t border-slate-100 dark:border-slate-800" data-testid="ticket-row">
                                    <td class="py-1.5">{id}</td>
                                    <td class="max-w-xs truncate" title=t.description.clone()>{t.subject.clone()}</td>
                                    <td>{t.customer_email.clone()}</td>
                                    <td>{t.priority.as_str()}</td>
                                    <td class="text-xs">{t.created_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                                    <td>
                                        <select aria-label=format!("Status of ticket {id}") class="rounded border border-slate-300 bg-white px-1 py-0.5 text-xs dark:border-slate-600 dark:bg-slate-950"
                                            on:change=move |ev| if let Ok(to) = event_target_value(&ev).parse() { change(id, to) }>
                                            {TicketStatus::ALL.iter().copied().map(|s| view! { <option value=s.as_str() selected=current == s>{s.as_str().replace('_', " ")}</option> }).collect_view()}
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
