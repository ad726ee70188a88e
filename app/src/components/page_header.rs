//! The top of an ordinary page: its document title and description, the heading, and the line
//! under it. Server markup, outside any island: the subtitle is often the page's largest paint,
//! and it is painted before any WebAssembly arrives.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};

#[component]
pub fn PageHeader(
    /// The page's name: the heading and the document's title.
    title: &'static str,
    /// For search results and link previews (`<meta name="description">`); a page kept out of
    /// search leaves it out.
    #[prop(optional)]
    description: Option<&'static str>,
    /// What the page does, in a sentence or two, under the heading.
    children: Children,
) -> impl IntoView {
    view! {
        <Title text=title/>
        {description.map(|content| view! { <Meta name="description" content=content/> })}
        <header class="mb-4">
            <h1 class="text-3xl font-bold tracking-tight">{title}</h1>
            <p class="mt-2 max-w-3xl text-slate-600 dark:text-slate-300">{children()}</p>
        </header>
    }
}
