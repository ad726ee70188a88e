//! Irreversible actions as proposals: a call to cancel, modify, return or place stores what will
//! happen (with an id and an expiry) and changes nothing; only the customer's confirmation of that
//! exact proposal, by its id, carries it out. A newer proposal replaces an older one, so a
//! change of detail always needs a new confirmation.

use super::{Done, Session, ToolError, ToolName, ToolOutcome, Toolbox, exec};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Instant;
use store::confirmations::{Decision, ProposalRow};

/// How long a proposal waits for its confirmation.
pub const PROPOSAL_MINUTES: i64 = 15;

/// What the customer is asked to confirm, as the action card shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: String,
    /// The tool that carries it out ("cancel_order").
    pub action: String,
    /// "Cancel order 1024".
    pub title: String,
    /// What will happen, one line each: lines, amounts, refund, stock, address.
    pub details: Vec<String>,
    pub order_id: Option<i64>,
    /// The refund or the total, when money moves.
    pub amount: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// What pressing Confirm or Cancel on a card did.
#[derive(Clone, Debug, PartialEq)]
pub enum Confirmation {
    /// The action ran (its outcome may still be a refusal if the order changed meanwhile).
    Done(Box<ToolOutcome>),
    /// The customer said no; nothing changed.
    Declined(Proposal),
    /// Nothing ran: a sentence saying why (expired, replaced, already done, unknown).
    Refused(String),
}

pub(super) struct Draft {
    pub tool: ToolName,
    /// Exactly what the confirmation will run with.
    pub arguments: Value,
    pub title: String,
    pub details: Vec<String>,
    pub order_id: Option<i64>,
    pub amount: Option<String>,
    /// Extra facts for the model (the previewed order, say).
    pub facts: Value,
}

/// Stores the proposal and answers the call with it; nothing else changes.
pub(super) async fn propose(
    toolbox: &Toolbox,
    draft: Draft,
    session: &Session,
    now: DateTime<Utc>,
) -> Result<Done, ToolError> {
    let proposal = Proposal {
        id: format!("prop_{}", uuid::Uuid::new_v4().simple()),
        action: draft.tool.as_str().to_string(),
        title: draft.title,
        details: draft.details,
        order_id: draft.order_id,
        amount: draft.amount,
        expires_at: now + Duration::minutes(PROPOSAL_MINUTES),
    };
    let preview = serde_json::to_string(&proposal)
        .map_err(|e| ToolError::Internal(format!("proposal: {e}")))?;
    toolbox
        .store
        .propose_action(&ProposalRow {
            id: proposal.id.clone(),
            conversation_id: session.conversation_id.clone(),
            action: proposal.action.clone(),
            arguments: draft.arguments.to_string(),
            preview,
            status: "pending".into(),
            created_at: now,
            expires_at: proposal.expires_at,
        })
        .await?;
    Ok(Done {
        result: json!({
            "status": "awaiting_confirmation",
            "proposal": proposal,
            "facts": draft.facts,
            "note": "Nothing has changed yet. Tell the customer what will happen; it happens only when they press Confirm on the card or reply yes.",
        }),
        summary: format!(
            "proposed: {} (waiting for the customer's confirmation)",
            proposal.title
        ),
        citations: Vec::new(),
        proposal: Some(proposal),
    })
}

fn read_proposal(row: &ProposalRow) -> Option<Proposal> {
    serde_json::from_str(&row.preview).ok()
}

impl Toolbox {
    /// The proposal this conversation is waiting on, if any (expired ones drop out).
    pub async fn pending_proposal(
        &self,
        conversation_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Proposal>, ToolError> {
        let row = self.store.pending_proposal(conversation_id, now).await?;
        Ok(row.as_ref().and_then(read_proposal))
    }

    /// Carries out the proposal `id` of this conversation, once: the customer confirmed it.
    pub async fn confirm(
        &self,
        id: &str,
        session: &mut Session,
        now: DateTime<Utc>,
    ) -> Confirmation {
        let started = Instant::now();
        let row = match self
            .store
            .decide_proposal(&session.conversation_id, id, "confirmed", now)
            .await
        {
            Ok(Decision::Taken(row)) => row,
            Ok(other) => return Confirmation::Refused(not_pending(&other)),
            Err(e) => {
                tracing::error!(error = %e, "cannot record a confirmation");
                return Confirmation::Refused(
                    "I couldn't record your confirmation right now, so nothing was changed. Please try again in a moment.".into(),
                );
            }
        };
        let Some(tool) = ToolName::parse(&row.action).filter(|t| t.needs_confirmation()) else {
            return Confirmation::Refused("That proposal cannot be carried out.".into());
        };
        let mut arguments: Value = serde_json::from_str(&row.arguments).unwrap_or(Value::Null);
        let result = exec::carry_out(self, tool, &arguments, session, now).await;
        if let Value::Object(map) = &mut arguments {
            map.insert("proposal_id".into(), json!(row.id));
        }
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        let mut outcome = match result {
            Ok(done) => ToolOutcome::done(tool.as_str(), arguments, done, elapsed_ms),
            Err(e) => {
                if let Err(e) = self.store.fail_proposal(&row.id).await {
                    tracing::error!(error = %e, "cannot mark a proposal failed");
                }
                ToolOutcome::failed(tool.as_str(), arguments, &e, elapsed_ms)
            }
        };
        outcome.confirmed_proposal = Some(row.id);
        Confirmation::Done(Box::new(outcome))
    }

    /// The customer said no to the proposal `id`: it can no longer be confirmed.
    pub async fn decline(&self, id: &str, session: &Session, now: DateTime<Utc>) -> Confirmation {
        match self
            .store
            .decide_proposal(&session.conversation_id, id, "declined", now)
            .await
        {
            Ok(Decision::Taken(row)) => match read_proposal(&row) {
                Some(p) => Confirmation::Declined(p),
                None => Confirmation::Refused("Nothing was changed.".into()),
            },
            Ok(other) => Confirmation::Refused(not_pending(&other)),
            Err(e) => {
                tracing::error!(error = %e, "cannot record a decline");
                Confirmation::Refused(
                    "Nothing was changed (I couldn't record your answer, but the proposal expires by itself).".into(),
                )
            }
        }
    }
}

fn not_pending(decision: &Decision) -> String {
    match decision {
        Decision::NotFound | Decision::Taken(_) => {
            "I can't find that proposal in this conversation, so nothing was changed.".into()
        }
        Decision::NotPending(status) => match status.as_str() {
            "confirmed" => "That was already done; I haven't done it twice.".into(),
            "declined" => "That proposal was cancelled earlier, so nothing was changed.".into(),
            "superseded" => {
                "That proposal was replaced by a newer one, so nothing was changed. Please use the latest card.".into()
            }
            "expired" => format!(
                "That proposal expired (they last {PROPOSAL_MINUTES} minutes), so nothing was changed. Ask again and I'll prepare a new one."
            ),
            _ => "That proposal can no longer be carried out, so nothing was changed.".into(),
        },
    }
}
