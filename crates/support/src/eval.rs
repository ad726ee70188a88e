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
    /// After the reply, press Confirm (true) or Cancel (false) on the action card it showed;
    /// the checks of `expect` then cover the reply and what the press did. A scenario where no
    /// turn sets it is in the format from before confirmations (see docs/support-eval.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<bool>,
}

/// Expected text: one string, or a list of alternatives of which one must match.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Fact {
    One(String),
    AnyOf(Vec<String>),
}

impl Fact {
    fn alternatives(&self) -> Vec<&str> {
        match self {
            Fact::One(s) => vec![s.as_str()],
            Fact::AnyOf(list) => list.iter().map(String::as_str).collect(),
        }
    }

    fn matches(&self, text: &str, whole_word: bool) -> bool {
        self.alternatives()
            .iter()
            .any(|a| contains(text, &a.to_lowercase(), whole_word))
    }

    fn is(&self, value: &str) -> bool {
        self.alternatives()
            .iter()
            .any(|a| a.eq_ignore_ascii_case(value))
    }

    fn describe(&self) -> String {
        self.alternatives().join("\" or \"")
    }
}

/// `needle` in `haystack` (both lower case); as a whole word when asked ("cancel" is then not
/// found in "cancelled").
fn contains(haystack: &str, needle: &str, whole_word: bool) -> bool {
    if !whole_word {
        return haystack.contains(needle);
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
    haystack.match_indices(needle).any(|(i, _)| {
        !word(haystack[..i].chars().next_back())
            && !word(haystack[i + needle.len()..].chars().next())
    })
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
    /// Case-insensitive substrings the reply must contain (a list entry: any of them).
    #[serde(default)]
    pub reply_contains: Vec<Fact>,
    #[serde(default)]
    pub reply_excludes: Vec<Fact>,
    /// Match reply facts as whole words only.
    #[serde(default)]
    pub whole_word: bool,
    #[serde(default)]
    pub escalated: Option<bool>,
    #[serde(default)]
    pub category: Option<Fact>,
    #[serde(default)]
    pub priority: Option<Fact>,
    #[serde(default)]
    pub sentiment: Option<Fact>,
    /// At least one knowledge-base citation.
    #[serde(default)]
    pub cites: Option<bool>,
    /// After the turn (and any press), an action card waits: `true`, `false`, or the action's
    /// tool name ("cancel_order").
    #[serde(default)]
    pub proposal: Option<Value>,
    /// At most this many tool calls in the turn.
    #[serde(default)]
    pub max_tool_calls: Option<usize>,
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
    /// When given, the call must have taken effect (true: carried out, or a read) or only
    /// proposed an action waiting for confirmation (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executed: Option<bool>,
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
    /// Who answered each turn ("offline planner…", or the LLM's label).
    pub backends: Vec<String>,
    /// Irreversible actions carried out without a confirmed proposal (must stay 0).
    pub unconfirmed_actions: usize,
    /// Actions carried out after a confirmation.
    pub confirmed_actions: usize,
}

/// How a run is judged beyond the scenario's own checks.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Fail a turn the LLM did not answer itself (the offline planner stood in for it).
    pub require_llm: bool,
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
            .executed
            .is_none_or(|executed| outcome.took_effect() == executed)
        && expected
            .args
            .iter()
            .all(|(k, v)| outcome.arguments.get(k).is_some_and(|a| values_match(v, a)))
}

/// Whether the scenario was written before confirmations existed (no turn says `confirm`).
fn legacy(scenario: &Scenario) -> bool {
    scenario.turns.iter().all(|t| t.confirm.is_none())
}

/// The press a turn ends with: the scenario's own `confirm`, or, in a legacy scenario, Confirm
/// when the turn expects an irreversible action to succeed and a card for it is waiting.
fn press_for(legacy: bool, turn: &Turn, result: &crate::TurnResult) -> Option<(String, bool)> {
    let proposal = result.proposal.as_ref()?;
    match turn.confirm {
        Some(confirm) => Some((proposal.id.clone(), confirm)),
        None if legacy
            && turn.expect.tools.iter().any(|t| {
                t.name == proposal.action
                    && t.ok == Some(true)
                    && t.executed != Some(false)
                    && crate::tools::ToolName::parse(&t.name)
                        .is_some_and(crate::tools::ToolName::needs_confirmation)
            }) =>
        {
            Some((proposal.id.clone(), true))
        }
        None => None,
    }
}

async fn one_turn(
    agent: &SupportAgent,
    conversation: &str,
    input: crate::Input<'_>,
) -> Result<crate::TurnResult, crate::AgentError> {
    let (tx, mut rx) = mpsc::channel::<TurnEvent>(256);
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let result = agent
        .answer(conversation, input, tx, chrono::Utc::now())
        .await;
    let _ = drain.await;
    result
}

/// `{{code}}` in a customer's message stands for the latest one-time code mailed in this
/// conversation (read from the demo inbox, as the customer would), `{{wrong_code}}` for a code
/// that is certainly not it.
async fn fill_code(agent: &SupportAgent, conversation: &str, text: &str) -> String {
    if !text.contains("{{code}}") && !text.contains("{{wrong_code}}") {
        return text.to_string();
    }
    let mails = agent
        .toolbox()
        .store
        .outbox_for_conversation(conversation)
        .await
        .unwrap_or_default();
    let code = mails
        .first()
        .and_then(|m| crate::understanding::extract::one_time_code(&m.body))
        .unwrap_or_else(|| "000000".into());
    let wrong: String = code
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_digit((d + 1) % 10, 10).unwrap_or('0'),
            None => c,
        })
        .collect();
    text.replace("{{code}}", &code)
        .replace("{{wrong_code}}", &wrong)
}

/// Runs one scenario against `agent`, whose store must be freshly seeded.
pub async fn run(agent: &SupportAgent, scenario: &Scenario) -> ScenarioResult {
    run_with(agent, scenario, RunOptions::default()).await
}

pub async fn run_with(
    agent: &SupportAgent,
    scenario: &Scenario,
    options: RunOptions,
) -> ScenarioResult {
    let conversation = format!("eval-{}", scenario.id);
    let legacy = legacy(scenario);
    let mut failures = Vec::new();
    let mut turn_ms = Vec::new();
    let mut backends = Vec::new();
    let mut all_calls: Vec<crate::ToolOutcome> = Vec::new();
    for (n, turn) in scenario.turns.iter().enumerate() {
        let t = n + 1;
        let text = fill_code(agent, &conversation, &turn.user).await;
        let mut result = match one_turn(agent, &conversation, crate::Input::Text(&text)).await {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("turn {t}: the agent failed: {e}"));
                break;
            }
        };
        turn_ms.push(result.elapsed_ms);
        backends.push(result.answered_by.clone());
        if options.require_llm && !result.fell_back.is_empty() {
            failures.push(format!(
                "turn {t}: the LLM did not do its part ({}); rules or the offline planner stood in",
                result.fell_back.join(", ")
            ));
        }
        if turn.confirm.is_some() && result.proposal.is_none() {
            failures.push(format!(
                "turn {t}: expected an action card to press, none was shown"
            ));
        }
        if let Some((id, confirm)) = press_for(legacy, turn, &result) {
            match one_turn(
                agent,
                &conversation,
                crate::Input::Press {
                    proposal_id: &id,
                    confirm,
                },
            )
            .await
            {
                Ok(pressed) => {
                    result.reply = format!("{}\n\n{}", result.reply, pressed.reply);
                    result.tools.extend(pressed.tools);
                    result.citations.extend(pressed.citations);
                    result.escalated |= pressed.escalated;
                    result.proposal = pressed.proposal;
                }
                Err(e) => failures.push(format!("turn {t}: pressing the card failed: {e}")),
            }
        }
        let reply = result.reply.to_lowercase();
        let expect = &turn.expect;
        for expected in &expect.tools {
            if !result.tools.iter().any(|o| call_matches(expected, o)) {
                let called: Vec<String> = result
                    .tools
                    .iter()
                    .map(|o| {
                        format!(
                            "{}({}) ok={}{}",
                            o.tool,
                            o.arguments,
                            o.ok,
                            if o.took_effect() { "" } else { " proposed" }
                        )
                    })
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
        for name in &expect.no_tools {
            if result
                .tools
                .iter()
                .any(|o| &o.tool == name && o.took_effect())
            {
                failures.push(format!("turn {t}: {name} must not be called"));
            }
        }
        for fact in &expect.reply_contains {
            if !fact.matches(&reply, expect.whole_word) {
                failures.push(format!(
                    "turn {t}: reply lacks \"{}\": {}",
                    fact.describe(),
                    result.reply.chars().take(300).collect::<String>()
                ));
            }
        }
        for fact in &expect.reply_excludes {
            if fact.matches(&reply, expect.whole_word) {
                failures.push(format!(
                    "turn {t}: reply must not contain \"{}\"",
                    fact.describe()
                ));
            }
        }
        if let Some(escalated) = expect.escalated
            && result.escalated != escalated
        {
            failures.push(format!(
                "turn {t}: escalated is {}, expected {escalated}",
                result.escalated
            ));
        }
        let c = &result.classification;
        for (label, expected, actual) in [
            ("category", &expect.category, &c.category),
            ("priority", &expect.priority, &c.priority),
            ("sentiment", &expect.sentiment, &c.sentiment),
        ] {
            if let Some(expected) = expected
                && !expected.is(actual)
            {
                failures.push(format!(
                    "turn {t}: {label} {actual} (expected \"{}\")",
                    expected.describe()
                ));
            }
        }
        if let Some(cites) = expect.cites
            && cites == result.citations.is_empty()
        {
            failures.push(format!(
                "turn {t}: citations {:?}",
                result.citations.iter().map(|c| &c.id).collect::<Vec<_>>()
            ));
        }
        if let Some(expected) = &expect.proposal {
            let pending = result.proposal.as_ref();
            let ok = match expected {
                Value::Bool(b) => pending.is_some() == *b,
                Value::String(action) => pending.is_some_and(|p| &p.action == action),
                _ => false,
            };
            if !ok {
                failures.push(format!(
                    "turn {t}: pending proposal {:?}, expected {expected}",
                    pending.map(|p| &p.action)
                ));
            }
        }
        if let Some(max) = expect.max_tool_calls
            && result.tools.len() > max
        {
            failures.push(format!(
                "turn {t}: {} tool calls, at most {max} expected",
                result.tools.len()
            ));
        }
        all_calls.extend(result.tools);
    }
    for forbidden in &scenario.never {
        if let Some(o) = all_calls
            .iter()
            .find(|o| o.took_effect() && call_matches(forbidden, o))
        {
            failures.push(format!(
                "forbidden call happened: {}({}) ok={}",
                o.tool, o.arguments, o.ok
            ));
        }
    }
    let acted = |o: &&crate::ToolOutcome| {
        o.ok && o.took_effect()
            && crate::tools::ToolName::parse(&o.tool)
                .is_some_and(crate::tools::ToolName::needs_confirmation)
    };
    let unconfirmed_actions = all_calls
        .iter()
        .filter(acted)
        .filter(|o| o.confirmed_proposal.is_none())
        .count();
    let confirmed_actions = all_calls.iter().filter(acted).count() - unconfirmed_actions;
    if unconfirmed_actions > 0 {
        failures.push(format!(
            "{unconfirmed_actions} irreversible action(s) ran without a confirmed proposal"
        ));
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
        backends,
        unconfirmed_actions,
        confirmed_actions,
    }
}

/// Pass rates per category and overall, as printed by the harness.
pub fn report(results: &[ScenarioResult]) -> String {
    report_with(results, true)
}

/// The report; without `details`, no scenario is named (for a holdout nobody may tune against).
pub fn report_with(results: &[ScenarioResult], details: bool) -> String {
    let mut by_category: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in results {
        let entry = by_category.entry(r.category.as_str()).or_default();
        entry.1 += 1;
        if r.passed {
            entry.0 += 1;
        }
    }
    let mut out = String::new();
    for r in results.iter().filter(|r| details && !r.passed) {
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
    let unconfirmed: usize = results.iter().map(|r| r.unconfirmed_actions).sum();
    let confirmed: usize = results.iter().map(|r| r.confirmed_actions).sum();
    let mut answered: BTreeMap<&str, usize> = BTreeMap::new();
    for b in results.iter().flat_map(|r| r.backends.iter()) {
        *answered.entry(b.as_str()).or_default() += 1;
    }
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
    out.push_str(&format!(
        "irreversible actions: {confirmed} after a confirmed proposal, {unconfirmed} without one\n"
    ));
    for (backend, n) in answered {
        out.push_str(&format!("answered by {backend}: {n} turn(s)\n"));
    }
    out
}

/// The public scenarios shipped in the repository.
pub fn public_scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../eval/support")
}
