//! One table per tab: its columns and how each row is drawn. Rows are written as markup (see
//! `components::markup`): they change only with a new query, so nothing in them is reactive.

use super::frame::{TableFrame, pager};
use crate::components::markup::Markup;
use domain::records::{
    KnowledgeChunkRecord, OrderRecord, ProductRecord, ReturnRecord, ShippingRateRecord,
    TicketRecord,
};
use domain::time::{DateTime, Utc};
use domain::view::{Page, ViewQuery};
use leptos::either::Either;
use leptos::prelude::*;

fn badge(m: &mut Markup, value: &str) {
    let class = match value {
        "pending" | "open" | "medium" => {
            "bg-amber-100 text-amber-800 dark:bg-amber-900/50 dark:text-amber-200"
        }
        "processing" | "in_progress" => {
            "bg-sky-100 text-sky-800 dark:bg-sky-900/50 dark:text-sky-200"
        }
        "shipped" => "bg-indigo-100 text-indigo-800 dark:bg-indigo-900/50 dark:text-indigo-200",
        "delivered" | "approved" | "resolved" | "low" => {
            "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-200"
        }
        "cancelled" | "rejected" => {
            "bg-slate-200 text-slate-700 dark:bg-slate-700 dark:text-slate-200"
        }
        "high" => "bg-orange-100 text-orange-800 dark:bg-orange-900/50 dark:text-orange-200",
        "urgent" => "bg-red-100 text-red-800 dark:bg-red-900/50 dark:text-red-200",
        _ => "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
    };
    m.el(
        "span",
        &format!(
            "inline-block whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium {class}"
        ),
        &value.replace('_', " "),
    );
}

const TR: &str = "hover:bg-slate-50 dark:hover:bg-slate-800/40";
const TD: &str = "px-3 py-2.5 align-top";
const TD_NUM: &str = "px-3 py-2.5 text-right align-top tabular-nums";
const TD_DATE: &str = "px-3 py-2.5 align-top whitespace-nowrap";
const SUBTLE: &str = "text-xs text-slate-500 dark:text-slate-400";

/// A cell holding a badge.
fn badge_cell(m: &mut Markup, value: &str) {
    m.open("td", &[("class", TD)]);
    badge(m, value);
    m.close("td");
}

/// A cell with a bold first line and a small second one.
fn two_line_cell(m: &mut Markup, first: &str, second: &str) {
    m.open("td", &[("class", TD)])
        .el("div", "font-medium", first)
        .el("div", SUBTLE, second)
        .close("td");
}

fn day(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

#[component]
pub(super) fn ProductsTable(view: ViewQuery, page: Page<ProductRecord>) -> impl IntoView {
    fn row(m: &mut Markup, p: ProductRecord) {
        m.open("tr", &[("class", TR)])
            .el("td", TD_NUM, &p.id.to_string());
        two_line_cell(m, &p.name, &format!("{} · {}", p.sku, p.specifications));
        badge_cell(m, &p.category);
        m.el("td", TD_NUM, &p.price_cents.to_string());
        if p.stock == 0 {
            m.el(
                "td",
                &format!("{TD_NUM} text-red-600 dark:text-red-400 font-medium"),
                "out of stock",
            );
        } else {
            m.el("td", TD_NUM, &p.stock.to_string());
        }
        m.el("td", TD_NUM, &p.shipping_weight_oz.to_string())
            .close("tr");
    }
    view! { <TableFrame view page row/> }
}

#[component]
pub(super) fn OrdersTable(view: ViewQuery, page: Page<OrderRecord>) -> impl IntoView {
    view! { <TableFrame view page row=order_row leading_column=true/> }
}

/// An order's row, then a hidden row with its lines that the button in the first cell shows
/// (`toggle_order_lines` in the parent module: one listener for the whole table).
fn order_row(m: &mut Markup, order: OrderRecord) {
    let lines_id = format!("order-{}-lines", order.id);
    m.open("tr", &[("class", TR), ("data-order", &order.id.to_string())])
        .open("td", &[("class", TD)])
        .open(
            "button",
            &[
                ("type", "button"),
                ("class", "rounded p-1 text-slate-600 dark:text-slate-400 hover:bg-slate-200 dark:hover:bg-slate-700"),
                ("aria-expanded", "false"),
                ("aria-controls", &lines_id),
                ("aria-label", &format!("Show the lines of order {}", order.id)),
                ("data-toggles-lines", ""),
                ("data-testid", "expand-order"),
            ],
        )
        .open("span", &[("class", "inline-block transition-transform"), ("aria-hidden", "true")])
        .text("▸")
        .close("span")
        .close("button")
        .close("td")
        .el("td", TD_NUM, &format!("#{}", order.id));
    two_line_cell(m, &order.customer_name, &order.customer_email);
    m.el(
        "td",
        TD,
        &format!("{}, {} {}", order.city, order.state, order.zip),
    );
    badge_cell(m, &order.status);
    m.el("td", TD_NUM, &order.item_count.to_string())
        .el("td", TD_NUM, &order.total_cents.to_string())
        .el("td", TD_DATE, &day(&order.created_at))
        .close("tr");

    const LINE: &str = "py-1 text-right tabular-nums";
    const HEAD: &str = "py-1 text-right font-medium";
    m.open(
        "tr",
        &[
            ("id", &lines_id),
            ("class", "bg-slate-50 dark:bg-slate-800/40 hidden"),
            ("data-testid", "order-lines"),
        ],
    )
    .el("td", "", "")
    .open("td", &[("colspan", "7"), ("class", "px-3 pb-4 pt-1")])
    .open("table", &[("class", "w-full text-xs")])
    .open("thead", &[("class", "text-slate-500 dark:text-slate-400")])
    .open("tr", &[])
    .el("th", "py-1 text-left font-medium", "Product")
    .el("th", HEAD, "Qty")
    .el("th", HEAD, "Unit price at purchase")
    .el("th", HEAD, "Line total")
    .close("tr")
    .close("thead")
    .open("tbody", &[]);
    for line in &order.lines {
        let total = line.line_total().map(|c| c.to_string()).unwrap_or_default();
        m.open("tr", &[])
            .open("td", &[("class", "py-1")])
            .text(&line.product_name)
            .text(" ")
            .el(
                "span",
                "text-slate-600 dark:text-slate-400",
                &format!("({})", line.category),
            )
            .close("td")
            .el("td", LINE, &line.quantity.to_string())
            .el("td", LINE, &line.unit_price_cents.to_string())
            .el("td", LINE, &total)
            .close("tr");
    }
    m.open(
        "tr",
        &[("class", "border-t border-slate-200 dark:border-slate-700")],
    )
    .open("td", &[("class", "py-1"), ("colspan", "3")])
    .text("Subtotal · shipping")
    .close("td")
    .el(
        "td",
        LINE,
        &format!("{} · {}", order.subtotal_cents, order.shipping_cents),
    )
    .close("tr")
    .close("tbody")
    .close("table");
    if let Some(delivered) = order.delivered_at {
        m.el(
            "p",
            "mt-2 text-xs text-slate-500 dark:text-slate-400",
            &format!("Delivered {}", day(&delivered)),
        );
    }
    m.close("td").close("tr");
}

#[component]
pub(super) fn RatesTable(view: ViewQuery, page: Page<ShippingRateRecord>) -> impl IntoView {
    fn row(m: &mut Markup, r: ShippingRateRecord) {
        m.open("tr", &[("class", TR)])
            .el("td", TD, &r.carrier)
            .el("td", TD, &r.service_type)
            .el("td", &format!("{TD} tabular-nums"), &r.zip)
            .el("td", TD_NUM, &r.base_rate_cents.to_string())
            .el("td", TD_NUM, &r.per_lb_cents.to_string())
            .el("td", TD_NUM, &r.estimated_days.to_string())
            .close("tr");
    }
    view! { <TableFrame view page row/> }
}

#[component]
pub(super) fn TicketsTable(view: ViewQuery, page: Page<TicketRecord>) -> impl IntoView {
    fn row(m: &mut Markup, t: TicketRecord) {
        m.open("tr", &[("class", TR)])
            .el("td", TD_NUM, &format!("#{}", t.id))
            .open("td", &[("class", TD)])
            .el("div", "font-medium", &t.subject);
        if let Some(order) = t.order_id {
            m.el("div", SUBTLE, &format!("Order #{order}"));
        }
        m.close("td")
            .open("td", &[("class", TD)])
            .el("div", "", &t.customer_name)
            .el("div", SUBTLE, &t.customer_email)
            .close("td")
            .el("td", TD, &t.category.replace('_', " "));
        badge_cell(m, &t.priority);
        badge_cell(m, &t.status);
        m.el("td", TD, t.assigned_team.as_deref().unwrap_or("Unassigned"))
            .el("td", TD_DATE, &day(&t.created_at))
            .close("tr");
    }
    view! { <TableFrame view page row/> }
}

#[component]
pub(super) fn ReturnsTable(view: ViewQuery, page: Page<ReturnRecord>) -> impl IntoView {
    fn row(m: &mut Markup, r: ReturnRecord) {
        m.open("tr", &[("class", TR)])
            .el("td", TD_NUM, &format!("#{}", r.id))
            .el("td", TD_NUM, &format!("#{}", r.order_id))
            .el("td", TD, &r.customer_email);
        badge_cell(m, &r.status);
        m.el("td", TD, &r.reason)
            .el("td", TD_NUM, &r.item_count.to_string())
            .el("td", TD_NUM, &r.refund_cents.to_string())
            .el("td", TD_DATE, &day(&r.created_at))
            .close("tr");
    }
    view! { <TableFrame view page row/> }
}

/// The knowledge base's chunks, as rows of markup like the store's tables.
fn knowledge_rows(chunks: Vec<KnowledgeChunkRecord>) -> String {
    const CELL: &str = "px-3 py-2";
    let mut m = Markup::new();
    for c in chunks {
        m.open("tr", &[("class", "align-top"), ("data-testid", "kb-row")])
            .open("td", &[("class", CELL)])
            .el("div", "font-medium", &c.title)
            .el("code", "text-xs text-slate-600 dark:text-slate-400", &c.id)
            .open("div", &[("class", "mt-1 flex flex-wrap gap-1")]);
        for tag in c.tags.iter().take(5) {
            m.el(
                "span",
                "rounded bg-slate-100 px-1.5 text-xs dark:bg-slate-800",
                tag,
            );
        }
        let category = match &c.product {
            Some(product) => format!("{} · {product}", c.category),
            None => c.category.clone(),
        };
        m.close("div")
            .close("td")
            .el("td", CELL, &c.audience)
            .el("td", CELL, &c.doc_type.replace('_', " "))
            .el("td", CELL, &category)
            .el(
                "td",
                "max-w-xl px-3 py-2 text-slate-700 dark:text-slate-300",
                &c.content,
            )
            .close("tr");
    }
    m.into_string()
}

#[component]
pub(super) fn KnowledgeBaseTable(
    view: ViewQuery,
    page: Page<KnowledgeChunkRecord>,
    /// Chunks in the knowledge base, matching or not.
    catalogue: usize,
) -> impl IntoView {
    let search = view.search.clone();
    let matching = page.total;
    let pager = pager(&view, &page);
    let chunks = page.rows;
    view! {
        <section data-testid="kb-table">
            <form method="GET" action="/data" class="mb-4 flex flex-wrap items-end gap-3" role="search">
                <input type="hidden" name="tab" value="knowledge"/>
                <label class="flex min-w-[14rem] flex-1 flex-col gap-1 text-xs font-medium text-slate-600 dark:text-slate-400">
                    "Search"
                    <input type="search" name="q" maxlength="100" value=search.clone() placeholder="Search the knowledge base…" data-testid="kb-search"
                        class="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100"/>
                </label>
                <button type="submit" class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-700">"Search"</button>
            </form>
            <p class="mb-2 text-sm text-slate-600 dark:text-slate-300" data-testid="row-count">
                {format!("{matching} of {catalogue} chunks · embedded with all-MiniLM-L6-v2 into Qdrant (one collection per embedding model); the support agent searches them and cites what it uses")}
            </p>
            {if chunks.is_empty() {
                Either::Left(view! { <p class="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-600 dark:text-slate-400 dark:border-slate-700">"No chunk matches that search."</p> })
            } else {
                Either::Right(view! {
                    <div class="overflow-x-auto rounded-xl border border-slate-200 dark:border-slate-700">
                        <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-700">
                            <thead class="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500 dark:bg-slate-800 dark:text-slate-400">
                                <tr><th class="px-3 py-2">"Title"</th><th class="px-3 py-2">"Audience"</th><th class="px-3 py-2">"Type"</th><th class="px-3 py-2">"Category"</th><th class="px-3 py-2">"Content"</th></tr>
                            </thead>
                            <tbody class="divide-y divide-slate-100 dark:divide-slate-800" inner_html=knowledge_rows(chunks)></tbody>
                        </table>
                    </div>
                    {pager}
                })
            }}
        </section>
    }
}

#[component]
pub(super) fn TableSkeleton() -> impl IntoView {
    view! {
        <div class="space-y-2" aria-label="Loading table" data-testid="table-skeleton">
            {(0..6).map(|_| view! { <div class="h-10 animate-pulse rounded-lg bg-slate-200 dark:bg-slate-800"></div> }).collect_view()}
        </div>
    }
}

#[component]
pub(super) fn LoadError(message: String) -> impl IntoView {
    // Server function errors arrive prefixed with their kind; show the sentence only.
    let text = message
        .rsplit_once(": ")
        .map_or(message.clone(), |(_, m)| m.to_owned());
    view! {
        <div role="alert" class="rounded-xl border border-red-200 bg-red-50 p-5 text-sm text-red-800 dark:border-red-900 dark:bg-red-950/50 dark:text-red-200" data-testid="load-error">
            <p class="font-semibold">"This table could not be loaded."</p>
            <p class="mt-1">{text}</p>
            <a href="" class="mt-3 inline-block font-medium underline">"Try again"</a>
        </div>
    }
}
