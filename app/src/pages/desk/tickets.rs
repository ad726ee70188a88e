//! Tickets by status, each with its status and its holder to change in place, and its due time
//! from the priority's service level (overdue ones stand out).

use super::{CARD, DeskState};
use domain::api::desk::{StaffMember, Ticket, TicketStatus};
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::components::{http, task};
#[cfg(feature = "hydrate")]
use domain::api::routes::desk_api;

#[component]
pub(super) fn Tickets() -> impl IntoView {
    let desk = expect_context::<DeskState>();
    // None shows every status.
    let status = RwSignal::new(Some(TicketStatus::Open));
    let tickets = RwSignal::new(Vec::<Ticket>::new());
    let error = RwSignal::new(None::<String>);
    // Who a ticket can be given to: oneself, or (an administrator) anyone on the team.
    let team = RwSignal::new(Vec::<StaffMember>::new());
    let me = move || desk.me.get();

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if !desk.is_admin() {
            return;
        }
        task::spawn_scoped(async move {
            if let Ok(list) = http::ask(desk_api::USERS.url(&[])).await {
                team.set(list.staff.into_iter().filter(|s| s.active).collect());
            }
        });
    });

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let s = status.get();
        desk.tick.track();
        // Cancelled when the filter changes again or the tab is left, so a slower answer for
        // another filter never lands here.
        task::spawn_scoped(async move {
            let query = s.map_or("all", TicketStatus::as_str);
            match http::ask(desk_api::TICKETS.url(&[]).query("status", &query)).await {
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
    let assign = move |id: i64, to: Option<i64>| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let body = domain::api::desk::TicketAssign { staff_id: to };
            match http::send(desk_api::TICKET_ASSIGN.url(&[&id]), &body).await {
                Ok(_) => desk.refresh(),
                Err(e) => error.set(Some(e)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, to);
    };
    // The people a ticket's holder can be chosen from, as (id, name).
    let people = move |holder: Option<(i64, String)>| {
        let mut people: Vec<(i64, String)> =
            team.get().into_iter().map(|s| (s.id, s.name)).collect();
        if let Some(m) = me()
            && !people.iter().any(|(id, _)| *id == m.id)
        {
            people.push((m.id, m.name));
        }
        if let Some(h) = holder
            && !people.iter().any(|(id, _)| *id == h.0)
        {
            people.push(h);
        }
        people
    };
    // The browser's clock (the list is only drawn there, after sign-in).
    #[cfg(feature = "hydrate")]
    let now_ms = js_sys::Date::now() as i64;
    #[cfg(not(feature = "hydrate"))]
    let now_ms = 0_i64;
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
                    <thead class="text-xs text-slate-600 dark:text-slate-400"><tr><th class="py-1">"#"</th><th>"Subject"</th><th>"Customer"</th><th>"Priority"</th><th>"Due"</th><th>"Held by"</th><th>"Status"</th></tr></thead>
                    <tbody>
                        {move || tickets.get().into_iter().map(|t| {
                            let id = t.id;
                            let current = t.status;
                            let overdue = t.is_overdue_at_ms(now_ms);
                            let holder = t.assigned_to.zip(t.assigned_name.clone());
                            let held = t.assigned_to;
                            view! {
                                <tr class="border-t border-slate-100 dark:border-slate-800" class=("bg-red-50", overdue) class=("dark:bg-red-950", overdue) data-testid="ticket-row">
                                    <td class="py-1.5">{id}</td>
                                    <td class="max-w-xs truncate" title=t.description.clone()>{t.subject.clone()}</td>
                                    <td>{t.customer_email.clone()}</td>
                                    <td>{t.priority.as_str()}</td>
                                    <td class="text-xs" title=format!("Opened {}", t.created_at.format("%Y-%m-%d %H:%M"))>
                                        {t.due_at().format("%Y-%m-%d %H:%M").to_string()}
                                        {overdue.then(|| view! { <span class="ml-1 rounded bg-red-600 px-1 font-semibold text-white" data-testid="ticket-overdue">"overdue"</span> })}
                                    </td>
                                    <td>
                                        <select aria-label=format!("Holder of ticket {id}") data-testid="ticket-holder" class="rounded border border-slate-300 bg-white px-1 py-0.5 text-xs dark:border-slate-600 dark:bg-slate-950"
                                            on:change=move |ev| { let v = event_target_value(&ev); assign(id, v.parse().ok()) }>
                                            <option value="" selected=held.is_none()>"Nobody"</option>
                                            {move || people(holder.clone()).into_iter().map(|(pid, name)| view! { <option value=pid.to_string() selected=held == Some(pid)>{name}</option> }).collect_view()}
                                        </select>
                                    </td>
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
