#![recursion_limit = "256"]
//! The browser entry point: hydrates the server-rendered HTML (lazily: a page's code is in its
//! group's chunks, loaded before that page hydrates).

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
}
