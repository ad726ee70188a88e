//! The page frame: a sidebar on wide screens, a top bar with a menu on phones. The menu and
//! theme buttons are driven by the frame script in `document.rs` (the server's shell), so they
//! work from the first paint and on pages that load no WebAssembly; here they are plain markup.

use super::icon::{Icon, IconSvg};
use super::theme::ThemeToggle;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

const NAV: &[(&str, &str, Icon)] = &[
    ("/", "Home", Icon::Home),
    ("/support", "Customer Support", Icon::Headset),
    ("/pirate", "Pirate Chatbot", Icon::Flag),
    ("/gpt", "Custom GPT", Icon::Chip),
    ("/classifier", "Image Classifier", Icon::Eye),
    ("/text-to-image", "Text-to-Image", Icon::Picture),
    ("/data", "Data Views", Icon::BarChart),
    ("/architecture", "Architecture", Icon::Layers),
    ("/desk", "Support desk", Icon::Inbox),
];

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let location = use_location();

    view! {
        <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-slate-900">
            "Skip to content"
        </a>
        <div class="lg:flex">
            <header class="sticky top-0 z-30 border-b border-slate-200 bg-white/90 backdrop-blur dark:border-slate-800 dark:bg-slate-900/90 lg:fixed lg:inset-y-0 lg:w-64 lg:border-b-0 lg:border-r">
                <div class="flex items-center justify-between px-4 py-3 lg:py-5">
                    <a href="/" class="flex items-center gap-2 text-lg font-bold tracking-tight">
                        <span class="grid h-8 w-8 place-items-center rounded-lg bg-indigo-600 text-sm text-white">"AI"</span>
                        <span>"AI Portfolio"</span>
                    </a>
                    <div class="flex items-center gap-1">
                        <ThemeToggle/>
                        <button
                            type="button"
                            class="rounded-lg p-2 text-slate-600 hover:bg-slate-200 dark:text-slate-300 dark:hover:bg-slate-800 lg:hidden"
                            aria-label="Menu"
                            aria-controls="site-nav"
                            aria-expanded="false"
                            data-testid="menu-button"
                        >
                            <IconSvg icon=Icon::Menu class="h-6 w-6"/>
                        </button>
                    </div>
                </div>
                <nav
                    id="site-nav"
                    aria-label="Main"
                    class="hidden border-t border-slate-200 px-2 pb-3 dark:border-slate-800 lg:block lg:border-t-0"
                >
                    <ul class="space-y-0.5 pt-2">
                        {NAV
                            .iter()
                            .map(|(href, label, icon)| {
                                let href = *href;
                                let active = move || {
                                    let path = location.pathname.get();
                                    if href == "/" { path == "/" } else { path.starts_with(href) }
                                };
                                view! {
                                    <li>
                                        <a
                                            href=href
                                            aria-current=move || if active() { Some("page") } else { None }
                                            class="flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
                                            class=("nav-active", active)
                                        >
                                            <IconSvg icon=*icon class="h-5 w-5 shrink-0 opacity-80"/>
                                            <span>{*label}</span>
                                        </a>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </nav>
            </header>
            <div class="min-w-0 flex-1 lg:pl-64">
                <main id="main" class="mx-auto max-w-7xl px-4 py-6 sm:px-6 lg:px-8 lg:py-10">{children()}</main>
                <footer class="mx-auto max-w-7xl px-4 pb-8 text-xs text-slate-500 sm:px-6 lg:px-8 dark:text-slate-400">
                    "AI Portfolio · Rust, Leptos and axum · every demo runs offline on embedded models unless a cloud key is configured."
                </footer>
            </div>
        </div>
    }
}
