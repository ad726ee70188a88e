//! The dark-mode toggle. The page starts in the stored choice or the system's, and a click flips
//! it and remembers the choice: both by the shell's scripts in `document.rs`, so the
//! button works before, and without, hydration.

use super::icon::{Icon, IconSvg};
use leptos::prelude::*;

#[component]
pub fn ThemeToggle() -> impl IntoView {
    view! {
        <button
            type="button"
            class="rounded-lg p-2 text-slate-600 hover:bg-slate-200 focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-slate-300 dark:hover:bg-slate-800"
            aria-label="Toggle dark mode"
            title="Toggle dark mode"
            data-testid="theme-toggle"
        >
            // Both icons are rendered; CSS shows the one that matches the current scheme.
            <IconSvg icon=Icon::Moon class="h-5 w-5 dark:hidden"/>
            <IconSvg icon=Icon::Sun class="hidden h-5 w-5 dark:block"/>
        </button>
    }
}
