//! Voice on the chat pages: a microphone button (hold to talk, or tap and pause to finish) with a
//! live level, and a speaker button for replies. Recording, the level and playback are done by
//! `/voice.js` (plain JavaScript, fetched when a page with voice hydrates), so the WebAssembly
//! only holds the buttons' state.

use crate::components::icon::{Icon, IconSvg};
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
mod bridge {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(catch, js_namespace = aiVoice, js_name = record)]
        pub fn record(
            meter: &web_sys::Element,
            end_on_silence: bool,
        ) -> Result<js_sys::Promise, JsValue>;
        #[wasm_bindgen(catch, js_namespace = aiVoice, js_name = stop)]
        pub fn stop() -> Result<(), JsValue>;
        #[wasm_bindgen(catch, js_namespace = aiVoice, js_name = endOnSilence)]
        pub fn end_on_silence() -> Result<(), JsValue>;
        #[wasm_bindgen(catch, js_namespace = aiVoice, js_name = speak)]
        pub fn speak(text: &str, voice: &str) -> Result<js_sys::Promise, JsValue>;
        #[wasm_bindgen(catch, js_namespace = aiVoice, js_name = silence)]
        pub fn silence() -> Result<(), JsValue>;
    }

    /// Adds `/voice.js` to the page once, and calls `on_ready` once it has run (at once when
    /// it already has).
    pub fn load_script(on_ready: impl FnOnce() + 'static) {
        let Some(window) = web_sys::window() else {
            return;
        };
        if js_sys::Reflect::has(&window, &"aiVoice".into()).unwrap_or(false) {
            on_ready();
            return;
        }
        let Some(document) = window.document() else {
            return;
        };
        // Another voice button may have added it already: then wait for the same script.
        let script = match document.get_element_by_id("voice-js") {
            Some(script) => script,
            None => {
                let (Ok(script), Some(head)) = (document.create_element("script"), document.head())
                else {
                    return;
                };
                let _ = script.set_attribute("id", "voice-js");
                let _ = script.set_attribute("src", "/voice.js");
                let _ = head.append_child(&script);
                script
            }
        };
        let loaded = Closure::once_into_js(on_ready);
        let _ = script.add_event_listener_with_callback("load", loaded.unchecked_ref());
    }

    pub fn message(e: JsValue) -> String {
        crate::components::http::js_error(e)
    }
}

/// Says `text` aloud in `voice`; the error's sentence when it cannot.
#[cfg(feature = "hydrate")]
pub async fn say(text: &str, voice: &str) -> Result<(), String> {
    let promise = bridge::speak(text, voice)
        .map_err(|_| "Voice is still loading; try again in a moment.".to_string())?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(bridge::message)
}

/// Stops any reply being spoken.
pub fn hush() {
    #[cfg(feature = "hydrate")]
    let _ = bridge::silence();
}

/// How long a press must last to count as holding (released: the recording ends).
#[cfg(feature = "hydrate")]
const HOLD_MS: f64 = 450.0;

/// The microphone button and its level. `on_text` receives what was heard; `error` shows a
/// refusal (blocked microphone, nothing heard).
#[component]
pub fn VoiceInput(
    #[prop(into)] on_text: Callback<String>,
    error: RwSignal<Option<String>>,
    #[prop(into)] disabled: Signal<bool>,
) -> impl IntoView {
    let recording = RwSignal::new(false);
    let transcribing = RwSignal::new(false);
    let meter = NodeRef::<leptos::html::Div>::new();
    #[cfg(not(feature = "hydrate"))]
    let _ = (on_text, error);
    #[cfg(feature = "hydrate")]
    let pressed_at = StoredValue::new(None::<f64>);
    // What was heard is handed on only while the button is shown: `on_text` belongs to the page.
    #[cfg(feature = "hydrate")]
    let scope = super::task::PageScope::here();
    // Disabled until /voice.js has run: a press before then could only answer "still loading".
    let ready = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| bridge::load_script(move || ready.set(true)));

    #[cfg(feature = "hydrate")]
    let start = move |end_on_silence: bool| {
        if recording.get_untracked() || transcribing.get_untracked() {
            return;
        }
        let Some(meter) = meter.get_untracked() else {
            return;
        };
        error.set(None);
        hush();
        let promise = match bridge::record(&meter, end_on_silence) {
            Ok(p) => p,
            Err(_) => {
                error.set(Some(
                    "Voice is still loading; try again in a moment.".into(),
                ));
                return;
            }
        };
        recording.set(true);
        scope.spawn(async move {
            // The promise settles after the upload: recording ends, then transcribing.
            let result = wasm_bindgen_futures::JsFuture::from(promise).await;
            recording.set(false);
            transcribing.set(false);
            match result {
                Ok(value) => {
                    let text = js_sys::Reflect::get(&value, &"text".into())
                        .ok()
                        .and_then(|t| t.as_string())
                        .unwrap_or_default();
                    if text.trim().is_empty() {
                        error.set(Some("No speech was heard; try again.".into()));
                    } else {
                        on_text.run(text);
                    }
                }
                Err(e) => error.set(Some(bridge::message(e))),
            }
        });
    };

    let label = move || {
        if transcribing.get() {
            "Transcribing…"
        } else if recording.get() {
            "Listening… release, pause or press again to finish"
        } else {
            "Speak your message (hold to talk, or press and pause to finish)"
        }
    };
    view! {
        <div class="flex items-center gap-2">
            <button
                type="button"
                class="relative rounded-lg border border-slate-300 p-2.5 text-slate-700 hover:bg-slate-100 disabled:opacity-50 aria-pressed:border-red-500 aria-pressed:bg-red-50 aria-pressed:text-red-700 dark:border-slate-700 dark:text-slate-200 dark:hover:bg-slate-800 dark:aria-pressed:bg-red-950 dark:aria-pressed:text-red-200"
                aria-label=label
                title=label
                aria-pressed=move || recording.get().to_string()
                disabled=move || disabled.get() || transcribing.get() || !ready.get()
                data-testid="mic"
                on:pointerdown=move |_ev| {
                    #[cfg(feature = "hydrate")]
                    if !recording.get_untracked() {
                        pressed_at.set_value(Some(js_sys::Date::now()));
                        start(false);
                    }
                }
                on:pointerup=move |_ev| {
                    #[cfg(feature = "hydrate")]
                    if let Some(at) = pressed_at.get_value() {
                        if js_sys::Date::now() - at >= HOLD_MS {
                            let _ = bridge::stop();
                            transcribing.set(true);
                        } else {
                            // A tap: keep listening until a pause after speech.
                            let _ = bridge::end_on_silence();
                        }
                    }
                }
                on:click=move |_ev| {
                    #[cfg(feature = "hydrate")]
                    {
                        if pressed_at.get_value().is_some() {
                            pressed_at.set_value(None);
                            return;
                        }
                        // Keyboard (or a second tap): start with the pause ending it, or finish.
                        if recording.get_untracked() {
                            let _ = bridge::stop();
                            transcribing.set(true);
                        } else {
                            start(true);
                        }
                    }
                }
            >
                <IconSvg icon=Icon::Microphone class="h-5 w-5"/>
            </button>
            <div
                class="h-2 w-12 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-700"
                class:hidden=move || !recording.get()
                role="meter"
                aria-label="Recording level"
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow="0"
            >
                <div node_ref=meter class="h-full w-0 bg-red-500 motion-safe:transition-[width]" data-testid="mic-level"></div>
            </div>
            <span class="sr-only" aria-live="polite">{move || if transcribing.get() { "Transcribing your message" } else if recording.get() { "Listening" } else { "" }}</span>
        </div>
    }
}

/// A "Listen" button that speaks one reply.
#[component]
pub fn SpeakButton(
    text: String,
    voice: &'static str,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let speaking = RwSignal::new(false);
    let on_click = move |_| {
        if speaking.get_untracked() {
            hush();
            speaking.set(false);
            return;
        }
        #[cfg(feature = "hydrate")]
        {
            let text = text.clone();
            speaking.set(true);
            leptos::task::spawn_local(async move {
                if let Err(e) = say(&text, voice).await {
                    error.set(Some(e));
                }
                speaking.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&text, voice, error);
    };
    view! {
        <button
            type="button"
            class="inline-flex items-center gap-1 underline hover:text-slate-700 dark:hover:text-slate-200"
            on:click=on_click
            aria-pressed=move || speaking.get().to_string()
            data-testid="speak"
        >
            <IconSvg icon=Icon::Speaker class="h-3.5 w-3.5"/>
            {move || if speaking.get() { "Stop" } else { "Listen" }}
        </button>
    }
}

/// The voice choices of a chat page: send what was heard at once (or review it first), and read
/// replies aloud.
#[component]
pub fn VoiceSettings(send_spoken: RwSignal<bool>, answer_aloud: RwSignal<bool>) -> impl IntoView {
    view! {
        <fieldset class="rounded-xl border border-slate-200 bg-white p-4 text-sm dark:border-slate-800 dark:bg-slate-900">
            <legend class="px-1 font-semibold">"Voice"</legend>
            <label class="mt-1 flex items-center gap-2">
                <input
                    type="checkbox"
                    class="h-4 w-4 accent-indigo-600"
                    prop:checked=move || send_spoken.get()
                    on:change=move |ev| send_spoken.set(event_target_checked(&ev))
                    data-testid="send-spoken"
                />
                "Send what I say at once"
            </label>
            <label class="mt-2 flex items-center gap-2">
                <input
                    type="checkbox"
                    class="h-4 w-4 accent-indigo-600"
                    prop:checked=move || answer_aloud.get()
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        if !on {
                            hush();
                        }
                        answer_aloud.set(on);
                    }
                    data-testid="answer-aloud"
                />
                "Answer aloud"
            </label>
            <p class="mt-2 text-xs text-slate-500 dark:text-slate-400">
                "Hold the microphone to talk, or press it and pause when done. Speech is recognised on this server by Whisper base; replies are spoken by an offline synthesiser."
            </p>
        </fieldset>
    }
}
