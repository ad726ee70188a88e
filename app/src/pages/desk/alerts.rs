//! Alerts on the desk: when a customer asks for a person, the Conversations tab counts it
//! (unread until the list is looked at), and, if the person chose so, the browser shows a
//! notification and plays a short tone. The choices are kept in the browser (localStorage).
//! Administrators also see where alerts go (webhooks, email) and the delivery log.

use super::{ALERT, CARD, DeskState, GHOST};
use domain::api::desk::AlertLog;
use leptos::either::Either;
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::components::{http, task};
#[cfg(feature = "hydrate")]
use domain::api::routes::desk_api;

#[cfg(feature = "hydrate")]
const NOTIFY_KEY: &str = "desk-notify";
#[cfg(feature = "hydrate")]
const SOUND_KEY: &str = "desk-sound";

#[cfg(feature = "hydrate")]
fn stored(key: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(key).ok().flatten())
        .is_some_and(|v| v == "on")
}

#[cfg(feature = "hydrate")]
fn store(key: &str, on: bool) {
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(key, if on { "on" } else { "off" });
    }
}

/// A short two-note tone (Web Audio), quiet enough for an office.
#[cfg(feature = "hydrate")]
fn tone() {
    let Ok(context) = web_sys::AudioContext::new() else {
        return;
    };
    for (i, frequency) in [660.0_f32, 880.0].into_iter().enumerate() {
        let (Ok(oscillator), Ok(gain)) = (context.create_oscillator(), context.create_gain())
        else {
            return;
        };
        let start = context.current_time() + 0.15 * i as f64;
        oscillator.frequency().set_value(frequency);
        gain.gain().set_value(0.08);
        let _ = oscillator.connect_with_audio_node(&gain);
        let _ = gain.connect_with_audio_node(&context.destination());
        let _ = oscillator.start_with_when(start);
        let _ = oscillator.stop_with_when(start + 0.12);
    }
}

/// A customer is waiting for a person: count it, and notify as the person chose.
#[cfg(feature = "hydrate")]
pub(super) fn escalated(desk: DeskState, title: &str) {
    desk.unread.update(|n| *n += 1);
    if stored(NOTIFY_KEY)
        && web_sys::Notification::permission() == web_sys::NotificationPermission::Granted
    {
        let options = web_sys::NotificationOptions::new();
        options.set_body(title);
        options.set_tag("desk-escalation");
        let _ =
            web_sys::Notification::new_with_options("A customer is waiting for a person", &options);
    }
    if stored(SOUND_KEY) {
        tone();
    }
}

/// The two choices, beside the live state.
#[component]
pub(super) fn AlertSettings() -> impl IntoView {
    let notify = RwSignal::new(false);
    let sound = RwSignal::new(false);
    let note = RwSignal::new(None::<&'static str>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        notify.set(stored(NOTIFY_KEY));
        sound.set(stored(SOUND_KEY));
    });
    let toggle_notify = move |_| {
        let on = !notify.get_untracked();
        notify.set(on);
        note.set(None);
        #[cfg(feature = "hydrate")]
        {
            store(NOTIFY_KEY, on);
            if on {
                match web_sys::Notification::permission() {
                    web_sys::NotificationPermission::Denied => {
                        note.set(Some("The browser blocks notifications for this site; allow them in its site settings."));
                    }
                    web_sys::NotificationPermission::Granted => {}
                    _ => {
                        let _ = web_sys::Notification::request_permission();
                    }
                }
            }
        }
    };
    let toggle_sound = move |_| {
        let on = !sound.get_untracked();
        sound.set(on);
        #[cfg(feature = "hydrate")]
        {
            store(SOUND_KEY, on);
            if on {
                tone();
            }
        }
    };
    view! {
        <div class="flex flex-wrap items-center gap-2 text-xs" data-testid="alert-settings">
            <button type="button" class=GHOST aria-pressed=move || notify.get().to_string() data-testid="notify-toggle" on:click=toggle_notify>
                {move || if notify.get() { "Notifications on" } else { "Notify me" }}
            </button>
            <button type="button" class=GHOST aria-pressed=move || sound.get().to_string() data-testid="sound-toggle" on:click=toggle_sound>
                {move || if sound.get() { "Sound on" } else { "Sound off" }}
            </button>
            <Show when=move || note.get().is_some()>
                <span role="status" class="text-amber-800 dark:text-amber-200">{move || note.get()}</span>
            </Show>
        </div>
    }
}

/// Where alerts go, and the newest deliveries (administrators).
#[component]
pub(super) fn AlertLogCard() -> impl IntoView {
    let desk = expect_context::<DeskState>();
    let log = RwSignal::new(None::<AlertLog>);
    let error = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        desk.tick.track();
        task::spawn_scoped(async move {
            match http::ask(desk_api::ALERTS.url(&[])).await {
                Ok(l) => log.set(Some(l)),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = desk;
    view! {
        <section class=format!("{CARD} mt-4") aria-labelledby="alert-log-title" data-testid="alert-log">
            <h2 id="alert-log-title" class="mb-2 font-semibold">"Alerts to the team"</h2>
            <Show when=move || error.get().is_some()><p role="alert" class=ALERT>{move || error.get()}</p></Show>
            {move || log.get().map(|l| view! {
                <p class="mb-2 text-sm text-slate-600 dark:text-slate-300">
                    {if l.webhooks.is_empty() { "No webhook is configured (WEBHOOK_URLS). ".to_owned() } else { format!("Webhooks: {}. ", l.webhooks.join(", ")) }}
                    {if l.email { "Email: every active team member." } else { "Email: off (needs SMTP_URL)." }}
                    " Alerts: a customer asks for a person, a new ticket, a rating of 1 or 2."
                </p>
                {if l.deliveries.is_empty() {
                    Either::Left(view! { <p class="text-sm text-slate-600 dark:text-slate-400" data-testid="no-deliveries">"Nothing sent yet."</p> })
                } else {
                    Either::Right(view! {
                        <div class="overflow-x-auto">
                            <table class="w-full text-left text-xs">
                                <thead class="text-slate-600 dark:text-slate-400"><tr><th class="py-1">"When"</th><th>"Alert"</th><th>"To"</th><th>"Status"</th><th>"Tries"</th><th>"Last answer"</th></tr></thead>
                                <tbody>
                                    {l.deliveries.into_iter().map(|d| view! {
                                        <tr class="border-t border-slate-100 dark:border-slate-800" data-testid="delivery-row">
                                            <td class="py-1">{d.created_at.format("%Y-%m-%d %H:%M:%S").to_string()}</td>
                                            <td>{d.event.clone()}</td>
                                            <td class="max-w-[14rem] truncate" title=d.target.clone()>{format!("{} {}", d.channel, d.target)}</td>
                                            <td data-testid="delivery-status">{d.status.clone()}{d.next_attempt_at.map(|t| format!(" (next {})", t.format("%H:%M:%S")))}</td>
                                            <td>{d.attempts}</td>
                                            <td>{d.last_status.map(|s| s.to_string()).or(d.last_error.clone()).unwrap_or_default()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    })
                }}
            })}
        </section>
    }
}
