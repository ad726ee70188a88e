#![recursion_limit = "256"]
//! The AI Portfolio web app: pages, components and server functions, rendered on the server
//! (feature `ssr`) and hydrated in the browser (feature `hydrate`).

pub mod catalog;
pub mod components;
pub mod error;
pub mod functions;
pub mod models;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod state;

use components::layout::Layout;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};
use pages::{
    architecture::ArchitecturePage,
    classifier::ClassifierPage,
    data_views::DataViewsPage,
    desk::DeskPage,
    gpt::GptPage,
    home::HomePage,
    not_found::NotFound,
    pirate::PiratePage,
    support::{SupportInboxPage, SupportPage},
    text_to_image::TextToImagePage,
};

/// Sets the colour scheme before the first paint (stored choice, else the system's), so dark
/// mode never flashes white.
const THEME_SCRIPT: &str = "(function(){try{var t=localStorage.getItem('theme');\
var d=t?t==='dark':window.matchMedia('(prefers-color-scheme: dark)').matches;\
document.documentElement.classList.toggle('dark',d);}catch(e){}})();";

/// The Content-Security-Policy for a page whose inline scripts carry `nonce`: scripts only from
/// this origin or with the nonce, WASM allowed to compile, nothing framed, no plugins.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
         font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (
        nonce.as_ref(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) && let Ok(value) =
        http::HeaderValue::from_str(&content_security_policy(&nonce.to_string()))
    {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <script nonce=nonce>{THEME_SCRIPT}</script>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();

    view! {
        <Stylesheet id="leptos" href="/pkg/ai-portfolio.css"/>
        <Title formatter=|title: String| {
            if title.is_empty() { "AI Portfolio".to_owned() } else { format!("{title} · AI Portfolio") }
        }/>
        <Router>
            <Layout>
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=HomePage/>
                    <Route path=path!("/support") view=SupportPage/>
                    <Route path=path!("/support/inbox") view=SupportInboxPage/>
                    <Route path=path!("/pirate") view=PiratePage/>
                    <Route path=path!("/gpt") view=GptPage/>
                    <Route path=path!("/classifier") view=ClassifierPage/>
                    <Route path=path!("/text-to-image") view=TextToImagePage/>
                    // Async: the whole table is in the first HTML, so the page works without JS.
                    <Route path=path!("/data") view=DataViewsPage ssr=SsrMode::Async/>
                    <Route path=path!("/architecture") view=ArchitecturePage/>
                    <Route path=path!("/desk") view=DeskPage/>
                </Routes>
            </Layout>
        </Router>
    }
}

/// Marks `<html data-hydrated="true">` once the WASM has taken over; browser tests wait on it.
fn mark_hydrated() {
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
