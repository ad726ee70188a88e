//! The signed-in person's own account: a new password, given the current one (their other
//! sessions end).

use super::{ALERT, BUTTON, CARD, INPUT};
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::components::http;
#[cfg(feature = "hydrate")]
use domain::api::routes::desk_api;

#[component]
pub(super) fn Account() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        done.set(false);
        if new.get_untracked() != repeat.get_untracked() {
            error.set(Some("The two new passwords differ.".into()));
            return;
        }
        let body = domain::api::desk::ChangePassword {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
        };
        busy.set(true);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match http::send(desk_api::OWN_PASSWORD.url(&[]), &body).await {
                Ok(_) => {
                    done.set(true);
                    current.set(String::new());
                    new.set(String::new());
                    repeat.set(String::new());
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = body;
    };
    view! {
        <form class=format!("{CARD} max-w-md space-y-2") on:submit=submit data-testid="change-password">
            <h2 class="font-semibold">"Change your password"</h2>
            <p class="text-xs text-slate-600 dark:text-slate-400">"At least 10 characters. Your other sessions are signed out; this one stays."</p>
            <label class="block text-sm">"Current password"
                <input type="password" required autocomplete="current-password" class=INPUT prop:value=move || current.get() on:input=move |ev| current.set(event_target_value(&ev))/>
            </label>
            <label class="block text-sm">"New password"
                <input type="password" required minlength="10" autocomplete="new-password" class=INPUT prop:value=move || new.get() on:input=move |ev| new.set(event_target_value(&ev))/>
            </label>
            <label class="block text-sm">"New password again"
                <input type="password" required minlength="10" autocomplete="new-password" class=INPUT prop:value=move || repeat.get() on:input=move |ev| repeat.set(event_target_value(&ev))/>
            </label>
            <Show when=move || error.get().is_some()><p role="alert" class=ALERT>{move || error.get()}</p></Show>
            <Show when=move || done.get()><p role="status" class="text-sm text-emerald-700 dark:text-emerald-300">"Your password is changed."</p></Show>
            <button type="submit" class=BUTTON disabled=move || busy.get()>"Change password"</button>
        </form>
    }
}
