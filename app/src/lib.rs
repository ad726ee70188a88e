#![recursion_limit = "256"]
//! The AI Portfolio web app: pages, components and server functions, rendered on the server
//! (feature `ssr`) and hydrated in the browser (feature `hydrate`).

pub mod catalog;
pub mod components;
#[cfg(feature = "ssr")]
pub mod document;
pub mod error;
pub mod functions;
pub mod hydrate_at_once;
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
use leptos_router::{
    Lazy, SsrMode,
    components::{Route, Router, Routes},
    path,
};
use pages::not_found::NotFound;
use routes::{
    ArchitectureRoute, ClassifierRoute, DataViewsRoute, DeskRoute, GptRoute, HomeRoute,
    PirateRoute, SupportInboxRoute, SupportRoute, TextToImageRoute,
};

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Title formatter=|title: String| {
            if title.is_empty() { "AI Portfolio".to_owned() } else { format!("{title} · AI Portfolio") }
        }/>
        <Router>
            <Layout>
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view={Lazy::<HomeRoute>::new()}/>
                    <Route path=path!("/support") view={Lazy::<SupportRoute>::new()}/>
                    <Route path=path!("/support/inbox") view={Lazy::<SupportInboxRoute>::new()}/>
                    <Route path=path!("/pirate") view={Lazy::<PirateRoute>::new()}/>
                    <Route path=path!("/gpt") view={Lazy::<GptRoute>::new()}/>
                    <Route path=path!("/classifier") view={Lazy::<ClassifierRoute>::new()}/>
                    // Async: whether a provider is configured is in the first HTML, so nothing shifts.
                    <Route path=path!("/text-to-image") view={Lazy::<TextToImageRoute>::new()} ssr=SsrMode::Async/>
                    // Async: the whole table is in the first HTML; the page is the server's only.
                    <Route path=path!("/data") view=DataViewsRoute ssr=SsrMode::Async/>
                    <Route path=path!("/architecture") view={Lazy::<ArchitectureRoute>::new()}/>
                    <Route path=path!("/desk") view={Lazy::<DeskRoute>::new()}/>
                </Routes>
            </Layout>
        </Router>
    }
}

/// Marks `<html data-hydrated="true">` once the WASM has taken over the page (called by each
/// page's route, whose code may arrive after the frame's); browser tests wait on it.
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
