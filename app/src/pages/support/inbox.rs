//! The demo inbox page.

use crate::components::page_header::PageHeader;
use leptos::either::EitherOf4;
use leptos::prelude::*;
use leptos_meta::Meta;

use domain::api::support::OutboxMail as MailView;

/// The demo inbox: with no SMTP server configured, the mail the store would have sent from this
/// browser's support conversation (one-time codes) is shown here instead.
#[component]
pub fn SupportInboxPage() -> impl IntoView {
    view! {
        <Meta name="robots" content="noindex"/>
        <PageHeader title="Demo inbox">
            "This demo has no mail server, so nothing leaves it: the email the store would have sent from your support conversation (one-time codes) is shown here, to you only. With SMTP configured, codes go to the customer's real inbox. "
            <a href="/support" class="text-indigo-700 underline dark:text-indigo-300">"Back to the support chat"</a>
        </PageHeader>
        <Inbox/>
    }
}

/// The messages, fetched in the browser: an island, the page's only WebAssembly.
#[island(lazy)]
fn Inbox() -> impl IntoView {
    crate::mark_hydrated();
    let mails = RwSignal::new(None::<Result<Vec<MailView>, String>>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        crate::components::task::spawn_scoped(async move {
            let result =
                crate::components::http::ask(domain::api::routes::support_chat::INBOX.url(&[]))
                    .await
                    .map(|inbox| inbox.mails);
            mails.set(Some(result));
        });
    });
    view! {
        <section aria-label="Messages" data-testid="inbox">
            {move || match mails.get() {
                None => EitherOf4::A(view! { <p class="text-sm text-slate-600 dark:text-slate-400">"Loading…"</p> }),
                Some(Err(e)) => EitherOf4::B(view! { <p role="alert" class="text-sm text-red-700">{e}</p> }),
                Some(Ok(list)) if list.is_empty() => EitherOf4::C(view! { <p class="text-sm text-slate-600 dark:text-slate-300" data-testid="inbox-empty">"No mail yet. Ask the support agent for your orders to get a code."</p> }),
                Some(Ok(list)) => EitherOf4::D(view! {
                    <ul class="space-y-3">
                        {list.into_iter().map(|m| view! {
                            <li class="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-700 dark:bg-slate-900" data-testid="inbox-mail">
                                <p class="text-xs text-slate-600 dark:text-slate-400">{format!("To {} · {} · {}", m.to_email, m.transport, m.created_at.format("%Y-%m-%d %H:%M:%S"))}</p>
                                <p class="mt-1 font-semibold">{m.subject}</p>
                                <p class="mt-1 text-sm" data-testid="inbox-body">{m.body}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }),
            }}
        </section>
    }
}
