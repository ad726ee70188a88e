//! A small horizontal bar chart drawn as inline SVG (no JavaScript, prints and scales).

use domain::Cents;
use domain::records::Chart;
use leptos::prelude::*;

const ROW: f64 = 26.0;
const LABEL_W: f64 = 96.0;
const VALUE_W: f64 = 84.0;
const WIDTH: f64 = 420.0;

#[component]
pub fn BarChart(chart: Chart) -> impl IntoView {
    let max = chart.bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let height = ROW * chart.bars.len() as f64 + 4.0;
    let bar_space = WIDTH - LABEL_W - VALUE_W;
    let money = chart.money;
    let summary: Vec<String> = chart
        .bars
        .iter()
        .map(|b| {
            format!(
                "{}: {}",
                b.label,
                if money {
                    Cents(b.value).to_string()
                } else {
                    b.value.to_string()
                }
            )
        })
        .collect();
    view! {
        <figure class="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <figcaption class="mb-2 text-sm font-semibold text-slate-700 dark:text-slate-200">{chart.title.clone()}</figcaption>
            <svg
                viewBox=format!("0 0 {WIDTH} {height}")
                class="w-full"
                role="img"
                aria-label=format!("{}: {}", chart.title, summary.join(", "))
            >
                {chart
                    .bars
                    .iter()
                    .enumerate()
                    .map(|(i, bar)| {
                        let y = i as f64 * ROW + 2.0;
                        let w = (bar.value.max(0) as f64 / max * bar_space).max(if bar.value > 0 { 2.0 } else { 0.0 });
                        let value = if money { Cents(bar.value).to_string() } else { bar.value.to_string() };
                        view! {
                            <g>
                                <text x="0" y=y + 16.0 class="fill-slate-600 text-[12px] dark:fill-slate-300">{bar.label.replace('_', " ")}</text>
                                <rect x=LABEL_W y=y + 4.0 width=w height="16" rx="3" class="fill-indigo-500"/>
                                <text x=LABEL_W + w + 6.0 y=y + 16.0 class="fill-slate-700 text-[12px] font-medium dark:fill-slate-200">{value}</text>
                            </g>
                        }
                    })
                    .collect_view()}
            </svg>
        </figure>
    }
}
