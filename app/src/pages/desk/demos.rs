//! The demos' shared state (admins): the classes every visitor's classifier starts from. A
//! visitor's own teaching and reset change only what that visitor sees; this is where the
//! defaults change.

use super::{ALERT, BUTTON, CARD, INPUT};
use leptos::html::Form;
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::components::http;
#[cfg(feature = "hydrate")]
use domain::api::routes::classifier_api;

#[component]
pub(super) fn SharedClassifier() -> impl IntoView {
    let form_ref = NodeRef::<Form>::new();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let confirm_reset = RwSignal::new(false);
    let teach = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        if let Some(form) = form_ref.get_untracked()
            && let Ok(data) = web_sys::FormData::new_with_form(&form)
        {
            busy.set(true);
            error.set(None);
            notice.set(None);
            leptos::task::spawn_local(async move {
                match http::upload(classifier_api::TEACH_SHARED.url(&[]), &data).await {
                    Ok(report) => {
                        form.reset();
                        notice.set(Some(format!(
                            "Every visitor now sees “{}” ({} picture(s) added).",
                            report.class, report.images_added
                        )));
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = form_ref;
    };
    let reset = move |_| {
        if !confirm_reset.get_untracked() {
            confirm_reset.set(true);
            return;
        }
        confirm_reset.set(false);
        error.set(None);
        notice.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match http::ask(classifier_api::RESET_SHARED.url(&[])).await {
                Ok(_) => notice.set(Some(
                    "The shared classes are the shipped ones again.".into(),
                )),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class=CARD aria-label="Shared classifier classes" data-testid="shared-classifier">
            <h2 class="mb-1 font-semibold">"Classifier: shared classes"</h2>
            <p class="mb-2 text-xs text-slate-600 dark:text-slate-400">"Visitors teach classes for themselves only. A class taught here is added for every visitor; reset removes every class taught here (visitors keep their own)."</p>
            <form node_ref=form_ref class="grid gap-2 sm:grid-cols-[1fr_1fr_auto]" on:submit=teach>
                <input name="class" required maxlength="32" placeholder="Class name" aria-label="Shared class name" class=INPUT/>
                <input type="file" name="file" required multiple accept="image/*" aria-label="Example pictures" class="text-sm"/>
                <button type="submit" class=BUTTON disabled=move || busy.get()>{move || if busy.get() { "Teaching…" } else { "Teach everyone" }}</button>
            </form>
            <button type="button" class="mt-2 text-xs text-red-700 hover:underline dark:text-red-300" on:click=reset>
                {move || if confirm_reset.get() { "Click again to reset the shared classes" } else { "Reset the shared classes" }}
            </button>
            <Show when=move || error.get().is_some()><p role="alert" class=format!("mt-2 {ALERT}")>{move || error.get()}</p></Show>
            <Show when=move || notice.get().is_some()><p role="status" class="mt-2 text-sm text-emerald-700 dark:text-emerald-300">{move || notice.get()}</p></Show>
        </section>
    }
}
