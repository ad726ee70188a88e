//! How a line of the conversation is drawn: the customer's message with its classification, a
//! reply with its tool trace, citations and action card, a person of the team's reply.
//! Loaded on first use (`later`).

use super::feedback::{Marks, passage_votes, reply_votes};
use super::{Chat, CitationView, ClassificationView, Line, ProposalView, ToolView};
use crate::components::voice::SpeakButton;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos::tachys::view::{Mountable, Render};
use std::any::Any;
use web_sys::HtmlDivElement;

/// The drawn lines: they stay live (their effects run) until this is dropped.
pub(super) struct Drawn(#[allow(dead_code)] Box<dyn Any>);

/// Draws the conversation's lines and the reply being written into `slot`. Built in the browser
/// (client-rendered: the conversation is fetched after hydration), so none of the views'
/// hydration code is compiled in.
pub(super) fn draw(slot: HtmlDivElement, chat: Chat, decide: Callback<(String, bool)>) -> Drawn {
    let Chat {
        lines,
        busy,
        live_tools,
        live_text,
        pending_proposal,
        marks,
        ..
    } = chat;
    let view = view! {
        <For each=move || lines.get().into_iter().enumerate() key=|(i, l)| (*i, l.role.clone(), l.text.len(), l.classification.is_some()) let((_, line))>
            {line_view(line, pending_proposal, decide, marks)}
        </For>
        <Show when=move || busy.get()>
            <div class="flex flex-col items-start" data-testid="working">
                <div class="rounded-2xl bg-slate-100 px-4 py-2 text-sm text-slate-600 dark:bg-slate-800 dark:text-slate-300">
                    {move || if live_text.get().is_empty() { "Working on it…".to_string() } else { live_text.get() }}
                </div>
                {move || { let t = live_tools.get(); (!t.is_empty()).then(|| tool_trace(t)) }}
            </div>
        </Show>
    };
    let mut state = view.into_view().build();
    state.mount(&slot, None);
    Drawn(Box::new(state))
}

fn chip(text: String, tone: &'static str) -> impl IntoView {
    let class = match tone {
        "red" => {
            "rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-800 dark:bg-red-900 dark:text-red-100"
        }
        "amber" => {
            "rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-900 dark:text-amber-100"
        }
        "green" => {
            "rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100"
        }
        _ => {
            "rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700 dark:bg-slate-800 dark:text-slate-200"
        }
    };
    view! { <span class=class>{text}</span> }
}

fn classification_chips(c: ClassificationView) -> impl IntoView {
    let priority_tone = match c.priority.as_str() {
        "urgent" => "red",
        "high" => "amber",
        _ => "slate",
    };
    let sentiment_tone = match c.sentiment.as_str() {
        "angry" => "red",
        "frustrated" => "amber",
        "positive" => "green",
        _ => "slate",
    };
    view! {
        <div class="mt-1 flex flex-wrap justify-end gap-1" data-testid="classification">
            {chip(c.category.replace('_', " "), "slate")}
            {chip(format!("{} priority", c.priority), priority_tone)}
            {chip(c.sentiment.clone(), sentiment_tone)}
            {c.escalate.then(|| chip("needs a human".into(), "red"))}
        </div>
    }
}

fn tool_trace(tools: Vec<ToolView>) -> impl IntoView {
    let count = tools.len();
    view! {
        <details class="mt-2 rounded-lg border border-slate-200 bg-white/60 text-sm dark:border-slate-700 dark:bg-slate-900/60" data-testid="tool-trace" open=true>
            <summary class="cursor-pointer px-3 py-1.5 font-medium text-slate-700 dark:text-slate-200">
                {format!("Tools used ({count})")}
            </summary>
            <ol class="space-y-1 px-3 pb-2">
                {tools.into_iter().map(|t| {
                    let args = serde_json::to_string(&t.arguments).unwrap_or_default();
                    view! {
                        <li class="rounded bg-slate-50 p-2 dark:bg-slate-800" data-testid="tool-call" data-tool=t.tool.clone() data-ok=t.ok.to_string()>
                            <div class="flex flex-wrap items-center gap-2">
                                <span class=if t.ok { "text-emerald-600 dark:text-emerald-400" } else { "text-red-600 dark:text-red-400" } aria-label=if t.ok { "succeeded" } else { "failed" }>
                                    {if t.ok { "✓" } else { "✗" }}
                                </span>
                                <code class="font-semibold">{t.tool.clone()}</code>
                                <span class="text-xs text-slate-600 dark:text-slate-400">{format!("{:.1} ms", t.elapsed_ms)}</span>
                            </div>
                            <div class="mt-0.5 break-all font-mono text-xs text-slate-500 dark:text-slate-400">{args}</div>
                            <div class="mt-0.5 text-xs text-slate-700 dark:text-slate-300">{t.summary.clone()}</div>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </details>
    }
}

/// The passages a reply cited; once the reply is stored (`message_id`), each can be voted on.
fn citations_view(
    citations: Vec<CitationView>,
    marks: Marks,
    message_id: Option<i64>,
) -> impl IntoView {
    view! {
        <div class="mt-2 flex flex-wrap items-center gap-1 text-xs" data-testid="citations">
            <span class="text-slate-600 dark:text-slate-400">"Sources:"</span>
            {citations.into_iter().enumerate().map(|(i, c)| view! {
                <span class="inline-flex items-center gap-1 rounded border border-sky-200 bg-sky-50 px-1.5 py-0.5 text-sky-900 dark:border-sky-800 dark:bg-sky-950 dark:text-sky-100" title=c.id.clone() data-testid="citation">
                    {format!("[{}] {}", i + 1, c.title)}
                    {message_id.map(|id| passage_votes(marks, id, c.id.clone(), i + 1))}
                </span>
            }).collect_view()}
        </div>
    }
}

/// The action card: what will happen, and (while it waits) Confirm and Cancel. Nothing changes
/// until Confirm is pressed.
fn proposal_card(
    p: ProposalView,
    pending: RwSignal<Option<String>>,
    decide: Callback<(String, bool)>,
) -> impl IntoView {
    let id = p.id.clone();
    let waiting = {
        let id = id.clone();
        move || pending.get().as_deref() == Some(id.as_str())
    };
    let confirm_id = id.clone();
    let cancel_id = id.clone();
    view! {
        <div class="mt-2 w-full max-w-[90%] rounded-xl border-2 border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-700 dark:bg-amber-950" data-testid="proposal-card" data-action=p.action.clone() role="group" aria-label=format!("Confirm: {}", p.title)>
            <p class="font-semibold text-amber-950 dark:text-amber-50">{p.title.clone()}</p>
            <ul class="mt-1 list-disc pl-5 text-amber-900 dark:text-amber-100">
                {p.details.into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}
            </ul>
            <Show when=waiting.clone() fallback=|| view! { <p class="mt-2 text-xs text-slate-600 dark:text-slate-300" data-testid="proposal-closed">"No longer waiting for an answer."</p> }>
                <div class="mt-3 flex gap-2">
                    <button type="button" data-testid="proposal-confirm" class="rounded-lg bg-emerald-700 px-4 py-1.5 font-semibold text-white hover:bg-emerald-800 focus:outline-none focus:ring-2 focus:ring-emerald-400"
                        on:click={let id = confirm_id.clone(); move |_| decide.run((id.clone(), true))}>"Confirm"</button>
                    <button type="button" data-testid="proposal-cancel" class="rounded-lg border border-slate-400 bg-white px-4 py-1.5 font-medium text-slate-800 hover:bg-slate-100 dark:border-slate-500 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800"
                        on:click={let id = cancel_id.clone(); move |_| decide.run((id.clone(), false))}>"Cancel"</button>
                </div>
            </Show>
        </div>
    }
}

fn line_view(
    line: Line,
    pending: RwSignal<Option<String>>,
    decide: Callback<(String, bool)>,
    marks: Marks,
) -> impl IntoView {
    if line.role == "agent" {
        let html = line.html.clone().unwrap_or_default();
        let author = line.author.clone().unwrap_or_else(|| "Our team".into());
        return EitherOf3::A(view! {
            <div class="flex flex-col items-start" data-testid="agent-message">
                <p class="mb-0.5 text-xs font-medium text-emerald-700 dark:text-emerald-300">{format!("{author} · support team")}</p>
                <div class="prose-chat max-w-[90%] rounded-2xl rounded-bl-sm bg-emerald-50 px-4 py-2 ring-1 ring-emerald-200 dark:bg-emerald-950 dark:ring-emerald-800" inner_html=html></div>
                {(!line.text.trim().is_empty()).then(|| view! {
                    <div class="mt-1 text-xs text-slate-600 dark:text-slate-400"><SpeakButton text=line.text.clone() voice="support" error=marks.error/></div>
                })}
            </div>
        });
    }
    if line.role == "user" {
        let classification = line.classification.clone();
        EitherOf3::B(view! {
            <div class="flex flex-col items-end" data-testid="user-message">
                <div class="max-w-[85%] whitespace-pre-wrap rounded-2xl rounded-br-sm bg-indigo-600 px-4 py-2 text-white">{line.text.clone()}</div>
                {classification.map(classification_chips)}
            </div>
        })
    } else {
        let html = line.html.clone().unwrap_or_default();
        let tools = line.tools.clone().unwrap_or_default();
        let citations = line.citations.clone().unwrap_or_default();
        let proposal = line.proposal.clone();
        let footer = match (&line.backend, line.elapsed_ms) {
            (Some(b), Some(ms)) => Some(format!("{b} · {ms:.0} ms")),
            (Some(b), None) => Some(b.clone()),
            _ => None,
        };
        EitherOf3::C(view! {
            <div class="flex flex-col items-start" data-testid="assistant-message">
                <div class="prose-chat max-w-[90%] rounded-2xl rounded-bl-sm bg-slate-100 px-4 py-2 dark:bg-slate-800" inner_html=html></div>
                {proposal.map(|p| proposal_card(p, pending, decide))}
                {(!tools.is_empty()).then(|| tool_trace(tools))}
                {(!citations.is_empty()).then(|| citations_view(citations, marks, line.id))}
                <div class="mt-1 flex flex-wrap items-center gap-3 text-xs text-slate-600 dark:text-slate-400">
                    {footer.map(|f| view! { <p data-testid="answered-by">{f}</p> })}
                    {(!line.text.trim().is_empty()).then(|| view! { <SpeakButton text=line.text.clone() voice="support" error=marks.error/> })}
                </div>
                {line.id.map(|id| reply_votes(marks, id))}
            </div>
        })
    }
}
