use crate::components::page_header::PageHeader;
use leptos::prelude::*;

/// The diagram is a file in the repository, inlined so it follows the page's colour scheme.
const DIAGRAM: &str = include_str!("../../assets/architecture.svg");

const PARTS: &[(&str, &str)] = &[
    (
        "Browser",
        "Receives complete HTML from the server, so pages show at once and work without JavaScript; \
      the Leptos WASM bundle then hydrates them for instant navigation, live search and streaming.",
    ),
    (
        "axum + Leptos server",
        "One Rust binary on tokio: server-side rendering, server functions the pages call, \
      the REST API, health checks and static files. Configuration comes from the environment in one typed struct.",
    ),
    (
        "Support agent and LLM layer",
        "The agent plans tool calls over the store and the knowledge base; the LLM layer \
      hides which model answers (embedded or OpenAI-compatible) behind one streaming interface with retries, \
      timeouts and circuit breakers.",
    ),
    (
        "Embedded model runtimes",
        "candle runs small models on the CPU inside the server: a chat model, sentence \
      embeddings, the character-level GPT, the image backbone and Whisper for speech (replies are spoken by flite, \
      an offline synthesiser). Inference runs on a blocking pool, never on the async runtime.",
    ),
    (
        "Store database",
        "sqlx over SQLite by default (created, migrated and seeded on first start) or PostgreSQL such \
      as Supabase. Money is stored in integer cents; the same SQL serves both.",
    ),
    (
        "Knowledge base",
        "Qdrant holds the policy, setup, troubleshooting and procedure documents the agent cites: \
      embedded Qdrant Edge on disk by default, a Qdrant server or Cloud when QDRANT_URL is set.",
    ),
    (
        "Support desk and REST API",
        "Staff sign in (argon2id passwords, HttpOnly session cookies, agent and admin roles) to take \
      conversations over from the agent; a broadcast hub pushes every change to the desk and to the customer's open \
      chat as server-sent events. Machine clients use /api/v1 with hashed, per-key rate-limited API keys; its OpenAPI \
      document and Swagger UI are generated from the handlers. Uploaded documents (Markdown, text, HTML, PDF, DOCX) are \
      cut at their headings, embedded and written to Qdrant.",
    ),
    (
        "Cloud APIs",
        "OpenAI (or any compatible server), Stability AI and a remote GPT service, used only when their \
      keys or URLs are configured. Each page says which backend answered.",
    ),
];

#[component]
pub fn ArchitecturePage() -> impl IntoView {
    view! {
        <PageHeader
            title="Architecture"
            description="How AI Portfolio is built: a Leptos front end, one axum server with embedded model runtimes, a SQL store, a Qdrant knowledge base and optional cloud APIs."
        >
            "One Rust server does everything: it renders the pages, runs the models and talks to the data. Dashed parts are optional; everything else works offline."
        </PageHeader>
        <figure class="overflow-x-auto rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <div class="min-w-[640px]" inner_html=DIAGRAM data-testid="architecture-diagram"></div>
        </figure>
        <dl class="mt-8 grid gap-4 md:grid-cols-2">
            {PARTS
                .iter()
                .map(|(name, text)| {
                    view! {
                        <div class="rounded-xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
                            <dt class="font-semibold">{*name}</dt>
                            <dd class="mt-1 text-sm text-slate-600 dark:text-slate-300">{*text}</dd>
                        </div>
                    }
                })
                .collect_view()}
        </dl>
    }
}
