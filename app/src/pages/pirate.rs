//! The Pirate Chatbot: a streaming persona chat with an editable system prompt. The conversation
//! is kept on the server per browser session, so it survives a reload.

use crate::components::page_header::PageHeader;
use crate::components::voice::{SpeakButton, VoiceInput, VoiceSettings};
use crate::functions::backends::get_backends;
use crate::functions::pirate::{clear_pirate_chat, pirate_history};
use crate::models::BackendKind;
use domain::chat::{
    ChatLine, DEFAULT_PIRATE_PROMPT, DEFAULT_TEMPERATURE, EMBEDDED_MODEL_NOTE, MAX_MESSAGE_CHARS,
    MAX_TEMPERATURE, PIRATE_GREETING,
};
use leptos::either::Either;
use leptos::prelude::*;

#[component]
pub fn PiratePage() -> impl IntoView {
    // Read here, on the server, and handed to the island as props: the browser needs no code
    // to fetch them.
    let history = Resource::new(|| (), |_| pirate_history());
    let backends = Resource::new(|| (), |_| get_backends());
    view! {
        <PageHeader
            title="Pirate Chatbot"
            description="A streaming pirate persona chat with an editable system prompt, answered by a model running inside this server."
        >
            "Ask anything; the answer streams in token by token, in a pirate's voice. Edit the system prompt to give the bot another persona."
        </PageHeader>
        <noscript>
            <p class="mb-4 rounded-lg bg-amber-100 p-3 text-sm text-amber-900">"The chat streams its answers with JavaScript; please enable it."</p>
        </noscript>
        <Suspense fallback=|| view! { <p class="text-slate-600 dark:text-slate-400">"Loading the conversation…"</p> }>
            {move || Suspend::new(async move {
                // The configured cloud model for this demo, if any.
                let cloud = backends
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .find(|b| b.slug == "pirate" && b.kind == BackendKind::Cloud)
                    .map(|b| b.label);
                match history.await {
                    Ok(lines) => Either::Left(view! { <PirateChat initial=lines cloud/> }),
                    Err(e) => Either::Right(view! {
                        <p role="alert" class="rounded-lg bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
                            {format!("The conversation could not be loaded: {e}")}
                        </p>
                    }),
                }
            })}
        </Suspense>
    }
}

/// Who answered, as the last reply's meta frame said.
#[derive(Clone, Debug, Default, PartialEq)]
struct Answerer {
    label: String,
    note: Option<String>,
}

/// The conversation and its settings: an island, the page's only WebAssembly (its own chunk).
/// The history so far and the configured cloud model come from the server as its props.
#[island(lazy)]
fn PirateChat(initial: Vec<ChatLine>, cloud: Option<String>) -> impl IntoView {
    crate::mark_hydrated();
    let lines = RwSignal::new(initial);
    let provider = RwSignal::new(if cloud.is_some() { "cloud" } else { "embedded" }.to_owned());
    let embedded_label = "SmolLM2-135M-Instruct (embedded)";
    let draft = RwSignal::new(String::new());
    let system_prompt = RwSignal::new(DEFAULT_PIRATE_PROMPT.to_owned());
    let temperature = RwSignal::new(DEFAULT_TEMPERATURE);
    let streaming = RwSignal::new(false);
    let partial = RwSignal::new(String::new());
    let status = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let embedded_answerer = Answerer {
        label: embedded_label.into(),
        note: Some(EMBEDDED_MODEL_NOTE.into()),
    };
    let answerer = RwSignal::new(match &cloud {
        Some(label) => Answerer {
            label: label.clone(),
            note: None,
        },
        None => embedded_answerer.clone(),
    });
    let cloud_for_picker = cloud.clone();
    // Voice: what the microphone heard goes into the box to review, or is sent at once; replies
    // may be read aloud in the pirate's own voice.
    let send_spoken = RwSignal::new(false);
    let answer_aloud = RwSignal::new(false);
    let list_ref = NodeRef::<leptos::html::Div>::new();
    // The reply is read only while the page is shown; leaving the page also stops the server
    // writing it, so the model is free for whoever asks next.
    #[cfg(feature = "hydrate")]
    let abort = crate::components::sse::abort_on_leave();
    #[cfg(feature = "hydrate")]
    let scope = crate::components::task::PageScope::here();

    // Keep the newest text in view while it streams.
    Effect::new(move |_| {
        lines.track();
        partial.track();
        if let Some(list) = list_ref.get() {
            list.set_scroll_top(list.scroll_height());
        }
    });

    let send = move || {
        let text = draft.get_untracked().trim().to_owned();
        if text.is_empty() || streaming.get_untracked() {
            return;
        }
        error.set(None);
        draft.set(String::new());
        lines.update(|l| {
            l.push(ChatLine {
                role: "user".into(),
                text: text.clone(),
                html: None,
                detail: None,
            })
        });
        streaming.set(true);
        partial.set(String::new());
        status.set(Some("Thinking…".into()));
        #[cfg(feature = "hydrate")]
        {
            use domain::chat::{ChatInput, StreamFrame};
            let Ok(controller) = web_sys::AbortController::new() else {
                streaming.set(false);
                return;
            };
            let signal = controller.signal();
            abort.set_value(Some(controller));
            let input = ChatInput {
                message: text,
                system_prompt: Some(system_prompt.get_untracked()),
                temperature: Some(temperature.get_untracked()),
                provider: Some(provider.get_untracked()),
            };
            scope.spawn(async move {
                let mut finished = false;
                let result = crate::components::sse::post_event_stream(
                    domain::api::routes::pirate_api::CHAT.url(&[]),
                    &input,
                    &signal,
                    |frame| match frame {
                        StreamFrame::Meta {
                            provider,
                            model,
                            note,
                        } => {
                            answerer.set(Answerer {
                                label: format!("{model} ({provider})"),
                                note,
                            });
                        }
                        StreamFrame::Queued => status.set(Some(
                            "Waiting for the model: another reply is being written…".into(),
                        )),
                        StreamFrame::Token { text } => {
                            status.set(None);
                            partial.update(|p| p.push_str(&text));
                        }
                        StreamFrame::Done {
                            html,
                            finish,
                            tokens_per_second,
                            ..
                        } => {
                            finished = true;
                            let mut detail = format!(
                                "{} · {tokens_per_second:.0} tokens/s",
                                answerer.get_untracked().label
                            );
                            if finish == "length" {
                                detail.push_str(" · reached the length limit");
                            }
                            let text = partial.get_untracked();
                            if answer_aloud.get_untracked() {
                                let spoken = text.clone();
                                leptos::task::spawn_local(async move {
                                    if let Err(e) =
                                        crate::components::voice::say(&spoken, "pirate").await
                                    {
                                        error.set(Some(e));
                                    }
                                });
                            }
                            lines.update(|l| {
                                l.push(ChatLine {
                                    role: "assistant".into(),
                                    text,
                                    html: Some(html),
                                    detail: Some(detail),
                                })
                            });
                            partial.set(String::new());
                        }
                        StreamFrame::Error { message } => error.set(Some(message)),
                    },
                )
                .await;
                let stopped = signal.aborted();
                if !finished {
                    let text = partial.get_untracked();
                    if !text.is_empty() {
                        let detail = format!("{} · stopped", answerer.get_untracked().label);
                        lines.update(|l| {
                            l.push(ChatLine {
                                role: "assistant".into(),
                                text,
                                html: None,
                                detail: Some(detail),
                            })
                        });
                    }
                    partial.set(String::new());
                    if let Err(message) = result
                        && !stopped
                    {
                        error.set(Some(message));
                    }
                }
                status.set(None);
                streaming.set(false);
                abort.set_value(None);
            });
        }
    };

    let stop = move |_| {
        #[cfg(feature = "hydrate")]
        crate::components::sse::abort_stream(abort);
    };

    let clear = Action::new(|_: &()| clear_pirate_chat());
    Effect::new(move |_| {
        if let Some(result) = clear.value().get() {
            match result {
                Ok(()) => lines.set(Vec::new()),
                Err(e) => error.set(Some(format!("The chat could not be cleared: {e}"))),
            }
        }
    });

    view! {
        <div class="grid gap-6 lg:grid-cols-[1fr_20rem]">
            <section class="flex min-h-[60vh] flex-col rounded-xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900" aria-label="Conversation">
                <div class="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-4 py-2 text-xs dark:border-slate-800">
                    <span class="rounded-full bg-emerald-100 px-2.5 py-1 font-medium text-emerald-800 dark:bg-emerald-900/60 dark:text-emerald-200" data-testid="answered-by">
                        {move || format!("Answered by {}", answerer.get().label)}
                    </span>
                    <span class="text-slate-500 dark:text-slate-400">{move || answerer.get().note.unwrap_or_default()}</span>
                </div>
                <div node_ref=list_ref class="flex-1 space-y-4 overflow-y-auto p-4" style="max-height: 65vh" aria-live="polite" data-testid="messages">
                    <Bubble line=ChatLine { role: "assistant".into(), text: PIRATE_GREETING.into(), html: None, detail: None } error=error/>
                    <For each=move || lines.get().into_iter().enumerate() key=|(i, l)| (*i, l.text.len(), l.role.clone()) let:item>
                        <Bubble line=item.1 error=error/>
                    </For>
                    <Show when=move || streaming.get()>
                        <div class="flex justify-start" data-testid="streaming">
                            <div class="max-w-[85%] whitespace-pre-wrap rounded-2xl rounded-bl-sm bg-slate-100 px-4 py-2.5 text-sm dark:bg-slate-800">
                                {move || partial.get()}
                                <span class="ml-0.5 inline-block h-4 w-1.5 animate-pulse bg-indigo-500 align-middle" aria-hidden="true"></span>
                                {move || status.get().map(|s| view! { <p class="text-xs italic text-slate-500 dark:text-slate-400" data-testid="chat-status">{s}</p> })}
                            </div>
                        </div>
                    </Show>
                </div>
                {move || error.get().map(|e| view! {
                    <p role="alert" class="mx-4 mb-2 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200" data-testid="chat-error">{e}</p>
                })}
                <form
                    class="flex items-end gap-2 border-t border-slate-200 p-3 dark:border-slate-800"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        send();
                    }
                >
                    <VoiceInput
                        error=error
                        disabled=Signal::derive(move || streaming.get())
                        on_text=move |heard: String| {
                            if send_spoken.get_untracked() {
                                draft.set(heard);
                                send();
                            } else {
                                draft.update(|d| {
                                    if !d.trim().is_empty() {
                                        d.push(' ');
                                    }
                                    d.push_str(&heard);
                                });
                            }
                        }
                    />
                    <label for="pirate-input" class="sr-only">"Your message"</label>
                    <textarea
                        id="pirate-input"
                        rows="2"
                        maxlength=MAX_MESSAGE_CHARS.to_string()
                        placeholder="Ask the pirate anything… (Enter to send, Shift+Enter for a new line)"
                        class="min-h-[2.75rem] flex-1 resize-y rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 dark:border-slate-700 dark:bg-slate-950"
                        prop:value=move || draft.get()
                        on:input=move |ev| draft.set(event_target_value(&ev))
                        on:keydown=move |ev| {
                            if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                                ev.prevent_default();
                                send();
                            }
                        }
                        data-testid="chat-input"
                    ></textarea>
                    <Show
                        when=move || streaming.get()
                        fallback=move || view! {
                            <button type="submit" class="rounded-lg bg-indigo-600 px-4 py-2.5 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-50" disabled=move || draft.get().trim().is_empty() data-testid="send">
                                "Send"
                            </button>
                        }
                    >
                        <button type="button" on:click=stop class="rounded-lg bg-red-600 px-4 py-2.5 text-sm font-medium text-white hover:bg-red-500" data-testid="stop">
                            "Stop"
                        </button>
                    </Show>
                </form>
            </section>
            <aside class="space-y-4" aria-label="Settings">
                <div class="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
                    <label for="system-prompt" class="text-sm font-semibold">"System prompt"</label>
                    <textarea
                        id="system-prompt"
                        rows="7"
                        class="mt-2 w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-xs dark:border-slate-700 dark:bg-slate-950"
                        prop:value=move || system_prompt.get()
                        on:input=move |ev| system_prompt.set(event_target_value(&ev))
                        data-testid="system-prompt"
                    ></textarea>
                    <button type="button" class="mt-1 text-xs text-indigo-600 underline dark:text-indigo-400" on:click=move |_| system_prompt.set(DEFAULT_PIRATE_PROMPT.to_owned())>
                        "Reset to the pirate"
                    </button>
                </div>
                <div class="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
                    <label for="temperature" class="flex justify-between text-sm font-semibold">
                        "Temperature" <span class="tabular-nums font-normal">{move || format!("{:.1}", temperature.get())}</span>
                    </label>
                    <input
                        id="temperature"
                        type="range"
                        min="0"
                        max=MAX_TEMPERATURE.to_string()
                        step="0.1"
                        class="mt-2 w-full accent-indigo-600"
                        prop:value=move || temperature.get().to_string()
                        on:input=move |ev| temperature.set(event_target_value(&ev).parse().unwrap_or(DEFAULT_TEMPERATURE))
                    />
                    <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">"0 always picks the likeliest word; higher is more adventurous."</p>
                </div>
                <div class="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
                    <label for="model" class="text-sm font-semibold">"Model"</label>
                    <select
                        id="model"
                        class="mt-2 w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950"
                        data-testid="model-picker"
                        on:change=move |ev| {
                            let choice = event_target_value(&ev);
                            answerer.set(match (&cloud_for_picker, choice.as_str()) {
                                (Some(label), "cloud") => Answerer { label: label.clone(), note: None },
                                _ => embedded_answerer.clone(),
                            });
                            provider.set(choice);
                        }
                    >
                        {match cloud.clone() {
                            Some(label) => Either::Left(view! {
                                <option value="cloud" selected=true>{format!("{label} (configured)")}</option>
                                <option value="embedded">"SmolLM2-135M-Instruct (embedded, CPU)"</option>
                            }),
                            None => Either::Right(view! {
                                <option value="embedded" selected=true>"SmolLM2-135M-Instruct (embedded, CPU)"</option>
                                <option value="cloud" disabled=true>"OpenAI or compatible: set OPENAI_API_KEY or OPENAI_BASE_URL"</option>
                            }),
                        }}
                    </select>
                    <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">
                        "When a configured model fails, the embedded one answers and the chat says so."
                    </p>
                </div>
                <VoiceSettings send_spoken=send_spoken answer_aloud=answer_aloud/>
                <button
                    type="button"
                    class="w-full rounded-lg border border-slate-300 px-4 py-2 text-sm font-medium hover:bg-slate-100 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800"
                    disabled=move || streaming.get() || clear.pending().get()
                    on:click=move |_| {
                        clear.dispatch(());
                    }
                    data-testid="clear"
                >
                    "Clear chat"
                </button>
            </aside>
        </div>
    }
}

#[component]
fn Bubble(line: ChatLine, error: RwSignal<Option<String>>) -> impl IntoView {
    let spoken = line.text.clone();
    let user = line.role == "user";
    let copy_text = line.text.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&copy_text);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &copy_text;
    };
    let body = match line.html {
        Some(html) => Either::Left(view! { <div class="prose-chat" inner_html=html></div> }),
        None => Either::Right(view! { <div class="whitespace-pre-wrap">{line.text}</div> }),
    };
    view! {
        <div class="flex" class:justify-end=user class:justify-start=!user data-role=line.role.clone() data-testid="bubble">
            <div class="max-w-[85%]">
                <div
                    class="rounded-2xl px-4 py-2.5 text-sm"
                    class=(["rounded-br-sm", "bg-indigo-600", "text-white"], user)
                    class=(["rounded-bl-sm", "bg-slate-100", "dark:bg-slate-800"], !user)
                >
                    {body}
                </div>
                {(!user).then(|| view! {
                    <div class="mt-1 flex items-center gap-2 text-xs text-slate-500 dark:text-slate-400">
                        {line.detail.clone().map(|d| view! { <span data-testid="detail">{d}</span> })}
                        <button type="button" class="underline hover:text-slate-700 dark:hover:text-slate-200" on:click=copy>"Copy"</button>
                        <SpeakButton text=spoken.clone() voice="pirate" error=error/>
                    </div>
                })}
            </div>
        </div>
    }
}
