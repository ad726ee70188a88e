//! One table per tab: its columns, its rows and how each cell is drawn.

use super::TableFrame;
use domain::records::{OrderRecord, ProductRecord, ReturnRecord, ShippingRateRecord, TicketRecord};
use domain::view::{Page, ViewQuery};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::Form;

fn badge(value: &str) -> impl IntoView + use<> {
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
    view! { <span class=format!("inline-block whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium {class}")>{value.replace('_', " ")}</span> }
}

const TD: &str = "px-3 py-2.5 align-top";
const TD_NUM: &str = "px-3 py-2.5 text-right align-top tabular-nums";

#[component]
pub(super) fn ProductsTable(view: ViewQuery, page: Page<ProductRecord>) -> impl IntoView {
    fn rows(rows: Vec<ProductRecord>) -> impl IntoView {
        rows.into_iter()
            .map(|p| {
                let stock_class = if p.stock == 0 { "text-red-600 dark:text-red-400 font-medium" } else { "" };
                view! {
                    <tr class="hover:bg-slate-50 dark:hover:bg-slate-800/40">
                        <td class=TD_NUM>{p.id}</td>
                        <td class=TD>
                            <div class="font-medium">{p.name.clone()}</div>
                            <div class="text-xs text-slate-500 dark:text-slate-400">{p.sku.clone()}" · "{p.specifications.clone()}</div>
                        </td>
                        <td class=TD>{badge(&p.category)}</td>
                        <td class=TD_NUM>{p.price_cents.to_string()}</td>
                        <td class=format!("{TD_NUM} {stock_class}")>{if p.stock == 0 { "out of stock".to_owned() } else { p.stock.to_string() }}</td>
                        <td class=TD_NUM>{p.shipping_weight_oz}</td>
                    </tr>
                }
            })
            .collect_view()
    }
    view! { <TableFrame view page rows/> }
}

#[component]
pub(super) fn OrdersTable(view: ViewQuery, page: Page<OrderRecord>) -> impl IntoView {
    fn rows(rows: Vec<OrderRecord>) -> impl IntoView {
        rows.into_iter()
            .map(|o| view! { <OrderRow order=o/> })
            .collect_view()
    }
    view! { <TableFrame view page rows leading_column=true/> }
}

#[component]
fn OrderRow(order: OrderRecord) -> impl IntoView {
    let open = RwSignal::new(false);
    let lines_id = format!("order-{}-lines", order.id);
    let lines = order.lines.clone();
    view! {
        <tr class="hover:bg-slate-50 dark:hover:bg-slate-800/40" data-order=order.id.to_string()>
            <td class="px-3 py-2.5 align-top">
                <button
                    type="button"
                    class="rounded p-1 text-slate-600 dark:text-slate-400 hover:bg-slate-200 dark:hover:bg-slate-700"
                    aria-expanded=move || open.get().to_string()
                    aria-controls=lines_id.clone()
                    aria-label=format!("Show the lines of order {}", order.id)
                    on:click=move |_| open.update(|o| *o = !*o)
                    data-testid="expand-order"
                >
                    <span class="inline-block transition-transform" class:rotate-90=move || open.get() aria-hidden="true">"▸"</span>
                </button>
            </td>
            <td class=TD_NUM>"#"{order.id}</td>
            <td class=TD>
                <div class="font-medium">{order.customer_name.clone()}</div>
                <div class="text-xs text-slate-500 dark:text-slate-400">{order.customer_email.clone()}</div>
            </td>
            <td class=TD>{format!("{}, {} {}", order.city, order.state, order.zip)}</td>
            <td class=TD>{badge(&order.status)}</td>
            <td class=TD_NUM>{order.item_count}</td>
            <td class=TD_NUM>{order.total_cents.to_string()}</td>
            <td class=format!("{TD} whitespace-nowrap")>{order.created_at.format("%Y-%m-%d").to_string()}</td>
        </tr>
        <tr id=lines_id class="bg-slate-50 dark:bg-slate-800/40" class:hidden=move || !open.get() data-testid="order-lines">
            <td></td>
            <td colspan="7" class="px-3 pb-4 pt-1">
                <table class="w-full text-xs">
                    <thead class="text-slate-500 dark:text-slate-400">
                        <tr>
                            <th class="py-1 text-left font-medium">"Product"</th>
                            <th class="py-1 text-right font-medium">"Qty"</th>
                            <th class="py-1 text-right font-medium">"Unit price at purchase"</th>
                            <th class="py-1 text-right font-medium">"Line total"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {lines
                            .into_iter()
                            .map(|line| {
                                let total = line.line_total().map(|c| c.to_string()).unwrap_or_default();
                                view! {
                                    <tr>
                                        <td class="py-1">{line.product_name.clone()}" "<span class="text-slate-600 dark:text-slate-400">"("{line.category.clone()}")"</span></td>
                                        <td class="py-1 text-right tabular-nums">{line.quantity}</td>
                                        <td class="py-1 text-right tabular-nums">{line.unit_price_cents.to_string()}</td>
                                        <td class="py-1 text-right tabular-nums">{total}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                        <tr class="border-t border-slate-200 dark:border-slate-700">
                            <td class="py-1" colspan="3">"Subtotal · shipping"</td>
                            <td class="py-1 text-right tabular-nums">{format!("{} · {}", order.subtotal_cents, order.shipping_cents)}</td>
                        </tr>
                    </tbody>
                </table>
                {order.delivered_at.map(|d| view! {
                    <p class="mt-2 text-xs text-slate-500 dark:text-slate-400">"Delivered "{d.format("%Y-%m-%d").to_string()}</p>
                })}
            </td>
        </tr>
    }
}

#[component]
pub(super) fn RatesTable(view: ViewQuery, page: Page<ShippingRateRecord>) -> impl IntoView {
    fn rows(rows: Vec<ShippingRateRecord>) -> impl IntoView {
        rows.into_iter()
            .map(|r| {
                view! {
                    <tr class="hover:bg-slate-50 dark:hover:bg-slate-800/40">
                        <td class=TD>{r.carrier.clone()}</td>
                        <td class=TD>{r.service_type.clone()}</td>
                        <td class=format!("{TD} tabular-nums")>{r.zip.clone()}</td>
                        <td class=TD_NUM>{r.base_rate_cents.to_string()}</td>
                        <td class=TD_NUM>{r.per_lb_cents.to_string()}</td>
                        <td class=TD_NUM>{r.estimated_days}</td>
                    </tr>
                }
            })
            .collect_view()
    }
    view! { <TableFrame view page rows/> }
}

#[component]
pub(super) fn TicketsTable(view: ViewQuery, page: Page<TicketRecord>) -> impl IntoView {
    fn rows(rows: Vec<TicketRecord>) -> impl IntoView {
        rows.into_iter()
            .map(|t| {
                view! {
                    <tr class="hover:bg-slate-50 dark:hover:bg-slate-800/40">
                        <td class=TD_NUM>"#"{t.id}</td>
                        <td class=TD>
                            <div class="font-medium">{t.subject.clone()}</div>
                            {t.order_id.map(|id| view! { <div class="text-xs text-slate-500 dark:text-slate-400">"Order #"{id}</div> })}
                        </td>
                        <td class=TD>
                            <div>{t.customer_name.clone()}</div>
                            <div class="text-xs text-slate-500 dark:text-slate-400">{t.customer_email.clone()}</div>
                        </td>
                        <td class=TD>{t.category.replace('_', " ")}</td>
                        <td class=TD>{badge(&t.priority)}</td>
                        <td class=TD>{badge(&t.status)}</td>
                        <td class=TD>{t.assigned_team.clone().unwrap_or_else(|| "Unassigned".to_owned())}</td>
                        <td class=format!("{TD} whitespace-nowrap")>{t.created_at.format("%Y-%m-%d").to_string()}</td>
                    </tr>
                }
            })
            .collect_view()
    }
    view! { <TableFrame view page rows/> }
}

#[component]
pub(super) fn ReturnsTable(view: ViewQuery, page: Page<ReturnRecord>) -> impl IntoView {
    fn rows(rows: Vec<ReturnRecord>) -> impl IntoView {
        rows.into_iter()
            .map(|r| {
                view! {
                    <tr class="hover:bg-slate-50 dark:hover:bg-slate-800/40">
                        <td class=TD_NUM>"#"{r.id}</td>
                        <td class=TD_NUM>"#"{r.order_id}</td>
                        <td class=TD>{r.customer_email.clone()}</td>
                        <td class=TD>{badge(&r.status)}</td>
                        <td class=TD>{r.reason.clone()}</td>
                        <td class=TD_NUM>{r.item_count}</td>
                        <td class=TD_NUM>{r.refund_cents.to_string()}</td>
                        <td class=format!("{TD} whitespace-nowrap")>{r.created_at.format("%Y-%m-%d").to_string()}</td>
                    </tr>
                }
            })
            .collect_view()
    }
    view! { <TableFrame view page rows/> }
}

#[component]
pub(super) fn KnowledgeBaseTable(
    search: String,
    chunks: Vec<domain::records::KnowledgeChunkRecord>,
    total: usize,
) -> impl IntoView {
    let shown = chunks.len();
    view! {
        <section data-testid="kb-table">
            <Form method="GET" action="/data" attr:class="mb-4 flex flex-wrap items-end gap-3" attr:role="search">
                <input type="hidden" name="tab" value="knowledge"/>
                <label class="flex min-w-[14rem] flex-1 flex-col gap-1 text-xs font-medium text-slate-600 dark:text-slate-400">
                    "Search"
                    <input type="search" name="q" maxlength="100" value=search.clone() placeholder="Search the knowledge base…"
                        class="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100"/>
                </label>
                <button type="submit" class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-700">"Search"</button>
            </Form>
            <p class="mb-2 text-sm text-slate-600 dark:text-slate-300" data-testid="row-count">
                {format!("{shown} of {total} chunks · embedded with all-MiniLM-L6-v2 into Qdrant (one collection per embedding model); the support agent searches them and cites what it uses")}
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
                            <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                                {chunks.into_iter().map(|c| view! {
                                    <tr class="align-top" data-testid="kb-row">
                                        <td class="px-3 py-2">
                                            <div class="font-medium">{c.title.clone()}</div>
                                            <code class="text-xs text-slate-600 dark:text-slate-400">{c.id.clone()}</code>
                                            <div class="mt-1 flex flex-wrap gap-1">{c.tags.iter().take(5).map(|t| view! { <span class="rounded bg-slate-100 px-1.5 text-xs dark:bg-slate-800">{t.clone()}</span> }).collect_view()}</div>
                                        </td>
                                        <td class="px-3 py-2">{c.audience.clone()}</td>
                                        <td class="px-3 py-2">{c.doc_type.replace('_', " ")}</td>
                                        <td class="px-3 py-2">{c.category.clone()}{c.product.clone().map(|p| format!(" · {p}"))}</td>
                                        <td class="max-w-xl px-3 py-2 text-slate-700 dark:text-slate-300">{c.content.clone()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
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
