//! Data Views: live tables of the store. The view state lives in the URL; the page renders
//! completely on the server (the route is `SsrMode::Async`) and, once hydrated, searches as you
//! type and navigates without reloading.

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
use leptos_router::NavigateOptions;
use leptos_router::components::Form;
use leptos_router::hooks::{use_navigate, use_query_map};
use std::time::Duration;

pub(super) fn href(view: &ViewQuery) -> String {
    format!("/data{}", view.to_query_string())
}

#[component]
pub fn DataViewsPage() -> impl IntoView {
    let query = use_query_map();
    // `try_` reads: a task polled after its route's owner was disposed ends quietly.
    let view = Memo::new(move |_| {
        query
            .try_with(|q| ViewQuery::from_pairs(q.latest_values().map(|(k, v)| (k.as_ref(), v))))
            .unwrap_or_default()
    });
    // On the server the URL cannot change during a render, so the resource's source is a
    // constant there: a task still running after the client hung up reads nothing reactive.
    // Reference-counted, not owned by the route: a render task polled after the client hung up
    // (and the route's owner was disposed) still finds its resource instead of panicking.
    let initial = view.get_untracked();
    let data = ArcResource::new(
        move || {
            if cfg!(feature = "ssr") {
                initial.clone()
            } else {
                view.try_get().unwrap_or_default()
            }
        },
        load_table,
    );
    let pending = RwSignal::new(false);
    let content = move || {
        let data = data.clone();
        Suspend::new(async move {
            let current = view.try_get_untracked().unwrap_or_default();
            match data.await {
                Ok(table) => Either::Left(view! { <TableSection view=current table/> }),
                Err(e) => Either::Right(view! { <LoadError message=e.to_string()/> }),
            }
        })
    };
    // The pending flag only matters in the browser. On the server, Transition's `set_pending`
    // runs as an effect in its own task, which under load was polled after the page's owner was
    // gone and panicked ("reactive value already disposed", a few times a minute).
    #[cfg(feature = "hydrate")]
    let table = view! { <Transition fallback=|| view! { <TableSkeleton/> } set_pending=pending>{content}</Transition> };
    #[cfg(not(feature = "hydrate"))]
    let table = view! { <Transition fallback=|| view! { <TableSkeleton/> }>{content}</Transition> };

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
        <TabBar view/>
        <Controls view/>
        <div class="relative" aria-busy=move || pending.get().to_string()>
            <div
                class="pointer-events-none absolute inset-x-0 top-0 h-0.5 overflow-hidden"
                class:invisible=move || !pending.get()
                data-testid="loading-bar"
            >
                <div class="h-full w-1/3 animate-pulse bg-indigo-500"></div>
            </div>
            {table}
        </div>
    }
}

#[component]
fn TabBar(view: Memo<ViewQuery>) -> impl IntoView {
    view! {
        <nav aria-label="Tables" class="-mx-4 mb-4 overflow-x-auto px-4">
            <ul class="flex min-w-max gap-1 border-b border-slate-200 dark:border-slate-800">
                {Tab::ALL
                    .into_iter()
                    .map(|tab| {
                        let selected = move || view.get().tab == tab;
                        // Each table is a page of its own (its URL), so these are links with the
                        // current one marked, not ARIA tabs.
                        view! {
                            <li>
                                <a
                                    href=href(&ViewQuery::for_tab(tab))
                                    data-noscroll=""
                                    aria-current=move || selected().then_some("page")
                                    class="-mb-px inline-block border-b-2 px-3 py-2 text-sm font-medium"
                                    class=(["border-indigo-600", "text-indigo-700", "dark:text-indigo-300", "dark:border-indigo-400"], selected)
                                    class=(["border-transparent", "text-slate-600", "hover:text-slate-900", "dark:text-slate-300", "dark:hover:text-white"], move || !selected())
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

/// Search, filters and page size. A plain GET form, so it works without JavaScript; once
/// hydrated, typing searches after a short pause and selects apply at once.
#[component]
fn Controls(view: Memo<ViewQuery>) -> impl IntoView {
    let navigate = use_navigate();
    let search_text = RwSignal::new(view.get_untracked().search);
    // Back/Forward and tab changes bring their own search text.
    Effect::new(move |_| {
        let from_url = view.get().search;
        if search_text.get_untracked().trim() != from_url {
            search_text.set(from_url);
        }
    });
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let go = {
        let navigate = navigate.clone();
        move |next: ViewQuery, replace: bool| {
            navigate(
                &href(&next),
                NavigateOptions {
                    replace,
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    };
    let on_search_input = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            let text = event_target_value(&ev);
            search_text.set(text.clone());
            if let Some(handle) = timer.get_value() {
                handle.clear();
            }
            let go = go.clone();
            let handle = set_timeout_with_handle(
                move || {
                    // None once the visitor has left the page within the pause.
                    let Some(current) = view.try_get_untracked() else {
                        return;
                    };
                    let next = current.with_search(&text);
                    if next.search != current.search {
                        go(next, true);
                    }
                },
                Duration::from_millis(250),
            )
            .ok();
            timer.set_value(handle);
        }
    };

    view! {
        {move || {
            let v = view.get();
            let go = go.clone();
            let on_search_input = on_search_input.clone();
            let tab = v.tab;
            if tab == Tab::KnowledgeBase {
                return Either::Left(());
            }
            Either::Right(view! {
                <Form method="GET" action="/data" attr:class="mb-4 flex flex-wrap items-end gap-3" attr:role="search" attr:data-testid="controls">
                    <input type="hidden" name="tab" value=tab.slug()/>
                    <input type="hidden" name="sort" value=v.sort.clone()/>
                    <input type="hidden" name="dir" value=v.dir.as_str()/>
                    <label class="flex min-w-[14rem] flex-1 flex-col gap-1 text-xs font-medium text-slate-600 dark:text-slate-400">
                        "Search"
                        <input
                            type="search"
                            name="q"
                            maxlength="100"
                            autocomplete="off"
                            placeholder=tab.search_hint()
                            prop:value=move || search_text.get()
                            value=v.search.clone()
                            on:input=on_search_input
                            class="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
                            data-testid="search"
                        />
                    </label>
                    {tab
                        .filters()
                        .iter()
                        .map(|filter| {
                            let current = v.filter(filter.key).map(str::to_owned);
                            let key = filter.key;
                            let go = go.clone();
                            view! {
                                <label class="flex flex-col gap-1 text-xs font-medium text-slate-600 dark:text-slate-400">
                                    {filter.label}
                                    <select
                                        name=key
                                        class="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
                                        data-testid=format!("filter-{key}")
                                        on:change=move |ev| {
                                            let value = event_target_value(&ev);
                                            let value = if value.is_empty() { None } else { Some(value.as_str()) };
                                            go(view.get_untracked().with_filter(key, value), false);
                                        }
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
                            on:change=move |ev| {
                                let size = event_target_value(&ev).parse().unwrap_or(0);
                                go(view.get_untracked().with_page_size(size), false);
                            }
                        >
                            {PAGE_SIZES
                                .iter()
                                .map(|size| view! { <option value=size.to_string() selected=*size == v.page_size>{size.to_string()}</option> })
                                .collect_view()}
                        </select>
                    </label>
                    <button type="submit" class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500">
                        "Apply"
                    </button>
                </Form>
            })
        }}
    }
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
                    <a href=href(&view.cleared()) data-noscroll="" class="text-indigo-600 underline hover:text-indigo-500 dark:text-indigo-400">"clear search and filters"</a>
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
