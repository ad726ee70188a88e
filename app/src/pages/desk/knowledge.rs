//! The knowledge base (admins): upload a document, watch it being indexed, read its passages,
//! delete it (after a second click), re-index everything.

use super::{ALERT, BUTTON, CARD, DeskState, GHOST, INPUT};
use domain::api::knowledge::{DocumentChunks, DocumentList};
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::components::{http, task};
#[cfg(feature = "hydrate")]
use domain::api::routes::desk_api;

#[component]
pub(super) fn KnowledgeBase() -> impl IntoView {
    let desk = expect_context::<DeskState>();
    let documents = RwSignal::new(None::<DocumentList>);
    let chunks = RwSignal::new(None::<DocumentChunks>);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let confirm_delete = RwSignal::new(None::<i64>);
    let form_ref = NodeRef::<leptos::html::Form>::new();

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        desk.tick.track();
        task::spawn_scoped(async move {
            match http::ask::<DocumentList>(desk_api::DOCUMENTS.url(&[])).await {
                Ok(list) => documents.set(Some(list)),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    let upload = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        #[cfg(feature = "hydrate")]
        if let Some(form) = form_ref.get_untracked()
            && let Ok(data) = web_sys::FormData::new_with_form(&form)
        {
            busy.set(true);
            error.set(None);
            leptos::task::spawn_local(async move {
                let answer = http::upload(desk_api::UPLOAD.url(&[]), &data).await;
                match answer {
                    Ok(_) => {
                        form.reset();
                        desk.refresh();
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (form_ref, desk);
    };
    let delete = move |id: i64| {
        if confirm_delete.get_untracked() != Some(id) {
            confirm_delete.set(Some(id));
            return;
        }
        confirm_delete.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match http::ask(desk_api::DELETE_DOCUMENT.url(&[&id])).await {
                Ok(_) => desk.refresh(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let show_chunks = move |id: i64| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match http::ask::<DocumentChunks>(desk_api::DOCUMENT_CHUNKS.url(&[&id])).await {
                Ok(c) => chunks.set(Some(c)),
                Err(e) => error.set(Some(e)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = id;
    };
    let reindex = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match http::ask(desk_api::REINDEX.url(&[])).await {
                Ok(_) => desk.refresh(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let select = |id: &'static str, options: &'static [&'static str]| {
        view! {
            <select id=id name=id class=INPUT>{options.iter().map(|o| view! { <option value=*o>{o.replace('_', " ")}</option> }).collect_view()}</select>
        }
    };
    view! {
        <div class="grid gap-4 lg:grid-cols-[22rem_1fr]">
            <form node_ref=form_ref class=format!("{CARD} space-y-2") on:submit=upload data-testid="kb-upload">
                <h2 class="font-semibold">"Add a document"</h2>
                <p class="text-xs text-slate-600 dark:text-slate-400">"Markdown, text, HTML, PDF or Word (DOCX), up to 10 MB. It is cut at its headings into overlapping passages, embedded and written to Qdrant."</p>
                <label class="block text-sm">"File"<input type="file" name="file" required accept=".md,.markdown,.txt,.html,.htm,.pdf,.docx" class="mt-1 block w-full text-sm" data-testid="kb-file"/></label>
                <label class="block text-sm">"Title (optional)"<input name="title" class=INPUT placeholder="From the first heading otherwise"/></label>
                <label class="block text-sm" for="audience">"Audience"</label>
                {select("audience", &["customer", "agent"])}
                <label class="block text-sm" for="doc_type">"Type"</label>
                {select("doc_type", &["policy", "troubleshooting", "setup", "sop", "macro", "tool_contract"])}
                <label class="block text-sm">"Category"<input name="category" class=INPUT value="general"/></label>
                <button type="submit" class=BUTTON disabled=move || busy.get()>{move || if busy.get() { "Uploading…" } else { "Upload and index" }}</button>
                {move || desk.kb_progress.get().filter(|p| p.status == "indexing").map(|p| {
                    let done = p.done;
                    let total = p.total.max(1);
                    view! {
                        <div data-testid="kb-progress">
                            <progress class="w-full" max=total value=done></progress>
                            <p class="text-xs text-slate-600 dark:text-slate-400">{format!("Indexing: {done} of {total} chunks")}</p>
                        </div>
                    }
                })}
                <Show when=move || error.get().is_some()><p role="alert" class=ALERT>{move || error.get()}</p></Show>
            </form>
            <section class=CARD aria-label="Documents">
                <div class="mb-2 flex flex-wrap items-center justify-between gap-2">
                    <p class="text-sm text-slate-600 dark:text-slate-300" data-testid="kb-summary">{move || documents.get().map(|d| match d.searchable_chunks {
                        Some(n) => format!("{} shipped passages · {n} searchable in all", d.shipped_chunks),
                        None => format!("{} shipped passages · the knowledge base is loading (uploads wait for it)", d.shipped_chunks),
                    })}</p>
                    <button type="button" class=GHOST on:click=reindex data-testid="kb-reindex">"Re-index everything"</button>
                </div>
                {move || documents.get().and_then(|d| d.jobs.into_iter().find(|j| {
                    use domain::api::jobs::{JobKind, JobStatus};
                    j.kind == JobKind::Reindex && matches!(j.status, JobStatus::Queued | JobStatus::Running)
                })).map(|job| view! {
                    <p class="mb-2 text-xs text-slate-600 dark:text-slate-400" data-testid="kb-reindex-job">{format!("Re-index {}", job_line(&job))}</p>
                })}
                <table class="w-full text-left text-sm" data-testid="kb-documents">
                    <thead class="text-xs text-slate-600 dark:text-slate-400"><tr><th class="py-1">"Title"</th><th>"Type"</th><th>"Size"</th><th>"Chunks"</th><th>"Status"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                    <tbody>
                        {move || documents.get().map(|d| {
                            let jobs = d.jobs;
                            d.documents.into_iter().map(|doc| {
                                let job = jobs.iter().find(|j| j.document_id == Some(doc.id)).map(job_line);
                                (doc, job)
                            }).collect::<Vec<_>>()
                        }).unwrap_or_default().into_iter().map(|(doc, job)| {
                            let id = doc.id;
                            view! {
                                <tr class="border-t border-slate-100 dark:border-slate-800" data-testid="kb-document">
                                    <td class="py-1.5"><button type="button" class="text-left text-indigo-700 hover:underline dark:text-indigo-300" on:click=move |_| show_chunks(id)>{doc.title.clone()}</button></td>
                                    <td class="text-xs">{doc.media_type.rsplit('/').next().unwrap_or("").chars().take(12).collect::<String>()}</td>
                                    <td class="text-xs">{format!("{:.1} KB", doc.bytes as f64 / 1024.0)}</td>
                                    <td>{doc.chunks}</td>
                                    <td class="text-xs" data-testid="kb-status" title=doc.error.clone().unwrap_or_default()>
                                        {doc.status.as_str()}
                                        {job.map(|line| view! { <span class="block text-slate-600 dark:text-slate-400" data-testid="kb-job">{line}</span> })}
                                    </td>
                                    <td><button type="button" class="text-xs text-red-700 hover:underline dark:text-red-300" on:click=move |_| delete(id)>{move || if confirm_delete.get() == Some(id) { "Click again to delete" } else { "Delete" }}</button></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {move || chunks.get().map(|c| view! {
                    <div class="mt-4 border-t border-slate-200 pt-3 dark:border-slate-700" data-testid="kb-chunks">
                        <h3 class="mb-2 text-sm font-semibold">{format!("Chunks of {}", c.document.title)}</h3>
                        <ol class="max-h-96 space-y-2 overflow-y-auto text-xs">
                            {c.chunks.into_iter().map(|k| view! {
                                <li class="rounded bg-slate-50 p-2 dark:bg-slate-800">
                                    <p class="font-medium">{format!("{} · {}", k.id, k.title)}</p>
                                    <p class="mt-1 whitespace-pre-wrap text-slate-600 dark:text-slate-300">{k.content}</p>
                                </li>
                            }).collect_view()}
                        </ol>
                    </div>
                })}
            </section>
        </div>
    }
}

/// Where a document's indexing job stands, in a few words.
fn job_line(job: &domain::api::jobs::Job) -> String {
    use domain::api::jobs::JobStatus;
    match job.status {
        JobStatus::Queued if job.attempts > 0 => format!(
            "job {}: attempt {} failed, retrying ({})",
            job.id,
            job.attempts,
            job.error.as_deref().unwrap_or("no reason given")
        ),
        JobStatus::Queued => format!("job {}: waiting for an instance", job.id),
        JobStatus::Running => format!(
            "job {}: running, {} of {} passages",
            job.id, job.done, job.total
        ),
        JobStatus::Failed => format!("job {}: failed after {} attempts", job.id, job.attempts),
        JobStatus::Done => format!("job {}: done", job.id),
    }
}
