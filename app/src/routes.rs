//! The app's routes. Each interactive page's code is loaded lazily: `scripts/build.sh` cuts the
//! WASM at the `#[lazy]` functions below (one per group of pages), and a page downloads the main
//! module plus its group's chunks when it hydrates, so no visitor downloads the desk unless they
//! open it. Pages are grouped rather than split one by one: every split point multiplies the
//! chunks (one per combination of split points sharing code), and each chunk is a request and a
//! WebAssembly instantiation on the main thread; one split point per page made 200 chunks and
//! 80 to 130 requests per page. The split step also keeps code that three or more groups share
//! in the main module (`tools/wasm-split`), so a page fetches six files. On the server the same
//! routes simply render.
//!
//! Each page is wrapped in `HydrateAtOnce`: the router hydrates a lazy route asynchronously, and
//! without it every view type of the page would be compiled twice, async and sync.
//!
//! Home and Architecture are static documents: opened directly they load no WebAssembly at all
//! (their links are ordinary page loads, the frame's buttons are plain script); reached from a
//! hydrated page, the router renders them like any other.
//!
//! Data Views is rendered by the server only (`page_kind`): a document with no WebAssembly,
//! made interactive by a small script of its own (`pages::data_views`). Links to it are ordinary
//! page loads (`page_kind::link_rel`); should the router still reach it, it reloads the page
//! from the server. The desk is the same for a visitor (its sign-in page, `pages::desk`); the
//! router renders it only for a request the server found signed in.

use crate::hydrate_at_once::HydrateAtOnce;
use crate::pages::{
    architecture::ArchitecturePage,
    classifier::ClassifierPage,
    desk::DeskPage,
    gpt::GptPage,
    home::HomePage,
    pirate::PiratePage,
    support::{SupportInboxPage, SupportPage},
    text_to_image::TextToImagePage,
};
use leptos::prelude::*;
use leptos_router::LazyRoute;

/// Every page, as the argument of its group's split point.
#[derive(Clone, Copy)]
pub enum Page {
    Home,
    Architecture,
    Support,
    SupportInbox,
    Pirate,
    Gpt,
    Classifier,
    TextToImage,
    Desk,
}

/// The light pages: Home and Architecture (static documents when opened directly, rendered by
/// the router after a client-side navigation) and the signed-in desk's frame (a visitor's desk
/// is the server's sign-in page, with no WebAssembly). The desk's sections are a split point of
/// their own (`pages::desk`'s `staff_view`). The frame is here rather than a group of its own
/// because every split point multiplies the chunks of every page.
#[lazy]
fn light_pages(page: Page) -> AnyView {
    match page {
        Page::Architecture => HydrateAtOnce(view! { <ArchitecturePage/> }).into_any(),
        Page::Desk => HydrateAtOnce(view! { <DeskPage/> }).into_any(),
        _ => HydrateAtOnce(view! { <HomePage/> }).into_any(),
    }
}

/// The customer's support chat and its inbox.
#[lazy]
fn support_pages(page: Page) -> AnyView {
    match page {
        Page::SupportInbox => HydrateAtOnce(view! { <SupportInboxPage/> }).into_any(),
        _ => HydrateAtOnce(view! { <SupportPage/> }).into_any(),
    }
}

/// The two text generators: the pirate chat and the custom GPT.
#[lazy]
fn text_pages(page: Page) -> AnyView {
    match page {
        Page::Gpt => HydrateAtOnce(view! { <GptPage/> }).into_any(),
        _ => HydrateAtOnce(view! { <PiratePage/> }).into_any(),
    }
}

/// The two image demos: the classifier and text-to-image.
#[lazy]
fn image_pages(page: Page) -> AnyView {
    match page {
        Page::TextToImage => HydrateAtOnce(view! { <TextToImagePage/> }).into_any(),
        _ => HydrateAtOnce(view! { <ClassifierPage/> }).into_any(),
    }
}

impl Page {
    /// Fetches the page's group's code. The router awaits it before hydrating a lazy route, so
    /// the page hydrates against the server's HTML with all its code present.
    #[cfg(feature = "hydrate")]
    async fn preload(self) {
        match self {
            Page::Home | Page::Architecture | Page::Desk => __preload_light_pages().await,
            Page::Support | Page::SupportInbox => __preload_support_pages().await,
            Page::Pirate | Page::Gpt => __preload_text_pages().await,
            Page::Classifier | Page::TextToImage => __preload_image_pages().await,
        }
    }

    /// Renders the page, after its group's code has arrived.
    async fn view(self) -> AnyView {
        crate::mark_hydrated();
        match self {
            Page::Home | Page::Architecture | Page::Desk => light_pages(self).await,
            Page::Support | Page::SupportInbox => support_pages(self).await,
            Page::Pirate | Page::Gpt => text_pages(self).await,
            Page::Classifier | Page::TextToImage => image_pages(self).await,
        }
    }
}

/// A route that renders one page through its group's split point. Its page needs no route data
/// of its own: its resources start when its view runs, and during hydration they read what the
/// server sent.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:ident) => {
        $(#[$doc])*
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                Page::$page.view().await
            }

            async fn preload() {
                #[cfg(feature = "hydrate")]
                Page::$page.preload().await;
            }
        }
    };
}

lazy_page!(
    /// `/`
    HomeRoute => Home
);
lazy_page!(
    /// `/support`
    SupportRoute => Support
);
lazy_page!(
    /// `/support/inbox`
    SupportInboxRoute => SupportInbox
);
lazy_page!(
    /// `/pirate`
    PirateRoute => Pirate
);
lazy_page!(
    /// `/gpt`
    GptRoute => Gpt
);
lazy_page!(
    /// `/classifier`
    ClassifierRoute => Classifier
);
lazy_page!(
    /// `/text-to-image`
    TextToImageRoute => TextToImage
);
lazy_page!(
    /// `/architecture`
    ArchitectureRoute => Architecture
);
lazy_page!(
    /// `/desk`
    DeskRoute => Desk
);

/// `/data`: the server's document. In the browser (reached by the router, which links avoid)
/// the page is loaded from the server instead.
#[component]
pub fn DataViewsRoute() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        view! { <crate::pages::data_views::DataViewsPage/> }
    }
    #[cfg(not(feature = "ssr"))]
    {
        // The router has already put the page's address in the history.
        let _ = window().location().reload();
    }
}
