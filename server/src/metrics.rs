//! `/metrics` in the Prometheus text format: HTTP requests and latency per route, support tool
//! calls per tool and outcome, escalations, agent turns, LLM replies and tokens per provider,
//! and image cache hits. Counters and histograms are kept in process (one registry per server).

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Upper bounds (seconds) of the latency buckets.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Default, Clone)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if self.counts.is_empty() {
            self.counts = vec![0; BUCKETS.len()];
        }
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.counts[i] += 1;
            }
        }
        self.sum += seconds;
        self.count += 1;
    }
}

type Labels = Vec<(&'static str, String)>;

#[derive(Default)]
struct Registry {
    counters: BTreeMap<(&'static str, Labels), f64>,
    histograms: BTreeMap<(&'static str, Labels), Histogram>,
}

/// The metrics of one server; cheap to clone.
#[derive(Clone, Default)]
pub struct Metrics {
    inner: Arc<Mutex<Registry>>,
}

const HELP: &[(&str, &str, &str)] = &[
    (
        "http_requests_total",
        "counter",
        "HTTP requests by route, method and status",
    ),
    (
        "http_request_duration_seconds",
        "histogram",
        "HTTP request latency by route",
    ),
    (
        "support_turns_total",
        "counter",
        "Support agent turns by backend kind and outcome",
    ),
    (
        "support_turn_duration_seconds",
        "histogram",
        "Support agent turn latency",
    ),
    (
        "support_tool_calls_total",
        "counter",
        "Support tool calls by tool and outcome",
    ),
    (
        "support_tool_duration_seconds",
        "histogram",
        "Support tool call latency by tool",
    ),
    (
        "support_escalations_total",
        "counter",
        "Conversations handed to a human",
    ),
    (
        "llm_replies_total",
        "counter",
        "LLM replies by provider and finish reason",
    ),
    (
        "llm_tokens_total",
        "counter",
        "LLM completion tokens by provider",
    ),
    (
        "llm_reply_duration_seconds",
        "histogram",
        "LLM reply latency by provider",
    ),
    (
        "classifier_predictions_total",
        "counter",
        "Image classifier answers by predicted class (or error)",
    ),
    (
        "model_inference_duration_seconds",
        "histogram",
        "In-process model inference latency by model",
    ),
    (
        "image_requests_total",
        "counter",
        "Text-to-image requests by provider and result (generated, cached, error)",
    ),
];

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn render_labels(labels: &Labels, extra: Option<(&str, String)>) -> String {
    let mut parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    if let Some((k, v)) = extra {
        parts.push(format!("{k}=\"{v}\""));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

impl Metrics {
    fn with<T>(&self, f: impl FnOnce(&mut Registry) -> T) -> T {
        match self.inner.lock() {
            Ok(mut r) => f(&mut r),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    pub fn count(&self, name: &'static str, labels: Labels, by: f64) {
        self.with(|r| *r.counters.entry((name, labels)).or_default() += by);
    }

    pub fn observe(&self, name: &'static str, labels: Labels, seconds: f64) {
        self.with(|r| {
            r.histograms
                .entry((name, labels))
                .or_default()
                .observe(seconds)
        });
    }

    /// The whole registry in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        self.with(|r| {
            let mut out = String::new();
            for (name, kind, help) in HELP {
                let _ = writeln!(out, "# HELP {name} {help}");
                let _ = writeln!(out, "# TYPE {name} {kind}");
                for ((n, labels), value) in r.counters.iter().filter(|((n, _), _)| n == name) {
                    let _ = writeln!(out, "{n}{} {value}", render_labels(labels, None));
                }
                for ((n, labels), h) in r.histograms.iter().filter(|((n, _), _)| n == name) {
                    for (bound, count) in BUCKETS.iter().zip(&h.counts) {
                        let _ = writeln!(
                            out,
                            "{n}_bucket{} {count}",
                            render_labels(labels, Some(("le", bound.to_string())))
                        );
                    }
                    let _ = writeln!(
                        out,
                        "{n}_bucket{} {}",
                        render_labels(labels, Some(("le", "+Inf".into()))),
                        h.count
                    );
                    let _ = writeln!(out, "{n}_sum{} {}", render_labels(labels, None), h.sum);
                    let _ = writeln!(out, "{n}_count{} {}", render_labels(labels, None), h.count);
                }
            }
            out
        })
    }

    /// Records a finished support turn: its tools, escalation and latency.
    pub fn support_turn(&self, result: &support::TurnResult, uses_llm: bool) {
        let kind = if uses_llm { "llm" } else { "offline" };
        self.count(
            "support_turns_total",
            vec![("backend", kind.into()), ("outcome", "ok".into())],
            1.0,
        );
        self.observe(
            "support_turn_duration_seconds",
            vec![("backend", kind.into())],
            result.elapsed_ms / 1000.0,
        );
        for tool in &result.tools {
            let outcome = tool.error_kind.clone().unwrap_or_else(|| "ok".into());
            self.count(
                "support_tool_calls_total",
                vec![("tool", tool.tool.clone()), ("outcome", outcome)],
                1.0,
            );
            self.observe(
                "support_tool_duration_seconds",
                vec![("tool", tool.tool.clone())],
                tool.elapsed_ms / 1000.0,
            );
        }
        if result.escalated {
            self.count("support_escalations_total", Vec::new(), 1.0);
        }
    }
}

/// `GET /metrics`
pub async fn render(State(metrics): State<Metrics>) -> Response {
    let mut response = metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// Counts every request and times it, labelled by the route pattern (never the raw path, so a
/// URL full of ids cannot blow up the label set).
pub async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| {
            let path = request.uri().path();
            if path.starts_with("/pkg/") {
                "/pkg/*".into()
            } else {
                "other".into()
            }
        });
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = format!("{}xx", response.status().as_u16() / 100);
    metrics.count(
        "http_requests_total",
        vec![
            ("route", route.clone()),
            ("method", method),
            ("status", status),
        ],
        1.0,
    );
    metrics.observe(
        "http_request_duration_seconds",
        vec![("route", route)],
        started.elapsed().as_secs_f64(),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_has_help_types_buckets_and_escaped_labels() {
        let m = Metrics::default();
        m.count("http_requests_total", vec![("route", "/a\"b".into())], 2.0);
        m.observe(
            "http_request_duration_seconds",
            vec![("route", "/".into())],
            0.003,
        );
        let text = m.render();
        assert!(text.contains("# TYPE http_requests_total counter"));
        assert!(
            text.contains(r#"http_requests_total{route="/a\"b"} 2"#),
            "{text}"
        );
        assert!(text.contains(r#"http_request_duration_seconds_bucket{route="/",le="0.0025"} 0"#));
        assert!(text.contains(r#"http_request_duration_seconds_bucket{route="/",le="0.005"} 1"#));
        assert!(text.contains(r#"http_request_duration_seconds_bucket{route="/",le="+Inf"} 1"#));
        assert!(text.contains(r#"http_request_duration_seconds_count{route="/"} 1"#));
    }
}
