//! A small horizontal bar chart drawn as inline SVG (no JavaScript, prints and scales).

use super::markup::Markup;
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
    // The bars are markup (see `components::markup`): nothing in them changes once drawn.
    let mut bars = Markup::new();
    for (i, bar) in chart.bars.iter().enumerate() {
        let y = i as f64 * ROW + 2.0;
        let w =
            (bar.value.max(0) as f64 / max * bar_space).max(if bar.value > 0 { 2.0 } else { 0.0 });
        let value = if money {
            Cents(bar.value).to_string()
        } else {
            bar.value.to_string()
        };
        let text_y = (y + 16.0).to_string();
        bars.open("g", &[])
            .open(
                "text",
                &[
                    ("x", "0"),
                    ("y", &text_y),
                    ("class", "fill-slate-600 text-[12px] dark:fill-slate-300"),
                ],
            )
            .text(&bar.label.replace('_', " "))
            .close("text")
            .void(
                "rect",
                &[
                    ("x", &LABEL_W.to_string()),
                    ("y", &(y + 4.0).to_string()),
                    ("width", &w.to_string()),
                    ("height", "16"),
                    ("rx", "3"),
                    ("class", "fill-indigo-500"),
                ],
            )
            .open(
                "text",
                &[
                    ("x", &(LABEL_W + w + 6.0).to_string()),
                    ("y", &text_y),
                    (
                        "class",
                        "fill-slate-700 text-[12px] font-medium dark:fill-slate-200",
                    ),
                ],
            )
            .text(&value)
            .close("text")
            .close("g");
    }
    let bars = bars.into_string();
    view! {
        <figure class="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <figcaption class="mb-2 text-sm font-semibold text-slate-700 dark:text-slate-200">{chart.title.clone()}</figcaption>
            <svg
                viewBox=format!("0 0 {WIDTH} {height}")
                class="w-full"
                role="img"
                aria-label=format!("{}: {}", chart.title, summary.join(", "))
                inner_html=bars
            ></svg>
        </figure>
    }
}
