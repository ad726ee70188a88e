#![recursion_limit = "256"]
//! The browser entry point. The app runs in islands mode: the server renders every page, and
//! only its interactive parts (`#[island]`s in `app`) hydrate. This sets up the reactive
//! system; the document's script then calls each island on the page by name (`app::document`),
//! and each island's code is a chunk of its own, fetched when that island is called.

// Nothing here names the app, yet its islands' exported functions must be linked in.
extern crate app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
