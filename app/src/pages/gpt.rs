//! Custom GPT: a character-level GPT this project trained, generating after a prompt with a
//! seed, temperature and length. Characters stream in as they are sampled; the same seed and
//! settings give the same text again.

use crate::components::icon::{Icon, IconSvg};
use crate::components::page_header::PageHeader;
use leptos::either::Either;
use leptos::prelude::*;

/// The defaults the page opens with.
const DEFAULT_SEED: u64 = 42;
const DEFAULT_TEMPERATURE: f64 = 0.8;
const DEFAULT_MAX_TOKENS: u32 = 100;
/// After this long without a first character, say that a remote service may be starting.
#[cfg(feature = "hydrate")]
const COLD_START_HINT_MS: u64 = 6_000;

use domain::api::gpt::ModelInfo;

/// One finished run, kept to show whether a re-run reproduced it.
#[derive(Clone, Debug, PartialEq)]
struct Run {
    key: String,
    text: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Stats {
    chars: usize,
    chars_per_second: f64,
    first_char_ms: Option<f64>,
    finished: bool,
}

#[component]
pub fn GptPage() -> impl IntoView {
    view! {
        <PageHeader
            title="Custom GPT"
            description="A character-level GPT trained by this project on Shakespeare and Milton, generating text with a seed, temperature and length."
        >
            "A small GPT that reads and writes one character at a time, trained by this project (in Rust, with candle) on Shakespeare's plays and on Milton. Give it the start of a text; it continues in the style it learned. The same seed and settings always give the same text."
        </PageHeader>
        <GptStudio/>
    }
}

/// The whole page below its title: an island, the page's only WebAssembly (its own chunk).
#[island(lazy)]
fn GptStudio() -> impl IntoView {
    crate::mark_hydrated();
    let models = RwSignal::new(Vec::<ModelInfo>::new());
    let model = RwSignal::new("shakespeare".to_string());
    let backend = RwSignal::new(None::<String>);
    let context = RwSignal::new("ROMEO:".to_string());
    let seed = RwSignal::new(DEFAULT_SEED.to_string());
    let temperature = RwSignal::new(DEFAULT_TEMPERATURE);
    let max_tokens = RwSignal::new(DEFAULT_MAX_TOKENS.to_string());
    let output = RwSignal::new(String::new());
    let prompt_shown = RwSignal::new(String::new());
    let running = RwSignal::new(false);
    let cold_hint = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let stats = RwSignal::new(Stats::default());
    let last_run = RwSignal::new(None::<Run>);
    let reproduced = RwSignal::new(None::<bool>);
    let copied = RwSignal::new(false);
    // The text is read only while the page is shown; leaving the page also stops the server
    // writing it.
    #[cfg(feature = "hydrate")]
    let abort = crate::components::sse::abort_on_leave();
    #[cfg(feature = "hydrate")]
    let scope = crate::components::task::PageScope::here();

    // The model list comes from the service (in process or remote) once the page is live.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        crate::components::task::spawn_scoped(async move {
            let answer =
                crate::components::http::ask(domain::api::routes::gpt_api::MODELS.url(&[])).await;
            match answer {
                Ok(list) => {
                    if let Some(default) = list.default {
                        model.set(default);
                    }
                    backend.set(Some(list.backend).filter(|b| !b.is_empty()));
                    models.set(list.models);
                }
                Err(e) => error.set(Some(format!("The model list could not be loaded: {e}"))),
            }
        });
    });

    let settings_key = move || {
        format!(
            "{}|{}|{}|{}|{}",
            model.get_untracked(),
            seed.get_untracked().trim(),
            temperature.get_untracked(),
            max_tokens.get_untracked().trim(),
            context.get_untracked()
        )
    };

    let generate = move || {
        if running.get_untracked() {
            return;
        }
        error.set(None);
        copied.set(false);
        let Ok(seed_value) = seed.get_untracked().trim().parse::<u64>() else {
            error.set(Some("The seed must be a whole number, 0 or more.".into()));
            return;
        };
        let tokens = match max_tokens.get_untracked().trim().parse::<u32>() {
            Ok(n) if (1..=500).contains(&n) => n,
            _ => {
                error.set(Some(
                    "Max tokens must be a whole number from 1 to 500.".into(),
                ));
                return;
            }
        };
        let key = settings_key();
        let body = domain::api::gpt::GenerateInput {
            model: model.get_untracked(),
            seed: seed_value,
            temperature: temperature.get_untracked(),
            max_tokens: tokens,
            context: context.get_untracked(),
        };
        prompt_shown.set(context.get_untracked());
        output.set(String::new());
        stats.set(Stats::default());
        reproduced.set(None);
        running.set(true);
        cold_hint.set(false);
        #[cfg(not(feature = "hydrate"))]
        let _ = (body, key);
        #[cfg(feature = "hydrate")]
        {
            let Ok(controller) = web_sys::AbortController::new() else {
                running.set(false);
                return;
            };
            let signal = controller.signal();
            abort.set_value(Some(controller));
            let started = js_sys::Date::now();
            set_timeout(
                move || {
                    // The page may be gone by now: `try_` reads answer None instead of panicking.
                    if running.try_get_untracked() == Some(true)
                        && stats.try_with_untracked(|s| s.first_char_ms.is_none()) == Some(true)
                    {
                        cold_hint.set(true);
                    }
                },
                std::time::Duration::from_millis(COLD_START_HINT_MS),
            );
            scope.spawn(async move {
                let result = crate::components::sse::post_events(
                    domain::api::routes::gpt_api::GENERATE_STREAM.url(&[]),
                    &body,
                    &signal,
                    |name, data| {
                        use domain::api::gpt::{GptFailure, StreamDone, StreamMeta, StreamToken};
                        match name {
                            "meta" => {
                                if let Ok(meta) = serde_json::from_str::<StreamMeta>(data) {
                                    backend.set(Some(meta.backend));
                                }
                            }
                            "token" => {
                                let text = serde_json::from_str::<StreamToken>(data)
                                    .map(|t| t.text)
                                    .unwrap_or_default();
                                output.update(|o| o.push_str(&text));
                                let now = js_sys::Date::now();
                                stats.update(|s| {
                                    s.chars += text.chars().count();
                                    let first = *s.first_char_ms.get_or_insert(now - started);
                                    let secs = ((now - started) - first) / 1000.0;
                                    if secs > 0.05 {
                                        s.chars_per_second =
                                            (s.chars.saturating_sub(1)) as f64 / secs;
                                    }
                                });
                                cold_hint.set(false);
                            }
                            "done" => {
                                if let Ok(done) = serde_json::from_str::<StreamDone>(data) {
                                    output.set(done.text);
                                    stats.update(|s| {
                                        s.finished = true;
                                        s.chars = done.tokens;
                                        s.chars_per_second = done.chars_per_second;
                                    });
                                }
                            }
                            "error" => error.set(Some(
                                serde_json::from_str::<GptFailure>(data)
                                    .map(|f| f.error)
                                    .unwrap_or_else(|_| "Generation failed.".into()),
                            )),
                            _ => {}
                        }
                    },
                )
                .await;
                running.set(false);
                cold_hint.set(false);
                if let Err(e) = result {
                    if !signal.aborted() {
                        error.set(Some(e));
                    }
                    return;
                }
                if stats.get_untracked().finished {
                    let text = output.get_untracked();
                    let previous = last_run.get_untracked();
                    reproduced.set(previous.filter(|p| p.key == key).map(|p| p.text == text));
                    last_run.set(Some(Run { key, text }));
                }
            });
        }
    };

    let stop = move |_| {
        #[cfg(feature = "hydrate")]
        crate::components::sse::abort_stream(abort);
    };

    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let text = format!("{}{}", prompt_shown.get_untracked(), output.get_untracked());
            let _ = window.navigator().clipboard().write_text(&text);
            copied.set(true);
        }
    };

    let random_seed = move |_| {
        #[cfg(feature = "hydrate")]
        seed.set(((js_sys::Math::random() * 1_000_000.0) as u64).to_string());
    };

    let selected_info = move || models.get().into_iter().find(|m| m.name == model.get());
    let input_class = "mt-1 w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm focus:outline-none focus:ring-2 focus:ring-indigo-500 dark:border-slate-700 dark:bg-slate-900";

    view! {
        <div class="grid gap-6 lg:grid-cols-[22rem_1fr]">
            <form
                class="space-y-4 rounded-xl border border-slate-200 p-4 dark:border-slate-800"
                data-testid="gpt-form"
                // The page checks the numbers itself and says what is wrong in a sentence.
                novalidate=true
                on:submit=move |ev| {
                    ev.prevent_default();
                    generate();
                }
            >
                <label class="block text-sm font-medium">
                    "Model"
                    <select
                        class=input_class
                        data-testid="gpt-model"
                        prop:value=move || model.get()
                        on:change=move |ev| model.set(event_target_value(&ev))
                    >
                        {move || {
                            let list = models.get();
                            if list.is_empty() {
                                let current = model.get();
                                Either::Left(view! { <option value=current.clone()>{current.clone()}</option> })
                            } else {
                                Either::Right(list.into_iter()
                                    .map(|m| view! { <option value=m.name.clone()>{m.name.clone()}</option> })
                                    .collect_view())
                            }
                        }}
                    </select>
                </label>
                {move || selected_info().map(|m| view! {
                    <p class="text-xs text-slate-500 dark:text-slate-400" data-testid="gpt-model-info">
                        {m.description.clone()}
                        {format!(
                            " · {:.2}M parameters ({} layers, {} heads, {} wide, {} characters of context){}",
                            m.parameters as f64 / 1e6,
                            m.n_layer,
                            m.n_head,
                            m.n_embd,
                            m.block_size,
                            m.val_loss.map(|l| format!(" · validation loss {l:.3}")).unwrap_or_default()
                        )}
                    </p>
                })}
                <label class="block text-sm font-medium">
                    "Prompt"
                    <textarea
                        class=input_class
                        rows="4"
                        data-testid="gpt-context"
                        placeholder="The start of a text (optional)"
                        prop:value=move || context.get()
                        on:input=move |ev| context.set(event_target_value(&ev))
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                                ev.prevent_default();
                                generate();
                            }
                        }
                    ></textarea>
                    <span class="text-xs font-normal text-slate-600 dark:text-slate-400">"Ctrl+Enter generates."</span>
                </label>
                <div class="grid grid-cols-2 gap-3">
                    <label class="block text-sm font-medium">
                        "Seed"
                        <div class="flex gap-1">
                            <input
                                type="number"
                                min="0"
                                class=input_class
                                data-testid="gpt-seed"
                                prop:value=move || seed.get()
                                on:input=move |ev| seed.set(event_target_value(&ev))
                            />
                            <button type="button" class="mt-1 rounded-lg border border-slate-300 px-2 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800" title="A random seed" aria-label="Random seed" on:click=random_seed><IconSvg icon=Icon::Dice class="h-5 w-5"/></button>
                        </div>
                    </label>
                    <label class="block text-sm font-medium">
                        "Max tokens"
                        <input
                            type="number"
                            min="1"
                            max="500"
                            class=input_class
                            data-testid="gpt-max-tokens"
                            prop:value=move || max_tokens.get()
                            on:input=move |ev| max_tokens.set(event_target_value(&ev))
                        />
                    </label>
                </div>
                <label class="block text-sm font-medium">
                    {move || format!("Temperature: {:.2}", temperature.get())}
                    <input
                        type="range"
                        min="0.01"
                        max="2"
                        step="0.01"
                        class="mt-2 w-full accent-indigo-600"
                        data-testid="gpt-temperature"
                        prop:value=move || temperature.get().to_string()
                        on:input=move |ev| {
                            if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                                temperature.set(v);
                            }
                        }
                    />
                    <span class="flex justify-between text-xs font-normal text-slate-600 dark:text-slate-400"><span>"careful"</span><span>"adventurous"</span></span>
                </label>
                <div class="flex gap-2">
                    <button
                        type="submit"
                        data-testid="gpt-generate"
                        class="flex-1 rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700 disabled:opacity-50"
                        disabled=move || running.get()
                    >
                        {move || if running.get() { "Generating…" } else if last_run.get().is_some() { "Generate again" } else { "Generate" }}
                    </button>
                    <Show when=move || running.get()>
                        <button type="button" data-testid="gpt-stop" class="rounded-lg border border-slate-300 px-3 py-2 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800" on:click=stop>"Stop"</button>
                    </Show>
                </div>
            </form>
            <section class="min-w-0 rounded-xl border border-slate-200 p-4 dark:border-slate-800" aria-live="polite">
                <div class="mb-2 flex flex-wrap items-center justify-between gap-2 text-xs text-slate-500 dark:text-slate-400">
                    <span data-testid="gpt-backend">
                        "Answered by: "
                        {move || backend.get().unwrap_or_else(|| "char-level GPT on candle".into())}
                    </span>
                    <span data-testid="gpt-stats">
                        {move || {
                            let s = stats.get();
                            if s.chars == 0 {
                                return String::new();
                            }
                            let mut parts = vec![format!("{} characters", s.chars)];
                            if s.chars_per_second > 0.0 {
                                parts.push(format!("{:.0} characters/s", s.chars_per_second));
                            }
                            if let Some(ms) = s.first_char_ms {
                                parts.push(format!("first after {ms:.0} ms"));
                            }
                            parts.join(" · ")
                        }}
                    </span>
                </div>
                <Show when=move || error.get().is_some()>
                    <p role="alert" data-testid="gpt-error" class="mb-3 rounded-lg bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
                        {move || error.get().unwrap_or_default()}
                    </p>
                </Show>
                <Show when=move || cold_hint.get()>
                    <p data-testid="gpt-cold-start" class="mb-3 rounded-lg bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200">
                        "The model service is taking a while to answer; a remote service may be starting up (a cold start can take up to a minute)."
                    </p>
                </Show>
                <div class="min-h-48 whitespace-pre-wrap break-words rounded-lg bg-slate-50 p-4 font-mono text-sm leading-relaxed dark:bg-slate-900" data-testid="gpt-output">
                    <Show
                        when=move || running.get() || !output.get().is_empty()
                        fallback=|| view! { <span class="text-slate-500 dark:text-slate-400">"The generated text appears here, one character at a time."</span> }
                    >
                        <span class="text-slate-500 dark:text-slate-400" data-testid="gpt-prompt-echo">{move || prompt_shown.get()}</span>
                        <span data-testid="gpt-text">{move || output.get()}</span>
                        <Show when=move || running.get()>
                            <span class="animate-pulse" aria-hidden="true">"▍"</span>
                        </Show>
                    </Show>
                </div>
                <div class="mt-3 flex flex-wrap items-center gap-3 text-sm">
                    <button
                        type="button"
                        data-testid="gpt-copy"
                        class="rounded-lg border border-slate-300 px-3 py-1 hover:bg-slate-100 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800"
                        disabled=move || output.get().is_empty() || running.get()
                        on:click=copy
                    >
                        {move || if copied.get() { "Copied ✓" } else { "Copy" }}
                    </button>
                    {move || reproduced.get().map(|same| {
                        if same {
                            Either::Left(view! { <span data-testid="gpt-reproduced" class="text-emerald-700 dark:text-emerald-400">"Same seed and settings: the same text again ✓"</span> })
                        } else {
                            Either::Right(view! { <span data-testid="gpt-reproduced" class="text-amber-700 dark:text-amber-400">"Same settings, different text (the model or service changed)"</span> })
                        }
                    })}
                </div>
            </section>
        </div>
    }
}
