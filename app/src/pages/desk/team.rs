//! The team (admins): staff accounts, turned on or off, and API keys for machine clients (a new
//! key's secret is shown once).

use super::{BUTTON, CARD, INPUT};
use domain::api::desk::{ApiKey, ApiScope, StaffMember, StaffRole};
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::components::{http, task};
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
    // A new key starts with what a chat integration needs; uploads and jobs are opted into.
    let key_scopes = RwSignal::new(vec![ApiScope::MessagesWrite, ApiScope::ConversationsRead]);
    #[cfg(not(feature = "hydrate"))]
    let _ = refresh;

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        refresh.track();
        task::spawn_scoped(async move {
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
    let set_role = move |id: i64, role: StaffRole| {
        error.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let body = domain::api::desk::SetRole { role };
            done(
                http::send(desk_api::USER_ROLE.url(&[&id]), &body)
                    .await
                    .map(drop),
            );
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, role);
    };
    let notice = RwSignal::new(None::<String>);
    let reset_password = move |id: i64, new_password: String, who: String| {
        error.set(None);
        notice.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let body = domain::api::desk::ResetPassword { new_password };
            let answer = http::send(desk_api::USER_PASSWORD.url(&[&id]), &body).await;
            if answer.is_ok() {
                notice.set(Some(format!(
                    "{who} has a new password; their sessions were signed out."
                )));
            }
            done(answer.map(drop));
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, new_password, who);
    };
    let add_key = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let body = domain::api::desk::NewApiKey {
            name: key_name.get_untracked(),
            rate_per_minute: None,
            scopes: key_scopes.get_untracked(),
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
                <Show when=move || notice.get().is_some()><p role="status" class="mb-2 text-sm text-emerald-700 dark:text-emerald-300">{move || notice.get()}</p></Show>
                <ul class="mb-3 space-y-1 text-sm" data-testid="staff-list">
                    {move || staff.get().into_iter().map(|s| {
                        let id = s.id;
                        let active = s.active;
                        let other_role = if s.role == StaffRole::Admin { StaffRole::Agent } else { StaffRole::Admin };
                        let new_password = RwSignal::new(String::new());
                        let who = s.name.clone();
                        view! {
                            <li class="rounded border border-slate-200 p-2 dark:border-slate-700" data-testid="staff-member">
                                <div class="flex items-center justify-between gap-2">
                                    <span>{format!("{} · {} · {}", s.name, s.email, s.role)}{(!active).then_some(" (off)")}</span>
                                    <button type="button" class="text-xs text-indigo-700 hover:underline dark:text-indigo-300" on:click=move |_| set_active(id, !active)>{if active { "Turn off" } else { "Turn on" }}</button>
                                </div>
                                <details class="mt-1 text-xs">
                                    <summary class="cursor-pointer text-slate-600 dark:text-slate-400">"Role and password"</summary>
                                    <div class="mt-2 flex flex-wrap items-center gap-2">
                                        <button type="button" class="rounded border border-slate-300 px-2 py-1 dark:border-slate-600" on:click=move |_| set_role(id, other_role)>{format!("Make {}", other_role.as_str())}</button>
                                        <form class="flex flex-1 gap-1" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                            ev.prevent_default();
                                            reset_password(id, new_password.get_untracked(), who.clone());
                                            new_password.set(String::new());
                                        }>
                                            <input type="password" required minlength="10" autocomplete="new-password" placeholder="New password (10+)" aria-label=format!("New password for {}", s.name) class=INPUT prop:value=move || new_password.get() on:input=move |ev| new_password.set(event_target_value(&ev))/>
                                            <button type="submit" class="whitespace-nowrap rounded border border-slate-300 px-2 py-1 dark:border-slate-600">"Set password"</button>
                                        </form>
                                    </div>
                                </details>
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
                <form class="mb-3 space-y-2" on:submit=add_key data-testid="add-key">
                    <div class="flex gap-2">
                        <input required placeholder="What the key is for" aria-label="Key name" class=INPUT prop:value=move || key_name.get() on:input=move |ev| key_name.set(event_target_value(&ev))/>
                        <button type="submit" class=BUTTON disabled=move || key_scopes.with(Vec::is_empty)>"Create"</button>
                    </div>
                    <fieldset class="grid gap-1 text-xs sm:grid-cols-2">
                        <legend class="mb-1 text-xs font-medium">"What it may do"</legend>
                        {ApiScope::ALL.iter().map(|&scope| view! {
                            <label class="flex items-start gap-1.5" title=scope.description()>
                                <input type="checkbox" value=scope.as_str()
                                    prop:checked=move || key_scopes.with(|s| s.contains(&scope))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        key_scopes.update(|s| {
                                            s.retain(|x| *x != scope);
                                            if on { s.push(scope); }
                                        });
                                    }/>
                                <span><code>{scope.as_str()}</code>" "<span class="text-slate-600 dark:text-slate-400">{scope.description()}</span></span>
                            </label>
                        }).collect_view()}
                    </fieldset>
                </form>
                <ul class="space-y-1 text-sm" data-testid="key-list">
                    {move || keys.get().into_iter().map(|k| {
                        let id = k.id;
                        let revoked = k.revoked_at.is_some();
                        view! {
                            <li class="flex items-center justify-between gap-2">
                                <span><code>{format!("{}…", k.prefix)}</code>{format!(" {} · {}/min · {}", k.name, k.rate_per_minute, k.scopes.to_line())}{revoked.then_some(" · revoked")}</span>
                                {(!revoked).then(|| view! { <button type="button" class="text-xs text-red-700 hover:underline dark:text-red-300" on:click=move |_| revoke(id)>"Revoke"</button> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        </div>
        <div class="mt-4"><super::demos::SharedClassifier/></div>
    }
}
