//! The offline agent: no LLM. It picks an intent with the intent model (softmax over MiniLM
//! embeddings) and keyword rules, extracts the slots the tools need, asks for what is missing
//! across turns, runs the same tools an LLM would, and answers from their results and cited
//! passages.
//!
//! By concern: this module decides what a message asks for and dispatches it; `orders`,
//! `products` and `help` answer each kind of request; `replies` words tool results.

mod help;
mod orders;
mod products;
mod replies;

pub use crate::dialogue::{PlannerState, Slots};
pub use crate::understanding::intent::Intent;
pub use help::escalate_with;

use crate::dialogue::{merge, supplies};
use crate::understanding::keywords::rule_boosts;
use replies::{proposal_reply, refusal_reply};

use crate::catalogue::Catalogue;
use crate::tools::results::{
    CodeSent, DraftView, KnowledgeResult, OrderList, OrderView, PassageView, ProductList,
    ProductView, ReturnsResult, ShippingQuote, TicketView,
};
use crate::tools::{ToolName, ToolOutcome};
use crate::turn::ToolRunner;
use crate::understanding::classify::Classification;
use crate::understanding::extract;
use crate::understanding::reading::{self, Stance};
use crate::understanding::semantic::Semantic;
use serde_json::{Map, Value, json};
use std::fmt::Write as _;
use std::sync::Arc;

pub struct PlannerReply {
    pub text: String,
    pub suggestions: Vec<String>,
    pub intent: Option<Intent>,
}

pub struct Planner {
    semantic: Option<Arc<Semantic>>,
}

/// How much the intent model's probability counts beside keyword evidence.
const MODEL_WEIGHT: f32 = 0.5;

impl Planner {
    pub fn new(semantic: Option<Arc<Semantic>>) -> Planner {
        Planner { semantic }
    }

    pub fn label(&self) -> &'static str {
        if self.semantic.is_some() {
            "offline planner (MiniLM intent model + rules)"
        } else {
            "offline planner (rules only)"
        }
    }

    /// The best intent, and whether a keyword rule backs it (similarity alone is weaker
    /// evidence than a question the customer is still answering).
    async fn choose_intent(
        &self,
        text: &str,
        has_order: bool,
        has_product: bool,
    ) -> Option<(Intent, bool)> {
        let lower = text.to_lowercase();
        let boosts = rule_boosts(&lower, has_order, has_product);
        // The model's probabilities count half: a keyword rule (0.25 or 0.5) outweighs a
        // confident model only where the model is unsure, as the rules name words a customer
        // used ("return", "cancel just the hub") that no amount of resemblance overrides.
        let mut scores: Vec<(Intent, f32)> = match &self.semantic {
            Some(semantic) => semantic
                .intent_scores(text)
                .await
                .into_iter()
                .map(|(i, p)| (i, p * MODEL_WEIGHT))
                .collect(),
            None => Vec::new(),
        };
        if has_order {
            // A message that names its order is never asking for the list of orders.
            scores.retain(|(i, _)| *i != Intent::ListOrders);
        }
        for (intent, boost) in &boosts {
            match scores.iter_mut().find(|(i, _)| i == intent) {
                Some(entry) => entry.1 += boost,
                None => scores.push((*intent, *boost)),
            }
        }
        scores.sort_by(|a, b| b.1.total_cmp(&a.1));
        let (best, score) = *scores.first()?;
        // The model alone, under even odds, is a guess: search the help center instead.
        let threshold = if boosts.is_empty() {
            0.5 * MODEL_WEIGHT
        } else {
            0.3
        };
        if score < threshold {
            return None;
        }
        Some((best, boosts.iter().any(|(i, _)| *i == best)))
    }

    /// Answers one message (classified once, by the caller), updating `state`. A message with
    /// several requests ("where is order 1013, and also how long is the warranty?") gets an
    /// answer to each, in order; the email and order number it gives count for all of them.
    pub async fn respond(
        &self,
        text: &str,
        classification: &Classification,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
    ) -> PlannerReply {
        let parts = reading::split_requests(text);
        if parts.len() < 2 {
            return self.respond_one(text, classification, state, runner).await;
        }
        if let Some(email) = extract::email(text) {
            state.slots.email = Some(email);
        }
        if let Some(id) = extract::order_id(text) {
            state.slots.order_id = Some(id);
        }
        let mut answers: Vec<PlannerReply> = Vec::new();
        for part in &parts {
            answers.push(Box::pin(self.respond_one(part, classification, state, runner)).await);
        }
        let last = answers.last().map(|a| (a.suggestions.clone(), a.intent));
        PlannerReply {
            text: answers
                .iter()
                .map(|a| a.text.as_str())
                .collect::<Vec<_>>()
                .join("\n\n"),
            suggestions: last.as_ref().map(|l| l.0.clone()).unwrap_or_default(),
            intent: last.and_then(|l| l.1),
        }
    }

    async fn respond_one(
        &self,
        text: &str,
        classification: &Classification,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
    ) -> PlannerReply {
        let catalogue = match runner.toolbox().catalogue().await {
            Ok(c) => c,
            Err(e) => {
                return PlannerReply {
                    text: format!(
                        "Sorry, I can't reach the store right now ({e}). Please try again in a moment."
                    ),
                    suggestions: Vec::new(),
                    intent: None,
                };
            }
        };
        // Slots first: a message may only carry the email or order number asked for.
        let found_order = extract::order_id(text);
        let found_email = extract::email(text);
        let found_items = extract::items(text, &catalogue);
        let mut fresh = Slots {
            order_id: found_order,
            email: found_email.clone(),
            zip: extract::zip(text),
            items: found_items.clone(),
            name: extract::name(text),
            phone: extract::phone(text),
            reason: extract::reason(text),
            ..Default::default()
        };
        if let Some(a) = extract::address(text) {
            fresh.street = Some(a.street);
            fresh.city = Some(a.city);
            fresh.state = Some(a.state);
            fresh.zip = Some(a.zip);
        }
        // A new order number starts a new subject; the email carries over (it is the person's).
        if let Some(id) = found_order
            && state.slots.order_id != Some(id)
        {
            state.slots.items.clear();
            state.slots.reason = None;
        }
        merge(&mut state.slots, fresh);
        if state.slots.email.is_none() {
            state.slots.email = runner.session.verified_email.clone();
        }

        let chosen = self
            .choose_intent(text, found_order.is_some(), !found_items.is_empty())
            .await;
        let supplies_pending = state.pending.is_some_and(|p| {
            supplies(
                p,
                text,
                found_order.is_some(),
                found_email.is_some(),
                !found_items.is_empty(),
            )
        });
        let strong_switch = |new: Intent| {
            rule_boosts(
                &text.to_lowercase(),
                found_order.is_some(),
                !found_items.is_empty(),
            )
            .iter()
            .any(|(i, b)| *i == new && *b >= 0.6)
        };
        // Keep answering the pending question unless a keyword rule clearly asks for something
        // else (and, when the message carries what was asked for, only a strong one).
        let only_slots = match chosen {
            None => true,
            Some((new, ruled)) => !ruled || (supplies_pending && !strong_switch(new)),
        };
        let chosen = chosen.map(|(i, _)| i);
        // A code the customer was asked for comes before anything else.
        if let Some(reply) = self.code_step(text, state, runner).await {
            return reply;
        }
        let intent = match (state.pending, chosen) {
            (Some(pending), Some(new)) if pending != new && !only_slots => new,
            (Some(pending), _) => pending,
            (None, Some(new)) => new,
            (None, None) => {
                if found_email.is_some() && state.slots.order_id.is_some() {
                    Intent::OrderStatus
                } else if !found_items.is_empty() {
                    Intent::ProductDetails
                } else if found_order.is_some() {
                    Intent::OrderStatus
                } else {
                    Intent::Knowledge
                }
            }
        };
        // Decided from this message, not carried over from a question the customer is answering.
        let mut fresh = state.pending != Some(intent);
        // Only a resemblance to a request for a person, and no rule flagged it: a product
        // problem is a help question ("the earbuds case won't charge").
        let intent = if intent == Intent::Escalate
            && !classification.escalate
            && reading::is_help_question(text)
        {
            Intent::Knowledge
        } else {
            intent
        };
        let stance = reading::stance(text);
        let mut intent = intent;
        // Right after a card, a changed detail ("make that 4", a new address) changes the
        // proposal: a new card replaces the old one.
        if let Some(last) = state.last_action.take()
            && state.proposal.is_some()
            && reading::amends(text)
        {
            intent = last;
            fresh = false;
        }
        // A help question ("is this hiss normal?", "warranty on the camera?", "won't connect")
        // is answered from the knowledge base, even when it names a product or an order.
        // A question about how things work (no order named) is a help question even when it
        // uses an action word ("what's the return window for speakers?").
        let general_question = found_order.is_none() && reading::is_question(text);
        // Asking what would happen, or quoting, translating or reporting someone else's words,
        // never starts an action: the customer gets the facts, and is told nothing changed.
        if fresh && intent.acts() && intent != Intent::PlaceOrder && stance == Stance::Hypothetical
        {
            state.pending = None;
            return self.hypothetical(intent, text, state, runner).await;
        }
        if fresh
            && intent.yields_to_help()
            && (stance != Stance::Request || general_question)
            && reading::is_help_question(text)
        {
            intent = Intent::Knowledge;
        }
        if fresh && intent.acts() && intent != Intent::PlaceOrder {
            // No action named at all: a question about the order, or for the help center.
            if stance == Stance::NoAction {
                intent = if found_order.is_some() {
                    Intent::OrderStatus
                } else {
                    Intent::Knowledge
                };
            }
        }
        let reply = self
            .act(intent, text, classification, state, runner, &catalogue)
            .await;
        if runner.proposal().is_some() {
            state.last_action = Some(intent);
        }
        PlannerReply {
            intent: Some(intent),
            ..reply
        }
    }

    async fn act(
        &self,
        intent: Intent,
        text: &str,
        classification: &Classification,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
        catalogue: &Catalogue,
    ) -> PlannerReply {
        match intent {
            Intent::OrderStatus
            | Intent::CancelOrder
            | Intent::ModifyOrder
            | Intent::ReturnRequest
            | Intent::ReturnStatus => {
                self.order_intent(intent, text, state, runner, catalogue)
                    .await
            }
            Intent::ListOrders => self.list_orders(text, state, runner).await,
            Intent::ProductSearch => self.product_search(text, runner).await,
            Intent::ProductDetails => self.product_details(text, state, runner, catalogue).await,
            Intent::Inventory => self.inventory(text, state, runner, catalogue).await,
            Intent::Shipping => self.shipping(state, runner).await,
            Intent::PlaceOrder => self.place_order(text, state, runner, catalogue).await,
            Intent::Knowledge => self.knowledge(text, runner, None).await,
            Intent::Ticket => self.ticket(text, classification, state, runner).await,
            Intent::Escalate => self.escalate(text, classification, state, runner).await,
            Intent::Greeting => {
                state.pending = None;
                PlannerReply {
                    text: "Hi! I can check an order's status, change or cancel a pending order, start a return, estimate shipping, find products and answer questions about our policies. For anything about an existing order, please give the order number and the email used to place it.".into(),
                    suggestions: vec!["Where is my order?".into(), "What is your return policy?".into(), "Recommend headphones under $200".into()],
                    intent: Some(Intent::Greeting),
                }
            }
        }
    }
}
