//! What the customer says about the answers: a thumb on each reply (a reason, optionally, when it
//! did not help), "did this help?" on each cited passage, and a 1-5 rating once the team has
//! resolved the conversation. Each is sent at once and can be changed.

// The votes are drawn with the lines (`lines`, `later`), code only the browser compiles.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use crate::components::icon::{Icon, IconSvg};
use domain::api::feedback::Vote;
use leptos::prelude::*;

/// The customer's marks on this conversation, shared by every line of it.
#[derive(Clone, Copy)]
pub(super) struct Marks {
    pub votes: RwSignal<Vec<Vote>>,
    pub rating: RwSignal<Option<u8>>,
    /// The team resolved the conversation: the rating is offered.
    pub resolved: RwSignal<bool>,
    pub error: RwSignal<Option<String>>,
}

impl Marks {
    /// `error` is where the chat shows what went wrong.
    pub fn new(error: RwSignal<Option<String>>) -> Marks {
        Marks {
            votes: RwSignal::new(Vec::new()),
            rating: RwSignal::new(None),
            resolved: RwSignal::new(false),
            error,
        }
    }

    /// A new conversation starts with no marks (only the browser starts one).
    pub fn clear(self) {
        self.votes.set(Vec::new());
        self.rating.set(None);
        self.resolved.set(false);
    }

    fn vote_on(self, message_id: i64, passage: Option<&str>) -> Option<bool> {
        self.votes.with(|v| {
            v.iter()
                .find(|v| v.message_id == message_id && v.passage.as_deref() == passage)
                .map(|v| v.helpful)
        })
    }

    /// Sends a vote (the page shows it at once; a refusal puts it back and says why).
    fn send(self, message_id: i64, passage: Option<String>, helpful: bool, reason: Option<String>) {
        let before = self.votes.get_untracked();
        self.votes.update(|v| {
            v.retain(|v| !(v.message_id == message_id && v.passage == passage));
            v.push(Vote {
                message_id,
                passage: passage.clone(),
                helpful,
            });
        });
        let body = domain::api::feedback::ReplyFeedback {
            message_id,
            helpful,
            reason,
            passage,
        };
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let url = domain::api::routes::support_chat::FEEDBACK.url(&[]);
            if let Err(e) = crate::components::http::send(url, &body).await {
                self.votes.set(before);
                self.error.set(Some(e));
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (body, before);
    }
}

const THUMB: &str = "inline-flex items-center gap-1 rounded-full border px-2 py-0.5 text-xs focus:outline-none focus:ring-2 focus:ring-indigo-400";

fn thumb_class(pressed: bool) -> &'static str {
    if pressed {
        "border-indigo-500 bg-indigo-50 text-indigo-800 dark:border-indigo-400 dark:bg-indigo-950 dark:text-indigo-100"
    } else {
        "border-slate-300 text-slate-700 hover:bg-slate-100 dark:border-slate-600 dark:text-slate-300 dark:hover:bg-slate-800"
    }
}

/// "Did this help?" under a reply, with a reason box after a thumbs-down.
pub(super) fn reply_votes(marks: Marks, message_id: i64) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let reason_sent = RwSignal::new(false);
    let current = move || marks.vote_on(message_id, None);
    view! {
        <div class="mt-1 flex flex-wrap items-center gap-1.5 text-xs text-slate-600 dark:text-slate-400" data-testid="reply-votes" role="group" aria-label="Did this answer help?">
            <span>"Did this help?"</span>
            <button type="button" data-testid="vote-up" aria-pressed=move || (current() == Some(true)).to_string()
                class=move || format!("{THUMB} {}", thumb_class(current() == Some(true)))
                on:click=move |_| marks.send(message_id, None, true, None)>
                <IconSvg icon=Icon::ThumbUp class="h-3.5 w-3.5"/>"Yes"
            </button>
            <button type="button" data-testid="vote-down" aria-pressed=move || (current() == Some(false)).to_string()
                class=move || format!("{THUMB} {}", thumb_class(current() == Some(false)))
                on:click=move |_| { reason_sent.set(false); marks.send(message_id, None, false, None) }>
                <IconSvg icon=Icon::ThumbDown class="h-3.5 w-3.5"/>"No"
            </button>
            <Show when=move || current() == Some(false) && !reason_sent.get()>
                <form class="flex w-full max-w-md gap-1" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    let text = reason.get_untracked().trim().to_owned();
                    if !text.is_empty() {
                        marks.send(message_id, None, false, Some(text));
                        reason_sent.set(true);
                    }
                }>
                    <input class="flex-1 rounded border border-slate-300 bg-white px-2 py-1 text-xs dark:border-slate-600 dark:bg-slate-950" maxlength="500"
                        placeholder="What was wrong? (optional)" aria-label="What was wrong with this answer?" data-testid="vote-reason"
                        prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
                    <button type="submit" class="rounded border border-slate-300 px-2 py-1 dark:border-slate-600">"Send"</button>
                </form>
            </Show>
            <Show when=move || current().is_some()>
                <span role="status" data-testid="vote-thanks">{move || if reason_sent.get() { "Thank you; the team will read it." } else { "Thanks for telling us." }}</span>
            </Show>
        </div>
    }
}

/// Yes / no on one cited passage.
pub(super) fn passage_votes(
    marks: Marks,
    message_id: i64,
    passage: String,
    n: usize,
) -> impl IntoView {
    let key = passage.clone();
    let current = move || marks.vote_on(message_id, Some(key.as_str()));
    let (up, down) = (passage.clone(), passage);
    let current_up = current.clone();
    let current_down = current.clone();
    view! {
        <span class="inline-flex items-center gap-0.5" data-testid="passage-votes">
            <button type="button" class="rounded p-0.5 hover:bg-sky-100 dark:hover:bg-sky-900" aria-label=format!("Source {n} helped")
                aria-pressed=move || (current_up() == Some(true)).to_string()
                class:text-indigo-700=move || current() == Some(true)
                on:click=move |_| marks.send(message_id, Some(up.clone()), true, None)>
                <IconSvg icon=Icon::ThumbUp class="h-3 w-3"/>
            </button>
            <button type="button" class="rounded p-0.5 hover:bg-sky-100 dark:hover:bg-sky-900" aria-label=format!("Source {n} did not help")
                aria-pressed=move || (current_down() == Some(false)).to_string()
                on:click=move |_| marks.send(message_id, Some(down.clone()), false, None)>
                <IconSvg icon=Icon::ThumbDown class="h-3 w-3"/>
            </button>
        </span>
    }
}

const WORDS: [&str; 5] = ["very poor", "poor", "all right", "good", "excellent"];

/// The rating, once the team has resolved the conversation.
#[component]
pub(super) fn RatingPrompt(marks: Marks) -> impl IntoView {
    let chosen = RwSignal::new(None::<u8>);
    let comment = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(rating) = chosen.get_untracked() else {
            marks
                .error
                .set(Some("Choose from 1 to 5 stars first.".into()));
            return;
        };
        let text = comment.get_untracked().trim().to_owned();
        let body = domain::api::feedback::ConversationRating {
            rating,
            comment: (!text.is_empty()).then_some(text),
        };
        busy.set(true);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let url = domain::api::routes::support_chat::RATING.url(&[]);
            match crate::components::http::send(url, &body).await {
                Ok(_) => marks.rating.set(Some(rating)),
                Err(e) => marks.error.set(Some(e)),
            }
            busy.set(false);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = body;
    };
    view! {
        <Show when=move || marks.resolved.get()>
            <Show when=move || marks.rating.get().is_none() fallback=move || view! {
                <p class="border-t border-slate-200 px-4 py-2 text-sm text-slate-700 dark:border-slate-700 dark:text-slate-200" role="status" data-testid="rated">
                    {move || format!("You rated this conversation {} of 5. Thank you!", marks.rating.get().unwrap_or(0))}
                </p>
            }>
                <form class="space-y-2 border-t border-slate-200 px-4 py-3 dark:border-slate-700" on:submit=submit data-testid="rating-form">
                    <fieldset>
                        <legend class="text-sm font-medium">"How did we do?"</legend>
                        <div class="mt-1 flex gap-1" role="radiogroup" aria-label="Your rating">
                            {(1..=5u8).map(|n| view! {
                                <button type="button" role="radio" data-testid=format!("star-{n}")
                                    aria-checked=move || (chosen.get() == Some(n)).to_string()
                                    aria-label=format!("{n} of 5: {}", WORDS[usize::from(n) - 1])
                                    class=move || if chosen.get().is_some_and(|c| c >= n) { "rounded p-1 text-amber-500" } else { "rounded p-1 text-slate-400 hover:text-amber-400" }
                                    on:click=move |_| chosen.set(Some(n))>
                                    <IconSvg icon=Icon::Star class="h-6 w-6"/>
                                </button>
                            }).collect_view()}
                        </div>
                    </fieldset>
                    <textarea class="w-full rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-950" rows="2" maxlength="1000"
                        placeholder="Anything to add? (optional)" aria-label="A comment with your rating" data-testid="rating-comment"
                        prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                    <button type="submit" class="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-700 disabled:opacity-50" disabled=move || busy.get() data-testid="rating-submit">"Send rating"</button>
                </form>
            </Show>
        </Show>
    }
}
