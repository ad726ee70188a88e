#![recursion_limit = "512"]
//! The AI Portfolio web app: pages, components and server functions, rendered on the server
//! (feature `ssr`); in the browser (feature `hydrate`) only the islands hydrate (`routes`).

pub mod catalog;
pub mod components;
#[cfg(feature = "ssr")]
pub mod document;
pub mod error;
pub mod functions;
pub mod models;
pub mod page_kind;
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod state;

use components::layout::Layout;
#[cfg(feature = "ssr")]
pub use document::{content_security_policy, shell};
use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::Router;
use routes::AppRoutes;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Title formatter=|title: String| {
            if title.is_empty() { "AI Portfolio".to_owned() } else { format!("{title} · AI Portfolio") }
        }/>
        <Router>
            <Layout>
                <AppRoutes/>
            </Layout>
        </Router>
    }
}

/// Marks `<html data-hydrated="true">` once the WASM has taken over the page (called by each
/// island as it hydrates); browser tests wait on it.
pub fn mark_hydrated() {
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
