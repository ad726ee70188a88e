//! The team (admins): staff accounts, turned on or off, and API keys for machine clients (a new
//! key's secret is shown once).

use super::{BUTTON, CARD, INPUT};
use domain::api::desk::{ApiKey, StaffMember, StaffRole};
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::components::http;
#[cfg(feature = "hydrate")]
use domain::api::routes::desk_api;

#[component]
pub(super) fn Team() -> impl IntoView {
    let staff = RwSignal::new(Vec::<StaffMember>::new());
    let keys = RwSignal::new(Vec::<ApiKey>::new());
    let secret = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let refresh = RwSignal::new(0u32);
    let (email, name, password, role) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(StaffRole::Agent),
    );
    let key_name = RwSignal::new(String::new());
    #[cfg(not(feature = "hydrate"))]
    let _ = refresh;

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        refresh.track();
        leptos::task::spawn_local(async move {
            match (
                http::ask(desk_api::USERS.url(&[])).await,
                http::ask(desk_api::API_KEYS.url(&[])).await,
            ) {
                (Ok(s), Ok(k)) => {
                    staff.set(s.staff);
                    keys.set(k.keys);
                }
                (Err(e), _) | (_, Err(e)) => error.set(Some(e)),
            }
        });
    });
    // Sends one change; on success the lists load again.
    #[cfg(feature = "hydrate")]
    let done = move |answer: Result<(), String>| match answer {
        Ok(()) => refresh.update(|r| *r += 1),
        Err(e) => error.set(Some(e)),
    };
    let add_staff = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let body = domain::api::desk::NewStaff {
            email: email.get_untracked(),
            name: name.get_untracked(),
            password: password.get_untracked(),
            role: role.get_untracked(),
        };
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let answer = http::send(desk_api::ADD_USER.url(&[]), &body).await;
            if answer.is_ok() {
                email.set(String::new());
                name.set(String::new());
                password.set(String::new());
            }
            done(answer.map(drop));
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = body;
    };
    let set_active = move |id: i64, active: bool| {
        error.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let body = domain::api::desk::SetActive { active };
            done(
                http::send(desk_api::USER_ACTIVE.url(&[&id]), &body)
                    .await
                    .map(drop),
            );
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, active);
    };
    let add_key = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let body = domain::api::desk::NewApiKey {
            name: key_name.get_untracked(),
            rate_per_minute: None,
        };
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let answer = http::send(desk_api::ADD_API_KEY.url(&[]), &body).await;
            if let Ok(created) = &answer {
                key_name.set(String::new());
                secret.set(Some(created.secret.clone()));
            }
            done(answer.map(drop));
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = body;
    };
    let revoke = move |id: i64| {
        error.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            done(
                http::ask(desk_api::REVOKE_API_KEY.url(&[&id]))
                    .await
                    .map(drop),
            );
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = id;
    };
    view! {
        <Show when=move || error.get().is_some()><p role="alert" class=format!("mb-3 {}", super::ALERT)>{move || error.get()}</p></Show>
        <div class="grid gap-4 lg:grid-cols-2">
            <section class=CARD aria-label="Team">
                <h2 class="mb-2 font-semibold">"Team"</h2>
                <ul class="mb-3 space-y-1 text-sm" data-testid="staff-list">
                    {move || staff.get().into_iter().map(|s| {
                        let id = s.id;
                        let active = s.active;
                        view! {
                            <li class="flex items-center justify-between gap-2">
                                <span>{format!("{} · {} · {}", s.name, s.email, s.role)}{(!active).then_some(" (off)")}</span>
                                <button type="button" class="text-xs text-indigo-700 hover:underline dark:text-indigo-300" on:click=move |_| set_active(id, !active)>{if active { "Turn off" } else { "Turn on" }}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <form class="grid gap-2 sm:grid-cols-2" on:submit=add_staff data-testid="add-staff">
                    <input type="email" required placeholder="Email" aria-label="Email" class=INPUT prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                    <input required placeholder="Name" aria-label="Name" class=INPUT prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                    <input type="password" required minlength="10" placeholder="Password (10+ characters)" aria-label="Password" class=INPUT prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                    <select aria-label="Role" class=INPUT on:change=move |ev| role.set(event_target_value(&ev).parse().unwrap_or(StaffRole::Agent))>
                        {StaffRole::ALL.iter().map(|r| view! { <option value=r.as_str()>{r.as_str()}</option> }).collect_view()}
                    </select>
                    <button type="submit" class=BUTTON>"Add to the team"</button>
                </form>
            </section>
            <section class=CARD aria-label="API keys">
                <h2 class="mb-2 font-semibold">"API keys"</h2>
                <p class="mb-2 text-xs text-slate-600 dark:text-slate-400">"For machine clients of the REST API ("<a class="underline" href="/api/v1/docs/" rel="external">"documentation"</a>"). A key is shown once; only its hash is kept."</p>
                {move || secret.get().map(|s| view! {
                    <p class="mb-2 break-all rounded bg-emerald-50 p-2 font-mono text-xs text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100" data-testid="new-key">{s}</p>
                })}
                <form class="mb-3 flex gap-2" on:submit=add_key>
                    <input required placeholder="What the key is for" aria-label="Key name" class=INPUT prop:value=move || key_name.get() on:input=move |ev| key_name.set(event_target_value(&ev))/>
                    <button type="submit" class=BUTTON>"Create"</button>
                </form>
                <ul class="space-y-1 text-sm" data-testid="key-list">
                    {move || keys.get().into_iter().map(|k| {
                        let id = k.id;
                        let revoked = k.revoked_at.is_some();
                        view! {
                            <li class="flex items-center justify-between gap-2">
                                <span><code>{format!("{}…", k.prefix)}</code>{format!(" {} · {}/min", k.name, k.rate_per_minute)}{revoked.then_some(" · revoked")}</span>
                                {(!revoked).then(|| view! { <button type="button" class="text-xs text-red-700 hover:underline dark:text-red-300" on:click=move |_| revoke(id)>"Revoke"</button> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        </div>
    }
}
