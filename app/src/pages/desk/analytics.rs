//! The support figures of a period: KPIs, conversations per day, and volume by category,
//! priority, sentiment and tool.

use super::{CARD, DeskState};
use crate::components::chart::BarChart;
use domain::api::desk::{Analytics as Figures, Count, Day};
use domain::records::{Chart, ChartBar};
use leptos::either::Either;
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::components::{http, task};
#[cfg(feature = "hydrate")]
use domain::api::routes::desk_api;

fn percent(rate: Option<f64>) -> String {
    rate.map(|r| format!("{:.0}%", r * 100.0))
        .unwrap_or_else(|| "–".into())
}

fn duration(ms: Option<f64>) -> String {
    match ms {
        None => "–".into(),
        Some(ms) if ms < 1_000.0 => format!("{ms:.0} ms"),
        Some(ms) if ms < 120_000.0 => format!("{:.1} s", ms / 1000.0),
        Some(ms) => format!("{:.1} min", ms / 60_000.0),
    }
}

fn counts_chart(title: &str, bars: impl Iterator<Item = (String, usize)>) -> Chart {
    Chart {
        title: title.into(),
        money: false,
        bars: bars
            .map(|(label, value)| ChartBar {
                label,
                value: i64::try_from(value).unwrap_or(i64::MAX),
            })
            .collect(),
    }
}

fn count_bars(counts: &[Count]) -> impl Iterator<Item = (String, usize)> + '_ {
    counts.iter().map(|c| (c.label.clone(), c.count))
}

/// Conversations per day as SVG columns (escalated ones in amber on top of the rest).
fn day_columns(days: &[Day]) -> impl IntoView + use<> {
    let max = days
        .iter()
        .map(|d| d.conversations)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let width = (days.len().max(1) * 36) as f64;
    let label = days
        .iter()
        .map(|d| {
            format!(
                "{}: {} ({} escalated)",
                d.date, d.conversations, d.escalated
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <figure class=CARD>
            <figcaption class="mb-2 text-sm font-semibold">"Conversations per day"</figcaption>
            <svg viewBox=format!("0 0 {width} 140") class="h-40 w-full" role="img" aria-label=format!("Conversations per day: {label}") preserveAspectRatio="xMinYMid meet">
                {days.iter().enumerate().map(|(i, d)| {
                    let total = d.conversations as f64;
                    let h = total / max * 100.0;
                    let he = d.escalated as f64 / max * 100.0;
                    let x = i as f64 * 36.0 + 6.0;
                    let day = d.date.format("%m-%d").to_string();
                    view! {
                        <g>
                            <rect x=x y=110.0 - h width="24" height=h rx="2" class="fill-indigo-500"/>
                            <rect x=x y=110.0 - he width="24" height=he rx="2" class="fill-amber-500"/>
                            <text x=x + 12.0 y=106.0 - h text-anchor="middle" class="fill-slate-700 text-[10px] dark:fill-slate-200">{d.conversations}</text>
                            <text x=x + 12.0 y="126" text-anchor="middle" class="fill-slate-500 text-[9px]">{day}</text>
                        </g>
                    }
                }).collect_view()}
            </svg>
            <p class="text-xs text-slate-600 dark:text-slate-400"><span class="text-indigo-500">"■"</span>" all  "<span class="text-amber-500">"■"</span>" escalated"</p>
        </figure>
    }
}

#[component]
pub(super) fn Analytics() -> impl IntoView {
    let desk = expect_context::<DeskState>();
    let days = RwSignal::new(7i64);
    let data = RwSignal::new(None::<Figures>);
    let error = RwSignal::new(None::<String>);

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let d = days.get();
        desk.tick.track();
        // Cancelled when the period changes again or the tab is left.
        task::spawn_scoped(async move {
            match http::ask::<Figures>(desk_api::ANALYTICS.url(&[]).query("days", &d)).await {
                Ok(figures) => data.set(Some(figures)),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = desk;
    let kpi = |label: &'static str, value: String, testid: &'static str| {
        view! {
            <div class=CARD data-testid=testid>
                <p class="text-xs text-slate-600 dark:text-slate-400">{label}</p>
                <p class="text-2xl font-bold">{value}</p>
            </div>
        }
    };
    view! {
        <div class="mb-3 flex items-center gap-2">
            <label for="period" class="text-sm">"Period"</label>
            <select id="period" class="rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-950" on:change=move |ev| days.set(event_target_value(&ev).parse().unwrap_or(7))>
                <option value="1">"last 24 hours"</option>
                <option value="7" selected>"last 7 days"</option>
                <option value="30">"last 30 days"</option>
                <option value="90">"last 90 days"</option>
            </select>
        </div>
        <Show when=move || error.get().is_some()><p role="alert" class="text-sm text-red-700">{move || error.get()}</p></Show>
        {move || data.get().map(|a| {
            view! {
                <div class="grid gap-3 sm:grid-cols-2 lg:grid-cols-6">
                    {kpi("Conversations", a.conversations.to_string(), "kpi-conversations")}
                    {kpi("Automation rate", percent(a.automation_rate), "kpi-automation")}
                    {kpi("Escalation rate", percent(a.escalation_rate), "kpi-escalation")}
                    {kpi("First response (median)", duration(a.first_response.median_ms), "kpi-first-response")}
                    {kpi("A person's first reply (median)", duration(a.human_first_response.median_ms), "kpi-human-response")}
                    {kpi("Resolution (median / p90)", format!("{} / {}", duration(a.resolution.median_ms), duration(a.resolution.p90_ms)), "kpi-resolution")}
                </div>
                <div class="mt-3 grid gap-3 lg:grid-cols-2">
                    {day_columns(&a.by_day)}
                    <BarChart chart=counts_chart("Volume by category", count_bars(&a.by_category))/>
                    <BarChart chart=counts_chart("By priority", count_bars(&a.by_priority))/>
                    <BarChart chart=counts_chart("By sentiment", count_bars(&a.by_sentiment))/>
                    <BarChart chart=counts_chart("Tool calls", a.tools.iter().map(|t| (t.tool.clone(), t.calls)))/>
                </div>
                {intents_view(a.by_intent)}
                {agents_view(a.by_agent)}
                {feedback_view(a.feedback)}
                <nav class="mt-4 text-sm" aria-label="Download the tables" data-testid="analytics-csv">
                    <span class="mr-2 font-medium">"Download as CSV:"</span>
                    {domain::api::analytics_export::TABLES.iter().map(|(table, label)| {
                        let href = format!("{}?days={}&table={table}", desk_api_csv(), days.get_untracked());
                        view! { <a class="mr-3 text-indigo-700 underline dark:text-indigo-300" href=href download>{*label}</a> }
                    }).collect_view()}
                </nav>
            }
        })}
    }
}

fn desk_api_csv() -> &'static str {
    domain::api::routes::desk_api::ANALYTICS_CSV.template()
}

/// How much the agent handled alone, by what the customer first asked about.
fn intents_view(intents: Vec<domain::api::desk::IntentAutomation>) -> impl IntoView {
    view! {
        <div class=format!("{CARD} mt-3 overflow-x-auto") data-testid="by-intent">
            <table class="w-full text-left text-sm">
                <caption class="mb-1 text-left text-sm font-semibold">"Automation by intent"</caption>
                <thead class="text-xs text-slate-600 dark:text-slate-400">
                    <tr><th scope="col">"First asked about"</th><th scope="col">"Conversations"</th><th scope="col">"Handled by the agent alone"</th></tr>
                </thead>
                <tbody>
                    {if intents.is_empty() {
                        Either::Left(view! { <tr><td colspan="3" class="py-2 text-slate-600 dark:text-slate-400">"No conversations in this period."</td></tr> })
                    } else {
                        Either::Right(intents.into_iter().map(|i| view! {
                            <tr class="border-t border-slate-100 dark:border-slate-800" data-testid="intent-row">
                                <td class="py-1 pr-2">{i.intent.replace('_', " ")}</td>
                                <td class="tabular-nums">{i.conversations}</td>
                                <td class="tabular-nums">{format!("{} ({})", i.automated, percent(i.automation_rate))}</td>
                            </tr>
                        }).collect_view())
                    }}
                </tbody>
            </table>
        </div>
    }
}

/// Each person of the team: conversations handled and resolved, first reply, resolution, CSAT.
fn agents_view(agents: Vec<domain::api::desk::AgentFigures>) -> impl IntoView {
    view! {
        <div class=format!("{CARD} mt-3 overflow-x-auto") data-testid="by-agent">
            <table class="w-full text-left text-sm">
                <caption class="mb-1 text-left text-sm font-semibold">"By person"</caption>
                <thead class="text-xs text-slate-600 dark:text-slate-400">
                    <tr><th scope="col">"Person"</th><th scope="col">"Handled"</th><th scope="col">"Resolved"</th><th scope="col">"First reply (median)"</th><th scope="col">"Resolution (median)"</th><th scope="col">"CSAT"</th></tr>
                </thead>
                <tbody>
                    {if agents.is_empty() {
                        Either::Left(view! { <tr><td colspan="6" class="py-2 text-slate-600 dark:text-slate-400">"Nobody of the team replied in this period."</td></tr> })
                    } else {
                        Either::Right(agents.into_iter().map(|g| view! {
                            <tr class="border-t border-slate-100 dark:border-slate-800" data-testid="agent-row">
                                <td class="py-1 pr-2">{g.name}</td>
                                <td class="tabular-nums">{g.handled}</td>
                                <td class="tabular-nums">{g.resolved}</td>
                                <td class="tabular-nums">{duration(g.first_reply.median_ms)}</td>
                                <td class="tabular-nums">{duration(g.resolution.median_ms)}</td>
                                <td class="tabular-nums">{match g.csat { Some(c) => format!("{:.0}% ({})", c * 100.0, g.ratings), None => "—".into() }}</td>
                            </tr>
                        }).collect_view())
                    }}
                </tbody>
            </table>
        </div>
    }
}

/// A share as "n of total (p%)".
fn share(down: usize, total: usize) -> String {
    format!(
        "{down} of {total} ({:.0}%)",
        down as f64 / total.max(1) as f64 * 100.0
    )
}

fn down_table(
    caption: &'static str,
    rows: Vec<domain::api::feedback::DownRate>,
    testid: &'static str,
) -> impl IntoView {
    view! {
        <div class=CARD data-testid=testid>
            <table class="w-full text-left text-sm">
                <caption class="mb-1 text-left text-sm font-semibold">{caption}</caption>
                <thead class="text-xs text-slate-600 dark:text-slate-400"><tr><th scope="col">"Group"</th><th scope="col">"Not helpful"</th></tr></thead>
                <tbody>
                    {rows.into_iter().take(8).map(|r| view! {
                        <tr class="border-t border-slate-100 dark:border-slate-800"><td class="py-1 pr-2 break-all">{r.label.replace('_', " ")}</td><td class="tabular-nums">{share(r.down, r.total)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Ratings, CSAT, thumbs by intent and by passage, and the conversations rated 1 or 2.
fn feedback_view(f: domain::api::feedback::FeedbackFigures) -> impl IntoView {
    let stat = |label: &'static str, value: String, testid: &'static str| {
        view! {
            <div class=CARD data-testid=testid>
                <p class="text-xs text-slate-600 dark:text-slate-400">{label}</p>
                <p class="text-2xl font-bold">{value}</p>
            </div>
        }
    };
    let no_ratings = f.ratings == 0;
    view! {
        <h2 class="mb-2 mt-6 text-lg font-semibold">"What customers said"</h2>
        <div class="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
            {stat("CSAT (4 or 5 stars)", percent(f.csat), "kpi-csat")}
            {stat("Average rating", f.average_rating.map_or("—".into(), |r| format!("{r:.1} / 5")), "kpi-rating")}
            {stat("Ratings", f.ratings.to_string(), "kpi-ratings")}
            {stat("Replies marked helpful / not", format!("{} / {}", f.thumbs_up, f.thumbs_down), "kpi-thumbs")}
        </div>
        <div class="mt-3 grid gap-3 lg:grid-cols-3">
            {down_table("Not helpful, by intent", f.down_by_intent, "down-by-intent")}
            {down_table("Not helpful, by cited passage", f.down_by_passage, "down-by-passage")}
            <div class=CARD data-testid="low-rated">
                <p class="mb-1 text-sm font-semibold">"Rated 1 or 2"</p>
                {if f.low_rated.is_empty() {
                    Either::Left(view! { <p class="text-sm text-slate-600 dark:text-slate-400">{if no_ratings { "No ratings in this period yet." } else { "None in this period." }}</p> })
                } else {
                    Either::Right(view! {
                        <ul class="space-y-1 text-sm">
                            {f.low_rated.into_iter().map(|l| view! {
                                <li data-testid="low-rated-item"><span class="font-medium">{format!("{}★ ", l.rating)}</span>{l.title}{(!l.comment.is_empty()).then(|| view! { <span class="block text-xs text-slate-600 dark:text-slate-400">{format!("“{}”", l.comment)}</span> })}</li>
                            }).collect_view()}
                        </ul>
                    })
                }}
            </div>
        </div>
    }
}
