//! The frame around a table: sortable column headers, the rows, an empty state and the pager.
//! All of it is markup (see `components::markup`): it is redrawn whole with each query, and
//! its links are plain `<a href>`s that the page's script follows without reloading.

use super::href;
use crate::components::markup::Markup;
use domain::view::{Page, SortDir, ViewQuery};
use leptos::prelude::*;

#[component]
pub(super) fn TableFrame<T: 'static>(
    view: ViewQuery,
    page: Page<T>,
    /// Writes one record's rows (a `<tr>` or two).
    row: fn(&mut Markup, T),
    #[prop(default = false)] leading_column: bool,
) -> impl IntoView {
    let head = header_row(&view, leading_column);
    let pager = pager(&view, &page);
    let mut body = Markup::new();
    if page.rows.is_empty() {
        let span = (view.tab.columns().len() + usize::from(leading_column)).to_string();
        let text = if view.search.is_empty() {
            "Nothing matches these filters.".to_owned()
        } else {
            format!("Nothing matches “{}”.", view.search)
        };
        body.open("tr", &[])
            .open(
                "td",
                &[
                    ("colspan", &span),
                    (
                        "class",
                        "px-3 py-12 text-center text-slate-500 dark:text-slate-400",
                    ),
                    ("data-testid", "empty-state"),
                ],
            )
            .text(&text)
            .close("td")
            .close("tr");
    } else {
        for record in page.rows {
            row(&mut body, record);
        }
    }
    let body = body.into_string();
    view! {
        <div class="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <table class="w-full min-w-[640px] text-left text-sm" data-testid="data-table">
                <thead class="bg-slate-50 text-xs uppercase tracking-wide text-slate-500 dark:bg-slate-800/60 dark:text-slate-400" inner_html=head></thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800" inner_html=body></tbody>
            </table>
        </div>
        {pager}
    }
}

/// The column headers; each links to the view sorted by it (again: the other direction).
fn header_row(view: &ViewQuery, leading_column: bool) -> String {
    let mut m = Markup::new();
    m.open("tr", &[]);
    if leading_column {
        m.open("th", &[("scope", "col"), ("class", "w-10 px-3 py-3")])
            .el("span", "sr-only", "Details")
            .close("th");
    }
    for column in view.tab.columns() {
        let active = view.sort == column.key;
        let aria = match (active, view.dir) {
            (false, _) => "none",
            (true, SortDir::Asc) => "ascending",
            (true, SortDir::Desc) => "descending",
        };
        let arrow = match (active, view.dir) {
            (false, _) => "↕",
            (true, SortDir::Asc) => "▲",
            (true, SortDir::Desc) => "▼",
        };
        let class = if column.numeric {
            "whitespace-nowrap px-3 py-3 text-right"
        } else {
            "whitespace-nowrap px-3 py-3"
        };
        m.open(
            "th",
            &[("scope", "col"), ("aria-sort", aria), ("class", class)],
        )
        .open(
            "a",
            &[
                ("href", &href(&view.with_sort(column.key))),
                (
                    "class",
                    "inline-flex items-center gap-1 hover:text-slate-900 dark:hover:text-white",
                ),
                ("data-sort", column.key),
            ],
        )
        .text(column.label);
        if active {
            m.open("span", &[("aria-hidden", "true")]);
        } else {
            m.open("span", &[("aria-hidden", "true"), ("class", "opacity-40")]);
        }
        m.text(arrow).close("span").close("a").close("th");
    }
    m.close("tr");
    m.into_string()
}

/// The pager under a table (the store's and the knowledge base's).
pub(super) fn pager<T>(view: &ViewQuery, page: &Page<T>) -> impl IntoView + use<T> {
    let links = pager_links(view, page);
    view! {
        <nav aria-label="Pagination" class="mt-3 flex flex-wrap items-center justify-between gap-3 text-sm" data-testid="pager" inner_html=links></nav>
    }
}

/// "Showing 1–10 of 30", then Prev, the pages around the current one (and the first and
/// last), Next.
fn pager_links<T>(view: &ViewQuery, page: &Page<T>) -> String {
    let (total, current, count) = (page.total, page.page, page.page_count());
    let label = match page.shown_range() {
        Some((first, last)) => format!("Showing {first}–{last} of {total}"),
        None => format!("Page {current} of {count}"),
    };
    let mut numbers: Vec<u32> =
        (current.saturating_sub(2).max(1)..=(current + 2).min(count)).collect();
    if numbers.first() != Some(&1) {
        numbers.insert(0, 1);
    }
    if numbers.last() != Some(&count) {
        numbers.push(count);
    }
    let mut m = Markup::new();
    m.open(
        "p",
        &[
            ("class", "text-slate-600 dark:text-slate-400"),
            ("data-testid", "pager-label"),
        ],
    )
    .text(&label)
    .close("p")
    .open("div", &[("class", "flex items-center gap-1")]);
    let link = |m: &mut Markup, n: u32, text: &str, disabled: bool, current_page: bool| {
        if current_page {
            m.open(
                "span",
                &[
                    (
                        "class",
                        "rounded-md bg-indigo-600 px-3 py-1.5 font-medium text-white",
                    ),
                    ("aria-current", "page"),
                ],
            );
        } else if disabled {
            m.open(
                "span",
                &[
                    (
                        "class",
                        "rounded-md px-3 py-1.5 text-slate-400 dark:text-slate-400",
                    ),
                    ("aria-disabled", "true"),
                ],
            );
        } else {
            m.open(
                "a",
                &[
                    ("href", &href(&view.with_page(n))),
                    (
                        "class",
                        "rounded-md px-3 py-1.5 hover:bg-slate-200 dark:hover:bg-slate-800",
                    ),
                    ("data-page", &n.to_string()),
                ],
            );
            m.text(text).close("a");
            return;
        }
        m.text(text).close("span");
    };
    link(
        &mut m,
        current.saturating_sub(1).max(1),
        "‹ Prev",
        current <= 1,
        false,
    );
    let mut previous = 0;
    for n in numbers {
        if n > previous + 1 && previous != 0 {
            m.el("span", "px-1 text-slate-500 dark:text-slate-400", "…");
        }
        previous = n;
        link(&mut m, n, &n.to_string(), false, n == current);
    }
    link(
        &mut m,
        (current + 1).min(count),
        "Next ›",
        current >= count,
        false,
    );
    m.close("div");
    m.into_string()
}
