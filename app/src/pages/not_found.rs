use leptos::prelude::*;
use leptos_meta::{Meta, Title};

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="Page not found"/>
        <Meta name="robots" content="noindex"/>
        <section class="mx-auto max-w-xl py-16 text-center" data-testid="not-found">
            <p class="text-6xl font-bold text-indigo-600 dark:text-indigo-400">"404"</p>
            <h1 class="mt-4 text-2xl font-semibold">"This page does not exist"</h1>
            <p class="mt-2 text-slate-600 dark:text-slate-300">"The link may be old, or the address mistyped."</p>
            <a href="/" class="mt-6 inline-block rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">
                "Back to the home page"
            </a>
        </section>
    }
}
