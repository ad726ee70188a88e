//! Data Views: live tables of the store. The view state lives in the URL. The page is rendered
//! by the server only (`page_kind`): it loads no WebAssembly, and everything on
//! it is a link or a GET form that works without script. `enhance.js`, inlined at the end of
//! the page, makes it feel like an app: it searches as you type, applies filters at once and
//! follows the tabs, sort headers and pager without reloading, by fetching the next view's
//! document from the server and swapping the parts that changed (`data-view-part`).

mod frame;
mod tables;

use tables::{
    KnowledgeBaseTable, LoadError, OrdersTable, ProductsTable, RatesTable, ReturnsTable,
    TableSkeleton, TicketsTable,
};

use crate::components::chart::BarChart;
use crate::functions::data::load_table;
use crate::models::{TableData, TableRows};
use domain::view::{PAGE_SIZES, Tab, ViewQuery};
use leptos::either::{Either, EitherOf5};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

/// The page's script: searching as you type, and moving between views without a reload.
const ENHANCE_SCRIPT: &str = include_str!("enhance.js");

pub(super) fn href(view: &ViewQuery) -> String {
    format!("/data{}", view.to_query_string())
}

#[component]
pub fn DataViewsPage() -> impl IntoView {
    let query = use_query_map();
    let view = query
        .with_untracked(|q| ViewQuery::from_pairs(q.latest_values().map(|(k, v)| (k.as_ref(), v))));
    // The route renders asynchronously, so the table is in the first HTML; nothing is sent for
    // a browser to hydrate.
    let table = {
        let view = view.clone();
        Suspend::new(async move {
            match load_table(view.clone()).await {
                Ok(table) => Either::Left(view! { <TableSection view table/> }),
                Err(e) => Either::Right(view! { <LoadError message=e.to_string()/> }),
            }
        })
    };
    let nonce = leptos::nonce::use_nonce();

    view! {
        <Meta name="description" content="Live tables of the demo electronics store: products, orders, shipping rates, support tickets, returns and the knowledge base."/>
        <header class="mb-6 flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-3xl font-bold tracking-tight">"Data Views"</h1>
                <p class="mt-2 max-w-2xl text-slate-600 dark:text-slate-300">
                    "The live store behind the Customer Support agent. Search, sort, filter and export; the address bar keeps the view, so a link shares it."
                </p>
            </div>
        </header>
        // The script swaps these parts for the next view's; `data-href` is this view's address.
        <div data-view-root="" data-href=href(&view)>
            <div data-view-part="tabs"><TabBar view=view.clone()/></div>
            <div data-view-part="controls"><Controls view=view.clone()/></div>
            <div data-view-part="results" class="relative" aria-busy="false">
                <div
                    class="pointer-events-none invisible absolute inset-x-0 top-0 h-0.5 overflow-hidden"
                    data-testid="loading-bar"
                >
                    <div class="h-full w-1/3 animate-pulse bg-indigo-500"></div>
                </div>
                <Suspense fallback=|| view! { <TableSkeleton/> }>{table}</Suspense>
            </div>
        </div>
        <script nonce=nonce inner_html=ENHANCE_SCRIPT></script>
    }
}

#[component]
fn TabBar(view: ViewQuery) -> impl IntoView {
    view! {
        <nav aria-label="Tables" class="-mx-4 mb-4 overflow-x-auto px-4">
            <ul class="flex min-w-max gap-1 border-b border-slate-200 dark:border-slate-800">
                {Tab::ALL
                    .into_iter()
                    .map(|tab| {
                        let selected = view.tab == tab;
                        // Each table is a page of its own (its URL), so these are links with the
                        // current one marked, not ARIA tabs.
                        let class = if selected {
                            "-mb-px inline-block border-b-2 px-3 py-2 text-sm font-medium border-indigo-600 text-indigo-700 dark:text-indigo-300 dark:border-indigo-400"
                        } else {
                            "-mb-px inline-block border-b-2 px-3 py-2 text-sm font-medium border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white"
                        };
                        view! {
                            <li>
                                <a
                                    href=href(&ViewQuery::for_tab(tab))
                                    aria-current=selected.then_some("page")
                                    class=class
                                    data-tab=tab.slug()
                                >
                                    {tab.label()}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// Search, filters and page size: a plain GET form, so it works without script. The page's
/// script searches after a pause in typing and applies a select at once.
#[component]
fn Controls(view: ViewQuery) -> impl IntoView {
    let tab = view.tab;
    if tab == Tab::KnowledgeBase {
        return Either::Left(());
    }
    Either::Right(view! {
        <form method="GET" action="/data" class="mb-4 flex flex-wrap items-end gap-3" role="search" data-testid="controls">
            <input type="hidden" name="tab" value=tab.slug()/>
            <input type="hidden" name="sort" value=view.sort.clone()/>
            <input type="hidden" name="dir" value=view.dir.as_str()/>
            <label class="flex min-w-[14rem] flex-1 flex-col gap-1 text-xs font-medium text-slate-600 dark:text-slate-400">
                "Search"
                <input
                    type="search"
                    name="q"
                    maxlength="100"
                    autocomplete="off"
                    placeholder=tab.search_hint()
                    value=view.search.clone()
                    class="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
                    data-testid="search"
                />
            </label>
            {tab
                .filters()
                .iter()
                .map(|filter| {
                    let current = view.filter(filter.key).map(str::to_owned);
                    let key = filter.key;
                    view! {
                        <label class="flex flex-col gap-1 text-xs font-medium text-slate-600 dark:text-slate-400">
                            {filter.label}
                            <select
                                name=key
                                class="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
                                data-testid=format!("filter-{key}")
                            >
                                <option value="" selected=current.is_none()>"All"</option>
                                {filter
                                    .values
                                    .iter()
                                    .map(|value| {
                                        let selected = current.as_deref() == Some(*value);
                                        view! { <option value=*value selected=selected>{value.replace('_', " ")}</option> }
                                    })
                                    .collect_view()}
                            </select>
                        </label>
                    }
                })
                .collect_view()}
            <label class="flex flex-col gap-1 text-xs font-medium text-slate-600 dark:text-slate-400">
                "Rows per page"
                <select
                    name="size"
                    class="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
                    data-testid="page-size"
                >
                    {PAGE_SIZES
                        .iter()
                        .map(|size| view! { <option value=size.to_string() selected=*size == view.page_size>{size.to_string()}</option> })
                        .collect_view()}
                </select>
            </label>
            <button type="submit" class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500">
                "Apply"
            </button>
        </form>
    })
}

#[component]
fn TableSection(view: ViewQuery, table: TableData) -> impl IntoView {
    let total = table.total();
    let export_href = format!("/data/export.csv{}", view.to_query_string());
    let database = table.database.clone();
    let charts = table.charts.clone();
    let body = match table.rows {
        TableRows::KnowledgeBase { page, catalogue } => {
            return Either::Left(view! {
                <Title text="Knowledge Base · Data Views"/>
                <KnowledgeBaseTable view=view.clone() page catalogue/>
            });
        }
        TableRows::Products(page) => {
            EitherOf5::A(view! { <ProductsTable view=view.clone() page/> })
        }
        TableRows::Orders(page) => EitherOf5::B(view! { <OrdersTable view=view.clone() page/> }),
        TableRows::ShippingRates(page) => {
            EitherOf5::C(view! { <RatesTable view=view.clone() page/> })
        }
        TableRows::Tickets(page) => EitherOf5::D(view! { <TicketsTable view=view.clone() page/> }),
        TableRows::Returns(page) => EitherOf5::E(view! { <ReturnsTable view=view.clone() page/> }),
    };
    // A plain string, set with each table: a reactive title closure can outlive the route's
    // reactive owner during server rendering.
    let title = format!("{} · Data Views", view.tab.label());
    Either::Right(view! {
        <Title text=title/>
        <div class="mb-3 flex flex-wrap items-center justify-between gap-3 text-sm">
            <p class="text-slate-600 dark:text-slate-300" data-testid="row-count">
                <span class="font-semibold text-slate-900 dark:text-slate-100">{total.to_string()}</span>
                {if total == 1 { " row" } else { " rows" }}
                {(!view.search.is_empty() || !view.filters.is_empty()).then(|| view! {
                    " match · "
                    <a href=href(&view.cleared()) class="text-indigo-600 underline hover:text-indigo-500 dark:text-indigo-400">"clear search and filters"</a>
                })}
            </p>
            <div class="flex items-center gap-3">
                <span class="rounded-full bg-slate-200 px-2.5 py-1 text-xs font-medium text-slate-700 dark:bg-slate-800 dark:text-slate-300" data-testid="database-badge">
                    {format!("Served from {database}")}
                </span>
                <a
                    href=export_href
                    rel="external"
                    download=format!("{}.csv", view.tab.slug())
                    class="inline-flex items-center gap-1.5 rounded-lg border border-slate-300 px-3 py-1.5 font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
                    class:pointer-events-none=total == 0
                    class:opacity-50=total == 0
                    data-testid="export-csv"
                >
                    <svg class="h-4 w-4" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path stroke-linecap="round" stroke-linejoin="round" d="M12 4v12m0 0l-4-4m4 4l4-4M4 20h16"/></svg>
                    "Export CSV"
                </a>
            </div>
        </div>
        {body}
        {(!charts.is_empty()).then(|| view! {
            <section aria-label="Summary charts" class="mt-8 grid gap-4 md:grid-cols-2">
                {charts.into_iter().map(|chart| view! { <BarChart chart/> }).collect_view()}
            </section>
        })}
    })
}
