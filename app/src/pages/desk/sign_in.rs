//! The desk for a visitor without a session: the sign-in card and "Try the desk", as a document
//! only the server renders (`page_kind`). A visitor downloads no WebAssembly for it; its small
//! script (`sign_in.js`, inlined with the page's nonce) signs in through the desk's API and loads
//! /desk again, which the server then serves as the app (`DeskPage`'s signed-in part).

use super::{ALERT, BUTTON, CARD, GHOST, INPUT, Intro};
use domain::api::routes::desk_api;
use leptos::prelude::*;

/// The page's script: the two buttons through the desk's API.
const SIGN_IN_SCRIPT: &str = include_str!("sign_in.js");

/// Greyed while a request is in flight (`aria-disabled`, which keeps the button focused).
const BUSY: &str = "aria-disabled:opacity-50";

#[component]
pub fn SignInPage() -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    view! {
        <Intro/>
        <div class="min-h-[28rem]">
            <form method="post" class=format!("{CARD} mx-auto max-w-sm space-y-3") data-testid="sign-in" data-api=desk_api::LOGIN.url(&[]).as_str().to_owned()>
                <h2 class="text-lg font-semibold">"Sign in"</h2>
                <p class="text-sm text-slate-600 dark:text-slate-300">"Staff accounts only. The first administrator comes from ADMIN_EMAIL and ADMIN_PASSWORD; administrators add agents."</p>
                <label class="block text-sm">"Email"
                    <input type="email" name="email" required autocomplete="username" class=INPUT/>
                </label>
                <label class="block text-sm">"Password"
                    <input type="password" name="password" required autocomplete="current-password" class=INPUT/>
                </label>
                <p role="alert" class=ALERT hidden></p>
                // Disabled until the script runs, so Enter in a field cannot submit the form the
                // browser's own way.
                <button type="submit" class=format!("{BUTTON} {BUSY}") disabled>"Sign in"</button>
            </form>
            <section class=format!("{CARD} mx-auto mt-4 max-w-sm space-y-2") aria-labelledby="try-desk-title" data-testid="try-desk" data-api=desk_api::TRY_DESK.url(&[]).as_str().to_owned()>
                <h2 id="try-desk-title" class="text-lg font-semibold">"No staff account?"</h2>
                <p class="text-sm text-slate-600 dark:text-slate-300">"Try the desk as a demo agent: you see only the conversations this browser started on Customer Support, take them over and answer them yourself. It ends after two hours."</p>
                <p role="alert" class=ALERT hidden></p>
                <button type="button" class=format!("{GHOST} {BUSY}") data-testid="try-desk-button" disabled>"Try the desk"</button>
            </section>
        </div>
        <script nonce=nonce inner_html=SIGN_IN_SCRIPT></script>
    }
}
