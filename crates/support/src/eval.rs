//! The evaluation harness: scenarios (format in docs/support-eval.md) run turn by turn against
//! a freshly seeded store, checking the tools called and their arguments, facts in the reply,
//! actions that must never succeed, and the database afterwards.

use crate::agent::SupportAgent;
use crate::turn::TurnEvent;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub id: String,
    pub category: String,
    #[serde(default)]
    pub description: String,
    pub turns: Vec<Turn>,
    /// Calls that must not succeed in any turn (acting on another's order, say).
    #[serde(default)]
    pub never: Vec<ToolExpectation>,
    /// The database after the last turn.
    #[serde(default)]
    pub db: Vec<DbCheck>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    pub user: String,
    #[serde(default)]
    pub expect: Expect,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Calls that must appear in this turn (arguments: a subset that must match).
    #[serde(default)]
    pub tools: Vec<ToolExpectation>,
    /// Tool names that must not be called at all in this turn.
    #[serde(default)]
    pub no_tools: Vec<String>,
    /// Case-insensitive substrings the reply must contain.
    #[serde(default)]
    pub reply_contains: Vec<String>,
    #[serde(default)]
    pub reply_excludes: Vec<String>,
    #[serde(default)]
    pub escalated: Option<bool>,
    #[serde(default)]
    pub category: Option<String>,
    /// At least one knowledge-base citation.
    #[serde(default)]
    pub cites: Option<bool>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ToolExpectation {
    pub name: String,
    #[serde(default)]
    pub args: serde_json::Map<String, Value>,
    /// When given, the call must have succeeded (true) or failed (false).
    #[serde(default)]
    pub ok: Option<bool>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DbCheck {
    /// A query returning one value (trusted: scenario files are test code).
    pub sql: String,
    pub equals: Value,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScenarioResult {
    pub id: String,
    pub category: String,
    pub passed: bool,
    pub failures: Vec<String>,
    pub turn_ms: Vec<f64>,
}

/// Reads every scenario in the given files and folders (`*.json`, one scenario or a list).
pub fn load(paths: &[PathBuf]) -> Result<Vec<Scenario>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            inside.sort();
            files.extend(inside);
        } else {
            files.push(path.clone());
        }
    }
    let mut scenarios = Vec::new();
    for file in files {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        let list = match value {
            Value::Array(items) => items,
            one => vec![one],
        };
        for item in list {
            let scenario: Scenario =
                serde_json::from_value(item).map_err(|e| format!("{}: {e}", file.display()))?;
            scenarios.push(scenario);
        }
    }
    Ok(scenarios)
}

fn values_match(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(e), Value::String(a)) => e.trim().eq_ignore_ascii_case(a.trim()),
        (Value::Number(e), Value::String(a)) | (Value::String(a), Value::Number(e)) => {
            a.trim().trim_start_matches('#') == e.to_string()
        }
        (Value::Number(e), Value::Number(a)) => e.as_f64() == a.as_f64(),
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().all(|x| a.iter().any(|y| values_match(x, y)))
        }
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|av| values_match(v, av))),
        (e, a) => e == a,
    }
}

fn call_matches(expected: &ToolExpectation, outcome: &crate::ToolOutcome) -> bool {
    outcome.tool == expected.name
        && expected.ok.is_none_or(|ok| outcome.ok == ok)
        && expected
            .args
            .iter()
            .all(|(k, v)| outcome.arguments.get(k).is_some_and(|a| values_match(v, a)))
}

/// Runs one scenario against `agent`, whose store must be freshly seeded.
pub async fn run(agent: &SupportAgent, scenario: &Scenario) -> ScenarioResult {
    let conversation = format!("eval-{}", scenario.id);
    let mut failures = Vec::new();
    let mut turn_ms = Vec::new();
    let mut all_calls = Vec::new();
    for (n, turn) in scenario.turns.iter().enumerate() {
        let (tx, mut rx) = mpsc::channel::<TurnEvent>(256);
        let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
        let result = agent
            .turn(&conversation, &turn.user, tx, chrono::Utc::now())
            .await;
        let _ = drain.await;
        let result = match result {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("turn {}: the agent failed: {e}", n + 1));
                break;
            }
        };
        turn_ms.push(result.elapsed_ms);
        let reply = result.reply.to_lowercase();
        let t = n + 1;
        for expected in &turn.expect.tools {
            if !result.tools.iter().any(|o| call_matches(expected, o)) {
                let called: Vec<String> = result
                    .tools
                    .iter()
                    .map(|o| format!("{}({}) ok={}", o.tool, o.arguments, o.ok))
                    .collect();
                failures.push(format!(
                    "turn {t}: expected {} {} (ok={:?}); called [{}]",
                    expected.name,
                    Value::Object(expected.args.clone()),
                    expected.ok,
                    called.join(", ")
                ));
            }
        }
        for name in &turn.expect.no_tools {
            if result.tools.iter().any(|o| &o.tool == name) {
                failures.push(format!("turn {t}: {name} must not be called"));
            }
        }
        for fact in &turn.expect.reply_contains {
            if !reply.contains(&fact.to_lowercase()) {
                failures.push(format!(
                    "turn {t}: reply lacks \"{fact}\": {}",
                    result.reply.chars().take(300).collect::<String>()
                ));
            }
        }
        for fact in &turn.expect.reply_excludes {
            if reply.contains(&fact.to_lowercase()) {
                failures.push(format!("turn {t}: reply must not contain \"{fact}\""));
            }
        }
        if let Some(escalated) = turn.expect.escalated
            && result.escalated != escalated
        {
            failures.push(format!(
                "turn {t}: escalated is {}, expected {escalated}",
                result.escalated
            ));
        }
        if let Some(category) = &turn.expect.category
            && &result.classification.category != category
        {
            failures.push(format!(
                "turn {t}: category {} (expected {category})",
                result.classification.category
            ));
        }
        if let Some(cites) = turn.expect.cites
            && cites == result.citations.is_empty()
        {
            failures.push(format!(
                "turn {t}: citations {:?}",
                result.citations.iter().map(|c| &c.id).collect::<Vec<_>>()
            ));
        }
        all_calls.extend(result.tools);
    }
    for forbidden in &scenario.never {
        if let Some(o) = all_calls.iter().find(|o| call_matches(forbidden, o)) {
            failures.push(format!(
                "forbidden call happened: {}({}) ok={}",
                o.tool, o.arguments, o.ok
            ));
        }
    }
    for check in &scenario.db {
        match agent.toolbox().store.scalar_text(&check.sql).await {
            Ok(value) => {
                let expected = match &check.equals {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if value.as_deref() != Some(expected.as_str()) {
                    failures.push(format!(
                        "db: {} gave {value:?}, expected {expected}",
                        check.sql
                    ));
                }
            }
            Err(e) => failures.push(format!("db: {} failed: {e}", check.sql)),
        }
    }
    ScenarioResult {
        id: scenario.id.clone(),
        category: scenario.category.clone(),
        passed: failures.is_empty(),
        failures,
        turn_ms,
    }
}

/// Pass rates per category and overall, as printed by the harness.
pub fn report(results: &[ScenarioResult]) -> String {
    let mut by_category: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in results {
        let entry = by_category.entry(r.category.as_str()).or_default();
        entry.1 += 1;
        if r.passed {
            entry.0 += 1;
        }
    }
    let mut out = String::new();
    for r in results.iter().filter(|r| !r.passed) {
        out.push_str(&format!("FAIL {} ({})\n", r.id, r.category));
        for f in &r.failures {
            out.push_str(&format!("     {f}\n"));
        }
    }
    out.push_str("\ncategory              passed  total   rate\n");
    for (category, (passed, total)) in &by_category {
        out.push_str(&format!(
            "{category:<20} {passed:>7} {total:>6} {:>6.1}%\n",
            *passed as f64 * 100.0 / *total as f64
        ));
    }
    let passed = results.iter().filter(|r| r.passed).count();
    let mut turns: Vec<f64> = results
        .iter()
        .flat_map(|r| r.turn_ms.iter().copied())
        .collect();
    turns.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        turns
            .get(((turns.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    out.push_str(&format!(
        "{:<20} {passed:>7} {:>6} {:>6.1}%\nturn latency: p50 {:.1} ms, p99 {:.1} ms over {} turns\n",
        "ALL",
        results.len(),
        if results.is_empty() { 0.0 } else { passed as f64 * 100.0 / results.len() as f64 },
        pct(0.5),
        pct(0.99),
        turns.len()
    ));
    out
}

/// The public scenarios shipped in the repository.
pub fn public_scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../eval/support")
}
