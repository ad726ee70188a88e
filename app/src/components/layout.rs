//! The page frame: a sidebar on wide screens, a top bar with a menu on phones.

use super::theme::ThemeToggle;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

const NAV: &[(&str, &str, &str)] = &[
    ("/", "Home", "🏠"),
    ("/support", "Customer Support", "🎧"),
    ("/pirate", "Pirate Chatbot", "🏴‍☠️"),
    ("/gpt", "Custom GPT", "🧠"),
    ("/classifier", "Image Classifier", "🦸"),
    ("/text-to-image", "Text-to-Image", "🎨"),
    ("/data", "Data Views", "📊"),
    ("/architecture", "Architecture", "🧩"),
    ("/desk", "Support desk", "🗂️"),
];

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let menu_open = RwSignal::new(false);
    let location = use_location();
    // Close the phone menu after any navigation.
    Effect::new(move |_| {
        location.pathname.track();
        menu_open.set(false);
    });

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
                            aria-expanded=move || menu_open.get().to_string()
                            on:click=move |_| menu_open.update(|open| *open = !*open)
                            data-testid="menu-button"
                        >
                            <svg class="h-6 w-6" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true">
                                <path stroke-linecap="round" d="M4 6h16M4 12h16M4 18h16"/>
                            </svg>
                        </button>
                    </div>
                </div>
                <nav
                    id="site-nav"
                    aria-label="Main"
                    class="border-t border-slate-200 px-2 pb-3 dark:border-slate-800 lg:block lg:border-t-0"
                    class:hidden=move || !menu_open.get()
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
                                            <span aria-hidden="true">{*icon}</span>
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
