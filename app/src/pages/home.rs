use crate::catalog::DEMOS;
use crate::components::icon::IconSvg;
use crate::functions::backends::get_backends;
use crate::models::{BackendKind, DemoBackend};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};

#[component]
pub fn HomePage() -> impl IntoView {
    let backends = Resource::new(|| (), |_| get_backends());
    view! {
        <Title text=""/>
        <Meta name="description" content="Six working AI demos in one Rust web app: a support agent, a pirate chatbot, a GPT trained from scratch, an image classifier, text-to-image and live data views."/>
        <section class="mb-10">
            <p class="text-sm font-semibold uppercase tracking-wider text-indigo-600 dark:text-indigo-400">"Rust · Leptos · axum"</p>
            <h1 class="mt-2 text-3xl font-bold tracking-tight sm:text-4xl">"Six working AI demos, one Rust app"</h1>
            <p class="mt-4 max-w-3xl text-lg text-slate-600 dark:text-slate-300">
                "This portfolio shows what applied AI looks like when it is built to run anywhere: "
                "every demo works on a laptop with no API key and no network, on models embedded in the server, "
                "and switches to cloud services when they are configured. Each page says which backend answered."
            </p>
            <div class="mt-6 flex flex-wrap gap-3 text-sm">
                <a href="/architecture" class="rounded-lg bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500">"How it is built"</a>
                <a href="/data" class="rounded-lg border border-slate-300 px-4 py-2 font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Browse the store data"</a>
                <a href="/health/ready" rel="external" class="rounded-lg border border-slate-300 px-4 py-2 font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Service health"</a>
            </div>
        </section>
        <section aria-labelledby="demos-heading">
            <h2 id="demos-heading" class="mb-4 text-xl font-semibold">"The demos"</h2>
            <Transition fallback=move || view! { <DemoGrid backends=Vec::new()/> }>
                {move || Suspend::new(async move {
                    let list = backends.await.unwrap_or_default();
                    view! { <DemoGrid backends=list/> }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DemoGrid(backends: Vec<DemoBackend>) -> impl IntoView {
    view! {
        <ul class="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
            {DEMOS
                .iter()
                .map(|demo| {
                    let backend = backends.iter().find(|b| b.slug == demo.slug).cloned();
                    view! {
                        <li class="group relative flex flex-col rounded-xl border border-slate-200 bg-white p-5 shadow-sm transition hover:shadow-md dark:border-slate-800 dark:bg-slate-900" data-testid="demo-card">
                            <div class="flex items-start justify-between gap-3">
                                <span class="grid h-10 w-10 place-items-center rounded-lg bg-indigo-50 text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300"><IconSvg icon=demo.icon class="h-6 w-6"/></span>
                                <BackendBadge backend/>
                            </div>
                            <h3 class="mt-3 text-lg font-semibold">
                                <a href=demo.path class="after:absolute after:inset-0 focus:outline-none">{demo.title}</a>
                            </h3>
                            <p class="mt-1 flex-1 text-sm text-slate-600 dark:text-slate-300">{demo.summary}</p>
                            <p class="mt-3 text-xs text-slate-500 dark:text-slate-400">{demo.runs_on}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

#[component]
fn BackendBadge(backend: Option<DemoBackend>) -> impl IntoView {
    let Some(backend) = backend else {
        return Either::Left(
            view! { <span class="h-6 w-24 animate-pulse rounded-full bg-slate-200 dark:bg-slate-700"></span> },
        );
    };
    let (class, prefix) = match backend.kind {
        BackendKind::Embedded => (
            "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/60 dark:text-emerald-200",
            "Embedded",
        ),
        BackendKind::Cloud => (
            "bg-sky-100 text-sky-800 dark:bg-sky-900/60 dark:text-sky-200",
            "Cloud",
        ),
        BackendKind::Missing => (
            "bg-amber-100 text-amber-800 dark:bg-amber-900/60 dark:text-amber-200",
            "Not configured",
        ),
    };
    let title = backend.label.clone();
    Either::Right(view! {
        <span class=format!("rounded-full px-2.5 py-1 text-xs font-medium {class}") title=title data-testid="backend-badge">
            {format!("{prefix}: {}", backend.label)}
        </span>
    })
}
