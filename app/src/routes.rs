//! The app's routes, each page loaded lazily: the browser downloads a page's code (its own
//! WASM chunk, split at build time by `scripts/build.sh`) only when the visitor opens it, so the
//! home page does not carry the desk, and the server preloads the chunk of the page it renders.
//! On the server, and in a build without the split step, the same routes simply render.
//!
//! Home and Architecture are static documents: opened directly they load no WebAssembly at all
//! (their links are ordinary page loads, the frame's buttons are plain script); reached from a
//! hydrated page, the router renders them like any other.

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
use leptos_router::{LazyRoute, lazy_route};

/// The pages served as static documents, without hydration.
const STATIC_PAGES: &[&str] = &["/", "/architecture"];

/// Whether the page at `path` is served without WebAssembly.
pub fn is_static(path: &str) -> bool {
    let path = match path.strip_suffix('/') {
        Some(trimmed) if !trimmed.is_empty() => trimmed,
        _ => path,
    };
    STATIC_PAGES.contains(&path)
}

/// A route whose page is split into its own chunk. The page needs no route data of its own: its
/// resources start when its view runs, which during hydration read what the server sent.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:ident) => {
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                crate::mark_hydrated();
                view! { <$page/> }.into_any()
            }
        }
    };
}

lazy_page!(
    /// `/`
    HomeRoute => HomePage
);
lazy_page!(
    /// `/support`
    SupportRoute => SupportPage
);
lazy_page!(
    /// `/support/inbox`
    SupportInboxRoute => SupportInboxPage
);
lazy_page!(
    /// `/pirate`
    PirateRoute => PiratePage
);
lazy_page!(
    /// `/gpt`
    GptRoute => GptPage
);
lazy_page!(
    /// `/classifier`
    ClassifierRoute => ClassifierPage
);
lazy_page!(
    /// `/text-to-image`
    TextToImageRoute => TextToImagePage
);
lazy_page!(
    /// `/data`
    DataViewsRoute => DataViewsPage
);
lazy_page!(
    /// `/architecture`
    ArchitectureRoute => ArchitecturePage
);
lazy_page!(
    /// `/desk`: only staff open it, so nobody else downloads it.
    DeskRoute => DeskPage
);
