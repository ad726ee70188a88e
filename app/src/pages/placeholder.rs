use crate::catalog::demo;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};

/// A demo page that is not built yet: what it will do and what it will run on.
#[component]
pub fn DemoPlaceholder(slug: &'static str) -> impl IntoView {
    let Some(demo) = demo(slug) else {
        return view! { <super::not_found::NotFound/> }.into_any();
    };
    view! {
        <Title text=demo.title/>
        <Meta name="description" content=demo.summary/>
        <header class="mb-6">
            <p class="text-4xl" aria-hidden="true">{demo.icon}</p>
            <h1 class="mt-2 text-3xl font-bold tracking-tight">{demo.title}</h1>
            <p class="mt-3 max-w-3xl text-lg text-slate-600 dark:text-slate-300">{demo.summary}</p>
        </header>
        <section class="max-w-3xl rounded-xl border border-dashed border-indigo-300 bg-indigo-50/60 p-6 dark:border-indigo-800 dark:bg-indigo-950/40" data-testid="placeholder">
            <h2 class="font-semibold text-indigo-900 dark:text-indigo-200">"Being built"</h2>
            <p class="mt-1 text-sm text-indigo-900/80 dark:text-indigo-200/80">
                "This demo is on its way. When it lands, this page will offer:"
            </p>
            <ul class="mt-3 list-disc space-y-1 pl-5 text-sm text-slate-700 dark:text-slate-300">
                {demo.features.iter().map(|f| view! { <li>{*f}</li> }).collect_view()}
            </ul>
            <p class="mt-4 text-sm text-slate-600 dark:text-slate-400">
                <span class="font-medium">"Runs on: "</span>{demo.runs_on}
            </p>
        </section>
    }
    .into_any()
}
