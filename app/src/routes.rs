//! The app's routes, rendered by the server. The app runs in Leptos's islands mode: the router
//! never runs in the browser, every link is an ordinary page load, and a page's WebAssembly is
//! only its interactive parts (`#[island]` components: the support chat and its inbox, the
//! pirate chat, the GPT's studio, the classifier, text-to-image's studio, the signed-in desk).
//! Each island is a split point of the WASM (`scripts/build.sh`): a page downloads the small main
//! module (the reactive system and the DOM layer) and its own island's chunks, nothing of the
//! other pages. Home, Architecture, Data Views, the 404 page and the desk's sign-in page have no
//! island and load no WebAssembly at all (`page_kind`).

use crate::pages::{
    architecture::ArchitecturePage,
    classifier::ClassifierPage,
    data_views::DataViewsPage,
    desk::DeskPage,
    gpt::GptPage,
    home::HomePage,
    pirate::PiratePage,
    support::{SupportInboxPage, SupportPage},
    text_to_image::TextToImagePage,
};
use leptos::prelude::*;
use leptos_router::{
    SsrMode,
    components::{Route, Routes},
    path,
};

/// Every page, by path.
#[component]
pub fn AppRoutes() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <crate::pages::not_found::NotFound/> }>
            <Route path=path!("/") view=HomePage/>
            <Route path=path!("/support") view=SupportPage/>
            <Route path=path!("/support/inbox") view=SupportInboxPage/>
            <Route path=path!("/pirate") view=PiratePage/>
            <Route path=path!("/gpt") view=GptPage/>
            <Route path=path!("/classifier") view=ClassifierPage/>
            // Async: whether a provider is configured is in the first HTML, so nothing shifts.
            <Route path=path!("/text-to-image") view=TextToImagePage ssr=SsrMode::Async/>
            // Async: the whole table is in the first HTML.
            <Route path=path!("/data") view=DataViewsPage ssr=SsrMode::Async/>
            <Route path=path!("/architecture") view=ArchitecturePage/>
            <Route path=path!("/desk") view=DeskPage/>
        </Routes>
    }
}
