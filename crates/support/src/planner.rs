//! The offline agent: no LLM. It picks an intent by MiniLM similarity to example utterances
//! (plus keyword rules), extracts the slots the tools need, asks for what is missing across
//! turns, runs the same tools an LLM would, and answers from their results and cited passages.

use crate::catalogue::Catalogue;
use crate::classify::Classification;
use crate::extract::{self, Stance};
use crate::semantic::Semantic;
use crate::tools::ToolOutcome;
use crate::turn::ToolRunner;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::fmt::Write as _;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    OrderStatus,
    ListOrders,
    CancelOrder,
    ModifyOrder,
    ReturnRequest,
    ReturnStatus,
    ProductSearch,
    ProductDetails,
    Inventory,
    Shipping,
    PlaceOrder,
    Knowledge,
    Ticket,
    Escalate,
    Greeting,
}

impl Intent {
    pub const ALL: [Intent; 15] = [
        Intent::OrderStatus,
        Intent::ListOrders,
        Intent::CancelOrder,
        Intent::ModifyOrder,
        Intent::ReturnRequest,
        Intent::ReturnStatus,
        Intent::ProductSearch,
        Intent::ProductDetails,
        Intent::Inventory,
        Intent::Shipping,
        Intent::PlaceOrder,
        Intent::Knowledge,
        Intent::Ticket,
        Intent::Escalate,
        Intent::Greeting,
    ];

    /// Example utterances (and the tool's own description) the similarity vote compares with.
    pub fn examples(self) -> &'static [&'static str] {
        match self {
            Intent::OrderStatus => &[
                "Where is my order?",
                "What's the status of order 1013?",
                "Has my order shipped yet?",
                "When will my package arrive?",
                "Track my order",
                "Status, lines and totals of an order",
            ],
            Intent::ListOrders => &[
                "What orders have I placed?",
                "Show me my order history",
                "I forgot my order number",
                "List the orders placed with my email",
            ],
            Intent::CancelOrder => &[
                "Cancel my order",
                "I want to cancel order 1024",
                "Please cancel it, I changed my mind",
                "Stop my order before it ships",
            ],
            Intent::ModifyOrder => &[
                "Change the quantity on my order",
                "Add another pair of earbuds to my order",
                "Remove the hub from my order",
                "Update the delivery address of my order",
                "Change quantities or the delivery address of a pending order",
            ],
            Intent::ReturnRequest => &[
                "I want to return my headphones",
                "Start a return for order 1011",
                "The monitor has dead pixels, I want to send it back",
                "Can I get a refund for this item I bought",
                "Return the keyboard from my order",
            ],
            Intent::ReturnStatus => &[
                "What's the status of my return?",
                "Has my return been approved?",
                "Where is my refund for the returned item?",
                "Status of the returns of an order",
            ],
            Intent::ProductSearch => &[
                "Do you have noise cancelling headphones under $300?",
                "Recommend a monitor for gaming",
                "Show me keyboards",
                "I'm looking for a portable speaker",
                "What cameras do you sell?",
            ],
            Intent::ProductDetails => &[
                "Tell me about the Aurora headphones",
                "What are the specs of the Vista 27 monitor?",
                "How much does the Lumen X1 cost?",
                "Is the BoomGo waterproof?",
            ],
            Intent::Inventory => &[
                "Is the Vortex headset in stock?",
                "Do you have the Lumen X1 available?",
                "How many Pulse Pro earbuds are left?",
                "Whether products are in stock",
            ],
            Intent::Shipping => &[
                "How much is shipping to 60601?",
                "What does it cost to ship a monitor to my ZIP code?",
                "Shipping estimate for two speakers to 10001",
                "Which carriers deliver to my zip and how fast?",
            ],
            Intent::PlaceOrder => &[
                "I want to buy the Aurora headphones",
                "I'd like to order two BoomGo speakers",
                "Place an order for a keyboard",
                "Can I purchase the ultrawide monitor?",
            ],
            Intent::Knowledge => &[
                "What is your return policy?",
                "How long does shipping take?",
                "Which payment methods do you accept?",
                "My headphones won't pair with my phone",
                "How do I set up the soundbar?",
                "Is there a warranty on monitors?",
                "Do you ship internationally?",
                "My monitor shows no signal",
                "The speaker keeps disconnecting",
                "My keyboard stopped working",
            ],
            Intent::Ticket => &[
                "Open a support ticket",
                "I want to report a problem with my order",
                "Please file a complaint",
                "My item arrived with a missing part",
            ],
            Intent::Escalate => &[
                "I want to talk to a human",
                "Get me a manager",
                "Connect me with a real person",
            ],
            Intent::Greeting => &["Hi", "Hello there", "Thanks, that's all", "Good morning"],
        }
    }

    /// The intent a label of `data/intents.tsv` names ("order_status").
    pub fn from_label(label: &str) -> Option<Intent> {
        serde_json::from_value(Value::String(label.to_string())).ok()
    }

    /// Intents a help question overrides: tools that would answer with facts instead of help.
    fn yields_to_help(self) -> bool {
        matches!(
            self,
            Intent::OrderStatus
                | Intent::CancelOrder
                | Intent::ModifyOrder
                | Intent::ReturnRequest
                | Intent::ReturnStatus
                | Intent::ProductSearch
                | Intent::ProductDetails
                | Intent::Inventory
                | Intent::PlaceOrder
        )
    }

    /// Whether the intent ends in an irreversible action (proposed, then confirmed).
    pub fn acts(self) -> bool {
        matches!(
            self,
            Intent::CancelOrder | Intent::ModifyOrder | Intent::ReturnRequest | Intent::PlaceOrder
        )
    }

    /// Whether the intent is about one existing order (and so needs its number and email).
    fn needs_order(self) -> bool {
        matches!(
            self,
            Intent::OrderStatus
                | Intent::CancelOrder
                | Intent::ModifyOrder
                | Intent::ReturnRequest
                | Intent::ReturnStatus
        )
    }
}

/// Slots collected across turns, kept with the conversation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Slots {
    pub order_id: Option<i64>,
    pub email: Option<String>,
    pub zip: Option<String>,
    pub items: Vec<crate::tools::args::ItemArg>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub reason: Option<String>,
    /// The category of the message `reason` came from (classified when it came).
    #[serde(default)]
    pub reason_category: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlannerState {
    /// The intent still waiting for slots or a confirmation.
    pub pending: Option<Intent>,
    pub slots: Slots,
    /// The action card the last reply showed (a typed "yes" answers only that one).
    #[serde(default)]
    pub proposal: Option<String>,
    /// An email a one-time code was sent to, waiting for the customer to type it.
    #[serde(default)]
    pub code_for: Option<String>,
    /// The code was sent to list the customer's orders (what follows once it is typed).
    #[serde(default)]
    pub code_for_list: bool,
    /// The intent whose card the last reply showed: "make that 4" changes that proposal.
    #[serde(default)]
    pub last_action: Option<Intent>,
}

pub struct PlannerReply {
    pub text: String,
    pub suggestions: Vec<String>,
    pub intent: Option<Intent>,
}

pub struct Planner {
    semantic: Option<Arc<Semantic>>,
}

/// Keyword evidence for an intent: strong (0.5) or weak (0.25) boosts on top of similarity.
fn rule_boosts(lower: &str, has_order: bool, has_product: bool) -> Vec<(Intent, f32)> {
    // Typos in the words that carry the request ("cancle", "retrun", "ordr") read as meant;
    // "noise cancelling" is a feature, not a request to cancel anything.
    let lower = &extract::fix_typos(lower)
        .replace("noise-cancel", "noise-reduc")
        .replace("noise cancel", "noise reduc");
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    let question = has(&[
        "policy",
        "how long",
        "how many days",
        "how do i",
        "how does",
        "can i return a",
        "do you",
        "what is your",
        "what's your",
        "is there",
        "are there",
        "do i need",
    ]);
    let mut boosts = Vec::new();
    let mut add = |i: Intent, b: f32| boosts.push((i, b));
    if has(&[
        "human",
        "real person",
        "a manager",
        "supervisor",
        "an agent",
        "someone real",
    ]) {
        add(Intent::Escalate, 0.6);
    }
    if has(&[
        "where is my order",
        "where's my order",
        "status of order",
        "status of my order",
        "order status",
        "track",
        "has my order shipped",
        "shipped yet",
        "when will my order",
        "where is order",
        "status on order",
        "status on my order",
        "my order status",
        "check on order",
        "check on my order",
        "check order",
        "look up order",
        "where's my stuff",
        "where's my package",
        "where is my package",
    ]) || (lower.contains("status") && lower.contains("order") && !lower.contains("return"))
        || (has_order
            && has(&[
                "where is",
                "status",
                "arrive",
                "what's happening",
                "update on",
            ]))
            && !has(&["return", "refund"])
    {
        add(Intent::OrderStatus, 0.5);
    }
    if has(&[
        "my orders",
        "order history",
        "orders have i",
        "orders did i",
        "forgot my order number",
        "don't know my order number",
        "don't have my order number",
        "list my orders",
        "what did i order",
        "new code",
        "another code",
        "resend",
        "send the code",
        "send me a code",
    ]) {
        add(Intent::ListOrders, 0.6);
    }
    let cancels = has(&["cancel"]) && !has(&["cancelled?", "why was", "was cancelled"]);
    if cancels
        || has_order
            && has(&[
                "don't send",
                "dont send",
                "do not send",
                "no longer want",
                "no longer need",
                "don't want it",
                "dont want it",
                "don't need it",
                "dont need it",
                "get rid of",
                "call off",
                "stop the order",
                "stop my order",
            ])
    {
        add(Intent::CancelOrder, 0.6);
    }
    // "I want 2 of them on order 1025, not 1": a new quantity for a named order.
    if has_order
        && has_product
        && !has(&["return", "refund", "cancel", "send back"])
        && crate::extract::wants_quantity(lower)
    {
        add(Intent::ModifyOrder, 0.6);
    }
    // "Cancel just the keyboard from order 1026, keep the rest": a change, not a cancellation.
    if has_order
        && has(&["cancel", "remove", "drop "])
        && has(&[
            "just the",
            "only the",
            "keep the rest",
            "rest of the order",
            "from order",
            "from my order",
        ])
    {
        add(Intent::ModifyOrder, 0.7);
    }
    // A new address for a named order is a change of address, however it is worded.
    if has_order && crate::extract::address(lower).is_some() && !has(&["cancel", "return"]) {
        add(Intent::ModifyOrder, 0.6);
    }
    if has(&[
        "change",
        "modify",
        "update",
        "add another",
        "add one more",
        "add a",
        "one more",
        "drop ",
        "take off",
        "take out",
        "phone",
        "added",
        "an extra",
        "remove",
        "instead of",
        "different address",
        "new address",
        "wrong address",
    ]) && (has_order || has(&["order", "address", "quantity"]))
        && !has(&["return", "email on my account"])
    {
        add(Intent::ModifyOrder, 0.5);
    }
    if has(&[
        "status of my return",
        "return status",
        "my return",
        "refund status",
        "return been",
        "returns of",
        "where is my refund",
        "refund yet",
        "my refund",
        "refund been",
        "been processed",
        "been approved",
        "been refunded",
        "update on my return",
        "update on the return",
        "news on my return",
        "return get rejected",
        "return rejected",
        "return was rejected",
    ]) && !has(&["want to return", "start a return", "like to return"])
    {
        add(Intent::ReturnStatus, 0.55);
    }
    let asks_return_status = has(&[
        "update on my return",
        "update on the return",
        "news on my return",
        "status of my return",
        "return status",
        "return get rejected",
        "return rejected",
        "return was rejected",
    ]);
    if !asks_return_status
        && (has(&[
            "return",
            "send it back",
            "send them back",
            "give back",
            "take back",
            "take it back",
            "bring back",
            "send back",
            "refund for",
            "money back",
        ]) || has_order && has(&["a refund", "refund it", "my money"]))
        && (has_order || !question)
        && !has(&[
            "return status",
            "status of my return",
            "my return been",
            "return been",
            "my refund",
            "refund been",
            "been processed",
            "been approved",
        ])
    {
        add(
            Intent::ReturnRequest,
            if has_order || has(&["want to", "like to", "start", "please", "need to"]) {
                0.5
            } else {
                0.25
            },
        );
    }
    if has(&[
        "in stock",
        "available",
        "stock",
        "how many left",
        "sold out",
    ]) {
        add(Intent::Inventory, 0.5);
    }
    if has(&[
        "shipping to",
        "ship to",
        "cost to ship",
        "shipping cost",
        "shipping estimate",
        "deliver to",
        "delivery to",
        "how much is shipping",
        "how much to ship",
        "shipping for",
        "shipping on",
        "whats shipping",
        "what's shipping",
        "ship the",
    ]) && !question
    {
        add(Intent::Shipping, 0.5);
    }
    if extract::zip(lower).is_some()
        && has(&[
            "ship",
            "deliver",
            "shipping",
            "how many days",
            "how long",
            "how fast",
            "arrive",
            "get it to",
            "get a ",
            "get one to",
            "send",
            "cost",
        ])
        && !has_order
        && !has(&["buy", "purchase", "to order"])
    {
        add(Intent::Shipping, 0.55);
    }
    if lower.trim_start().starts_with("any ") && !has_order {
        add(Intent::ProductSearch, 0.45);
    }
    // "Which camera can go underwater?": a choice among a kind of product.
    if lower.trim_start().starts_with("which ")
        && crate::extract::category(lower).is_some()
        && !has_order
    {
        add(Intent::ProductSearch, 0.55);
    }
    let buys = has(&[
        "buy",
        "purchase",
        "i'd like to order",
        "i want to order",
        "place an order",
        "order a ",
        "order two",
        "order one",
        "i'll take",
        "i will take",
    ]) && !has_order;
    if buys
        || (has_product
            && !has_order
            && has(&[
                "i'd like two",
                "i'd like one",
                "i'd like a ",
                "id like two",
                "id like one",
                "id like a ",
                "i want two",
                "i want one",
                "i'll have",
                "can i get two",
                "can i get one",
                "i need two",
                "i need one",
                "get me two",
                "get me one",
            ])
            && !has(&["?", "how much", "price"]))
    {
        add(Intent::PlaceOrder, 0.55);
    }
    if has(&[
        "looking for",
        "recommend",
        "suggest",
        "do you sell",
        "do you have any",
        "show me",
        "cheapest",
        "best ",
        "under $",
        "below $",
        "options for",
        "i want a ",
        "hook ",
        "connect to my",
        "work with my",
        "works with my",
        "something for",
        "i need a ",
        "need some ",
        "want some ",
        "budget",
        " that can ",
        " that charges",
        " that works",
        " one that ",
    ]) && !has_order
    {
        add(Intent::ProductSearch, 0.45);
    }
    if has_product
        && has(&[
            "spec",
            "tell me about",
            "what is the",
            "does the",
            "is the",
            "how much is the",
            "how much does",
            "price of",
            "compatible",
            "waterproof",
            "battery",
            "weigh",
            "support",
        ])
    {
        add(Intent::ProductDetails, 0.45);
    }
    if question
        || has(&[
            "policy",
            "warranty",
            "won't",
            "doesn't",
            "not working",
            "how to",
            "set up",
            "setup",
            "pair",
            "troubleshoot",
            "payment",
            "privacy",
            "international",
            "flicker",
            "no sound",
            "reset",
            "free shipping",
            "disconnect",
            "blinking",
            "no signal",
            "won't turn on",
            "doesn't turn on",
            "not charging",
            "stopped working",
            "keeps",
            "how can i",
            "error",
        ])
    {
        add(Intent::Knowledge, 0.35);
    }
    if has(&["ticket", "complaint", "report a problem"]) {
        add(Intent::Ticket, 0.6);
    } else if !has(&["how do", "how can", "how to", "can i", "what "])
        && has(&[
            "warranty claim",
            "claim on the warranty",
            "claim under warranty",
            "missing from the box",
            "wasn't in the box",
            "wasnt in the box",
            "was not in the box",
            "not in the box",
            "missing from my order",
            "delete my data",
            "delete all my",
            "erase my data",
            "remove my data",
            "delete my personal",
            "delete my account",
            "wrong item",
            "log it",
            "log this",
            "please log",
            "damaged in shipping",
            "damaged in transit",
            "came with the wrong",
            "sent the wrong",
            "sent me the wrong",
            "got the wrong",
            "wrong color",
            "wrong colour",
            "wrong size",
            "wrong product",
        ])
    {
        add(Intent::Ticket, 0.65);
    } else if !has(&["return", "refund", "send back", "send it back", "exchange"])
        && has(&[
            "missing part",
            "missing screws",
            "without the",
            "arrived damaged",
            "arrived broken",
            "arrived with a",
            "cracked",
            "scratched",
            "shattered",
            "dented",
        ])
    {
        add(Intent::Ticket, 0.45);
    }
    let greeting = [
        "hi",
        "hello",
        "hey",
        "thanks",
        "thank you",
        "good morning",
        "good afternoon",
    ];
    if greeting
        .iter()
        .any(|g| lower.trim_end_matches(['!', '.', ' ']) == *g)
    {
        add(Intent::Greeting, 0.8);
    }
    boosts
}

fn money_line(label: &str, value: &Value) -> String {
    format!("{label}: {}", value.as_str().unwrap_or("?"))
}

use crate::actions::s;

impl Planner {
    pub fn new(semantic: Option<Arc<Semantic>>) -> Planner {
        Planner { semantic }
    }

    pub fn label(&self) -> &'static str {
        if self.semantic.is_some() {
            "offline planner (MiniLM + rules)"
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
        let mut scores: Vec<(Intent, f32)> = match &self.semantic {
            Some(semantic) => semantic.intent_scores(text).await,
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
        // Similarity alone below this is a guess: search the help center instead.
        let threshold = if boosts.is_empty() { 0.5 } else { 0.3 };
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
        let parts = extract::split_requests(text);
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
            && extract::is_help_question(text)
        {
            Intent::Knowledge
        } else {
            intent
        };
        let stance = extract::stance(text);
        let mut intent = intent;
        // Right after a card, a changed detail ("make that 4", a new address) changes the
        // proposal: a new card replaces the old one.
        if let Some(last) = state.last_action.take()
            && state.proposal.is_some()
            && extract::amends(text)
        {
            intent = last;
            fresh = false;
        }
        // A help question ("is this hiss normal?", "warranty on the camera?", "won't connect")
        // is answered from the knowledge base, even when it names a product or an order.
        // A question about how things work (no order named) is a help question even when it
        // uses an action word ("what's the return window for speakers?").
        let general_question = found_order.is_none() && extract::is_question(text);
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
            && extract::is_help_question(text)
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

    async fn order_intent(
        &self,
        intent: Intent,
        text: &str,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
        catalogue: &Catalogue,
    ) -> PlannerReply {
        debug_assert!(intent.needs_order());
        let slots = &state.slots;
        let Some(order_id) = slots.order_id else {
            state.pending = Some(intent);
            let proven = slots.email.as_deref().is_some_and(|e| {
                runner
                    .session
                    .proven_email
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(e))
            });
            if proven {
                let mut reply = self.list_orders(text, state, runner).await;
                state.pending = Some(intent);
                reply.text.push_str("\nWhich order do you mean?");
                return reply;
            }
            return PlannerReply {
                text: "Sure — what is the order number? I'll also need the email address used to place the order. If you don't have the number, I can email you a one-time code and then list your orders.".into(),
                suggestions: vec!["I don't have my order number".into()],
                intent: None,
            };
        };
        let Some(email) = slots.email.clone() else {
            state.pending = Some(intent);
            return PlannerReply {
                text: format!(
                    "To protect your account, I need the email address used to place order {order_id} before I can look at it or change it."
                ),
                suggestions: Vec::new(),
                intent: None,
            };
        };
        let base = json!({"order_id": order_id, "email": email});
        let reply = self
            .order_action(intent, text, order_id, base, state, runner, catalogue)
            .await;
        // A refused identity leaves the question open: the customer may correct the email.
        if runner
            .outcomes
            .last()
            .is_some_and(|(_, o)| o.error_kind.as_deref() == Some("identity"))
        {
            state.pending = Some(intent);
        }
        reply
    }

    #[allow(clippy::too_many_arguments)]
    async fn order_action(
        &self,
        intent: Intent,
        text: &str,
        order_id: i64,
        base: Value,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
        catalogue: &Catalogue,
    ) -> PlannerReply {
        let slots = state.slots.clone();
        match intent {
            Intent::OrderStatus => {
                state.pending = None;
                let outcome = runner.call("get_order_status", base).await;
                if !outcome.ok {
                    return refusal_reply(&outcome);
                }
                let o = &outcome.result;
                let mut t = format!(
                    "Order {} is **{}** ({}).\n\n",
                    s(o, "order_id"),
                    s(o, "status"),
                    s(o, "next_step")
                );
                push_lines(&mut t, o, "line_total", "");
                let _ = write!(
                    t,
                    "\n{} · {} · **{}**\n\nPlaced {}",
                    money_line("Subtotal", &o["subtotal"]),
                    money_line("Shipping", &o["shipping"]),
                    money_line("Total", &o["total"]),
                    s(o, "placed")
                );
                if let Some(d) = o.get("delivered").and_then(Value::as_str) {
                    let _ = write!(t, ", delivered {d}");
                }
                let _ = write!(t, ". Shipping to {}.", s(o, "ship_to"));
                let status = s(o, "status");
                let suggestions = match status.as_str() {
                    "pending" => vec![
                        "Cancel this order".into(),
                        "Change the delivery address".into(),
                    ],
                    "processing" => vec!["Cancel this order".into()],
                    "delivered" => vec!["Start a return".into(), "Status of my return".into()],
                    _ => vec!["Talk to a human".into()],
                };
                PlannerReply {
                    text: t,
                    suggestions,
                    intent: None,
                }
            }
            Intent::CancelOrder => {
                state.pending = None;
                let outcome = runner.call("cancel_order", base).await;
                if !outcome.ok {
                    let mut reply = refusal_reply(&outcome);
                    if outcome
                        .error
                        .as_deref()
                        .is_some_and(|e| e.contains("shipped") || e.contains("delivered"))
                    {
                        reply.text.push_str("\n\nA shipped order can't be cancelled: once it's delivered you can return it within the return window for a refund of the price you paid.");
                        reply.suggestions = vec!["What is your return policy?".into()];
                    }
                    return reply;
                }
                proposal_reply(&outcome)
            }
            Intent::ModifyOrder => {
                let mut args = base.as_object().cloned().unwrap_or_default();
                let mut changed = false;
                if let Some(phone) = extract::phone(text) {
                    args.insert("phone".into(), json!(phone));
                    changed = true;
                }
                if let Some(street) = &slots.street {
                    args.insert("street".into(), json!(street));
                    args.insert("city".into(), json!(slots.city));
                    args.insert("state".into(), json!(slots.state));
                    args.insert("zip".into(), json!(slots.zip));
                    changed = true;
                }
                let mut mentioned = extract::items(text, catalogue);
                // "make that 4" names no product: it is about the one being changed.
                if mentioned.is_empty() && extract::target_quantity(text).is_some() {
                    mentioned = slots.items.clone();
                }
                // "the keyboard" names a kind of product: the order's one line of that kind.
                if mentioned.is_empty()
                    && let Some(kind) = extract::category(text)
                    && let Ok(Some(order)) = runner.toolbox().store.order_detail(order_id).await
                {
                    let lines: Vec<_> = order.lines.iter().filter(|l| l.category == kind).collect();
                    if let [line] = lines.as_slice() {
                        mentioned = vec![crate::tools::args::ItemArg {
                            product_id: line.product_id,
                            quantity: line.quantity,
                        }];
                    }
                }
                if !mentioned.is_empty() {
                    let lower = text.to_lowercase();
                    // The current order tells "add one more" from "make it 3".
                    let current = runner
                        .toolbox()
                        .store
                        .order_detail(order_id)
                        .await
                        .ok()
                        .flatten();
                    let mut items = Vec::new();
                    for m in &mentioned {
                        let had = current
                            .as_ref()
                            .and_then(|o| o.lines.iter().find(|l| l.product_id == m.product_id))
                            .map(|l| l.quantity)
                            .unwrap_or(0);
                        let quantity = if lower.contains("remove")
                            || lower.contains("drop ")
                            || lower.contains("take off")
                            || lower.contains("cancel")
                        {
                            0
                        } else if let Some(q) = extract::target_quantity(text) {
                            q
                        } else if lower.contains("add")
                            || lower.contains("another")
                            || lower.contains("more")
                        {
                            had + m.quantity
                        } else {
                            m.quantity
                        };
                        items.push(json!({"product_id": m.product_id, "quantity": quantity}));
                    }
                    args.insert("items".into(), Value::Array(items));
                    changed = true;
                }
                if !changed {
                    state.pending = Some(Intent::ModifyOrder);
                    return PlannerReply {
                        text: format!(
                            "What would you like to change on order {order_id}? You can change quantities (e.g. \"make the earbuds 2\"), remove a product, or give a new address as \"street, city, ST 12345\"."
                        ),
                        suggestions: Vec::new(),
                        intent: None,
                    };
                }
                state.pending = None;
                let outcome = runner.call("modify_order", Value::Object(args)).await;
                if !outcome.ok {
                    return refusal_reply(&outcome);
                }
                proposal_reply(&outcome)
            }
            Intent::ReturnRequest => {
                state.pending = None;
                let mut args = base.as_object().cloned().unwrap_or_default();
                let mentioned = extract::items(text, catalogue);
                let items: Vec<Value> = if mentioned.is_empty() {
                    state.slots.items.iter()
                } else {
                    mentioned.iter()
                }
                .map(|i| json!({"product_id": i.product_id, "quantity": i.quantity}))
                .collect();
                if !items.is_empty() {
                    args.insert("items".into(), Value::Array(items));
                }
                let reason = state
                    .slots
                    .reason
                    .clone()
                    .unwrap_or_else(|| "Requested in the support chat".to_string());
                args.insert("reason".into(), json!(reason));
                let outcome = runner.call("initiate_return", Value::Object(args)).await;
                if !outcome.ok {
                    let mut reply = refusal_reply(&outcome);
                    if outcome
                        .error
                        .as_deref()
                        .is_some_and(|e| e.contains("within"))
                    {
                        let kb = runner.call("search_knowledge_base", json!({"query": "return window by category and warranty after the window", "audience": "customer", "category": "returns"})).await;
                        reply.text.push_str("\n\nIf it has a fault, it is still covered by the manufacturer warranty, and I can open a warranty ticket for you.");
                        if let Some(p) = kb
                            .result
                            .get("passages")
                            .and_then(Value::as_array)
                            .and_then(|p| p.first())
                        {
                            runner.cite(&s(p, "id"));
                            let _ = write!(reply.text, "\n\n> {} [1]", s(p, "content"));
                        }
                        reply.suggestions =
                            vec!["Open a warranty ticket".into(), "Talk to a human".into()];
                    }
                    return reply;
                }
                proposal_reply(&outcome)
            }
            Intent::ReturnStatus => {
                state.pending = None;
                let outcome = runner.call("get_return_status", base).await;
                if !outcome.ok {
                    return refusal_reply(&outcome);
                }
                let r = &outcome.result;
                let returns = r
                    .get("returns")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if returns.is_empty() {
                    return PlannerReply {
                        text: format!(
                            "There are no returns on order {} yet. Would you like to start one?",
                            s(r, "order_id")
                        ),
                        suggestions: vec!["Start a return".into()],
                        intent: None,
                    };
                }
                let mut t = format!("Returns for order {}:\n\n", s(r, "order_id"));
                for ret in &returns {
                    let _ = writeln!(
                        t,
                        "- Return {} — **{}** — refund {} ({})",
                        s(ret, "return_id"),
                        s(ret, "status"),
                        s(ret, "refund"),
                        s(ret, "reason")
                    );
                }
                if returns.iter().any(|r| s(r, "status") == "approved") {
                    t.push_str("\nApproved refunds go back to the original payment method; banks take 5–10 business days to show them.");
                }
                PlannerReply {
                    text: t,
                    suggestions: Vec::new(),
                    intent: None,
                }
            }
            _ => PlannerReply {
                text: String::new(),
                suggestions: Vec::new(),
                intent: None,
            },
        }
    }

    async fn list_orders(
        &self,
        text: &str,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
    ) -> PlannerReply {
        let wants_list = extract::asks_for_order_list(text) || state.code_for_list;
        let Some(email) = state.slots.email.clone() else {
            state.pending = Some(Intent::ListOrders);
            return PlannerReply {
                text: "What email address did you use for your orders? I'll email a one-time code to it to make sure it's yours.".into(),
                suggestions: Vec::new(),
                intent: None,
            };
        };
        state.pending = None;
        let proven = runner
            .session
            .proven_email
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case(&email));
        if !proven && !wants_list {
            // "I want to know about my order": the number is the simple way; the code is offered.
            state.pending = Some(Intent::OrderStatus);
            return PlannerReply {
                text: "Sure — what is the order number? If you don't have it, I can email a one-time code to your address and then list your orders.".into(),
                suggestions: vec!["I don't have my order number".into()],
                intent: None,
            };
        }
        if !proven {
            // Knowing an address proves nothing: a code mailed to it does.
            let sent = runner
                .call("send_verification_code", json!({"email": email}))
                .await;
            if !sent.ok {
                return refusal_reply(&sent);
            }
            state.code_for = Some(email);
            state.code_for_list = true;
            let demo = s(&sent.result, "delivery") == crate::tools::mail::DEMO_INBOX;
            return PlannerReply {
                text: format!(
                    "To keep your orders private, I've emailed a 6-digit code to {}. Type it here and I'll list your orders (it expires in 10 minutes).{}",
                    s(&sent.result, "sent_to"),
                    if demo {
                        " This demo sends no real email: the message is in the [demo inbox](/support/inbox)."
                    } else {
                        ""
                    }
                ),
                suggestions: vec!["Send a new code".into()],
                intent: None,
            };
        }
        let outcome = runner
            .call("list_customer_orders", json!({"email": email}))
            .await;
        if !outcome.ok {
            return refusal_reply(&outcome);
        }
        let orders = outcome
            .result
            .get("orders")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if orders.is_empty() {
            return PlannerReply {
                text: format!(
                    "I couldn't find any orders for {email}. Could you check the address, or did you use another email?"
                ),
                suggestions: Vec::new(),
                intent: None,
            };
        }
        let mut t = format!("Orders for {email}:\n\n");
        for o in &orders {
            let _ = writeln!(
                t,
                "- Order {} — {} — {} ({} item(s), placed {})",
                s(o, "order_id"),
                s(o, "status"),
                s(o, "total"),
                s(o, "items"),
                s(o, "placed")
            );
        }
        PlannerReply {
            text: t,
            suggestions: orders
                .iter()
                .take(3)
                .map(|o| format!("Status of order {}", s(o, "order_id")))
                .collect(),
            intent: None,
        }
    }

    /// The one-time code the customer was asked to type, when this message carries it.
    async fn code_step(
        &self,
        text: &str,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
    ) -> Option<PlannerReply> {
        let email = state.code_for.clone()?;
        let code = extract::one_time_code(text)?;
        let outcome = runner
            .call("verify_email_code", json!({"email": email, "code": code}))
            .await;
        if !outcome.ok {
            let message = outcome.error.clone().unwrap_or_default();
            if !message.contains("attempt(s) left") {
                state.code_for = None;
            }
            return Some(PlannerReply {
                text: message,
                suggestions: vec!["Send a new code".into()],
                intent: None,
            });
        }
        state.code_for = None;
        state.slots.email = Some(email);
        state.code_for_list = false;
        let mut reply = self.list_orders(text, state, runner).await;
        reply.text = format!("Thanks — your email is confirmed.\n\n{}", reply.text);
        Some(reply)
    }

    /// "What if I cancelled…", or a request quoted, translated or reported: facts, no action.
    async fn hypothetical(
        &self,
        intent: Intent,
        text: &str,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
    ) -> PlannerReply {
        let topic = match intent {
            Intent::CancelOrder => "cancelling an order and when the refund arrives",
            Intent::ModifyOrder => "changing an order's items or address before it ships",
            _ => "return policy, return window and refunds",
        };
        let mut reply = self
            .knowledge(&format!("{text} ({topic})"), runner, None)
            .await;
        let mut facts = String::new();
        if let (Some(order_id), Some(email)) = (state.slots.order_id, state.slots.email.clone()) {
            let o = runner
                .call(
                    "get_order_status",
                    json!({"order_id": order_id, "email": email}),
                )
                .await;
            if o.ok {
                let status = s(&o.result, "status");
                let _ = write!(
                    facts,
                    "Order {order_id} is **{status}** ({}); its total is {}.\n\n",
                    s(&o.result, "next_step"),
                    s(&o.result, "total")
                );
            }
        }
        let verb = match intent {
            Intent::CancelOrder => "cancel order 1024",
            Intent::ModifyOrder => "change order 1024",
            _ => "return the speaker from order 1012",
        };
        reply.text = format!(
            "Nothing has been changed — here's how it works.\n\n{facts}{}\n\nIf you decide to go ahead, just tell me (for example \"{verb}\" with your email) and I'll show you exactly what will happen before anything changes.",
            reply.text
        );
        reply
    }

    async fn product_search(&self, text: &str, runner: &mut ToolRunner<'_>) -> PlannerReply {
        let mut args = Map::new();
        let (min, max) = extract::price_range(text);
        if let Some(c) = extract::category(text) {
            args.insert("category".into(), json!(c));
        }
        if let Some(min) = min {
            args.insert("min_price".into(), json!(min));
        }
        if let Some(max) = max {
            args.insert("max_price".into(), json!(max));
        }
        // What customers say for a feature the catalogue names otherwise.
        let text = &text
            .to_lowercase()
            .replace("underwater", "waterproof")
            .replace("under water", "waterproof")
            .replace("swimming", "waterproof")
            .replace("diving", "waterproof");
        let words: Vec<String> = kb::keyword::terms(text)
            .into_iter()
            .filter(|w| w.chars().any(char::is_alphabetic) && !SEARCH_NOISE.contains(&w.as_str()))
            .collect();
        if !words.is_empty() && !args.contains_key("category") {
            args.insert("query".into(), json!(words.join(" ")));
        } else if args.contains_key("category") {
            // Features ("noise cancelling", "wireless") narrow within the category.
            let features: Vec<&String> = words
                .iter()
                .filter(|w| FEATURES.contains(&w.as_str()))
                .collect();
            if !features.is_empty() {
                args.insert(
                    "query".into(),
                    json!(
                        features
                            .iter()
                            .map(|w| w.as_str())
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                );
            }
        }
        let outcome = runner.call("search_products", Value::Object(args)).await;
        if !outcome.ok {
            return refusal_reply(&outcome);
        }
        let products = outcome
            .result
            .get("products")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if products.is_empty() {
            return PlannerReply { text: "I couldn't find a product matching that. We sell headphones, cameras, monitors, keyboards, speakers and accessories — could you describe what you need differently, or widen the budget?".into(), suggestions: vec!["Show me headphones".into(), "Show me monitors".into()], intent: None };
        }
        let mut t = String::from("Here's what I found:\n\n");
        for p in products.iter().take(5) {
            let stock = if p.get("in_stock").and_then(Value::as_bool) == Some(true) {
                "in stock".to_string()
            } else {
                "out of stock".to_string()
            };
            let _ = writeln!(t, "- **{}** — {} ({})", s(p, "name"), s(p, "price"), stock);
        }
        if products.len() > 5 {
            let _ = write!(t, "\n…and {} more.", products.len() - 5);
        }
        let suggestions = products
            .iter()
            .take(2)
            .map(|p| format!("Tell me about the {}", s(p, "name")))
            .collect();
        PlannerReply {
            text: t,
            suggestions,
            intent: None,
        }
    }

    async fn product_details(
        &self,
        text: &str,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
        catalogue: &Catalogue,
    ) -> PlannerReply {
        state.pending = None;
        let Some(product) = pick_product(text, state, catalogue) else {
            return self.knowledge(text, runner, None).await;
        };
        let outcome = runner
            .call("get_product_details", json!({"product_id": product}))
            .await;
        if !outcome.ok {
            return refusal_reply(&outcome);
        }
        let p = outcome.result.clone();
        let mut t = format!(
            "**{}** — {} · {}\n\n{}\n\nSpecifications: {}",
            s(&p, "name"),
            s(&p, "price"),
            if s(&p, "in_stock") == "true" {
                format!("{} in stock", s(&p, "stock"))
            } else {
                "out of stock".into()
            },
            s(&p, "description"),
            s(&p, "specifications")
        );
        // A specific question ("is it waterproof?") gets the product's help-center passage too.
        let lower = text.to_lowercase();
        if lower.contains('?')
            || lower.starts_with("does")
            || lower.starts_with("is ")
            || lower.starts_with("can")
        {
            let kb = runner
                .call(
                    "search_knowledge_base",
                    json!({"query": text, "category": s(&p, "category")}),
                )
                .await;
            if let Some(passage) = kb
                .result
                .get("passages")
                .and_then(Value::as_array)
                .and_then(|ps| ps.first())
            {
                runner.cite(&s(passage, "id"));
                let _ = write!(t, "\n\n{} [1]", s(passage, "content"));
            }
        }
        PlannerReply {
            text: t,
            suggestions: vec![
                format!("Is the {} in stock?", s(&p, "name")),
                "Estimate shipping".into(),
            ],
            intent: None,
        }
    }

    async fn inventory(
        &self,
        text: &str,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
        catalogue: &Catalogue,
    ) -> PlannerReply {
        let mentioned = extract::items(text, catalogue);
        let ids: Vec<i64> = if mentioned.is_empty() {
            state.slots.items.iter().map(|i| i.product_id).collect()
        } else {
            mentioned.iter().map(|i| i.product_id).collect()
        };
        if ids.is_empty() {
            state.pending = Some(Intent::Inventory);
            return PlannerReply {
                text: "Which product would you like me to check?".into(),
                suggestions: Vec::new(),
                intent: None,
            };
        }
        state.pending = None;
        let outcome = runner
            .call("check_inventory", json!({"product_ids": ids}))
            .await;
        if !outcome.ok {
            return refusal_reply(&outcome);
        }
        let mut t = String::new();
        let mut out_of_stock_category = None;
        for p in outcome
            .result
            .get("products")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let stock = p.get("stock").and_then(Value::as_i64).unwrap_or(0);
            if stock == 0 {
                let _ = writeln!(t, "- **{}** is out of stock right now.", s(&p, "name"));
                out_of_stock_category = Some(s(&p, "category"));
            } else if stock < 5 {
                let _ = writeln!(
                    t,
                    "- **{}** is in stock, but only {stock} left.",
                    s(&p, "name")
                );
            } else {
                let _ = writeln!(
                    t,
                    "- **{}** is in stock ({stock} available).",
                    s(&p, "name")
                );
            }
        }
        if let Some(category) = out_of_stock_category {
            let alternatives = runner
                .call(
                    "search_products",
                    json!({"category": category, "in_stock_only": true}),
                )
                .await;
            let names: Vec<String> = alternatives
                .result
                .get("products")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
                .iter()
                .take(3)
                .map(|p| format!("{} ({})", s(p, "name"), s(p, "price")))
                .collect();
            if !names.is_empty() {
                let _ = write!(
                    t,
                    "\nSimilar products that are available: {}.",
                    names.join(", ")
                );
            }
        }
        PlannerReply {
            text: t,
            suggestions: vec!["Estimate shipping".into()],
            intent: None,
        }
    }

    async fn shipping(
        &self,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
    ) -> PlannerReply {
        let slots = &state.slots;
        if slots.items.is_empty() || slots.zip.is_none() {
            state.pending = Some(Intent::Shipping);
            let ask = match (slots.items.is_empty(), slots.zip.is_none()) {
                (true, true) => "Which products would you like to ship, and to which ZIP code?",
                (true, false) => "Which products (and how many) would you like to ship?",
                _ => "To which ZIP code?",
            };
            return PlannerReply {
                text: ask.into(),
                suggestions: Vec::new(),
                intent: None,
            };
        }
        state.pending = None;
        let items: Vec<Value> = slots
            .items
            .iter()
            .map(|i| json!({"product_id": i.product_id, "quantity": i.quantity}))
            .collect();
        let outcome = runner
            .call(
                "estimate_shipping",
                json!({"zip": slots.zip, "items": items}),
            )
            .await;
        if !outcome.ok {
            return refusal_reply(&outcome);
        }
        let r = &outcome.result;
        let mut t = format!("Shipping {} lb to {}:\n\n", s(r, "weight_lb"), s(r, "zip"));
        for o in r
            .get("options")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let _ = writeln!(
                t,
                "- {} {} — {} ({} day(s))",
                s(&o, "carrier"),
                s(&o, "service"),
                s(&o, "price"),
                s(&o, "estimated_days")
            );
        }
        let _ = write!(
            t,
            "\nCheapest: {}. Fastest: {}. For your order itself, shipping is **{}** (orders of $500 or more ship free; smaller ones pay a flat $9.99).",
            s(r, "cheapest"),
            s(r, "fastest"),
            s(r, "store_shipping_charge")
        );
        PlannerReply {
            text: t,
            suggestions: vec!["Place this order".into()],
            intent: None,
        }
    }

    async fn place_order(
        &self,
        text: &str,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
        catalogue: &Catalogue,
    ) -> PlannerReply {
        // "make it 2" with one product in the basket changes its quantity.
        let named = extract::items(text, catalogue);
        if named.is_empty()
            && state.slots.items.len() == 1
            && let Some(q) = extract::target_quantity(text)
            && (1..=20).contains(&q)
        {
            state.slots.items[0].quantity = q;
        }
        // New products named in this message replace or join the basket.
        for item in named {
            match state
                .slots
                .items
                .iter_mut()
                .find(|i| i.product_id == item.product_id)
            {
                Some(existing) => existing.quantity = item.quantity,
                None => state.slots.items.push(item),
            }
        }
        let slots = &state.slots;
        let mut args = Map::new();
        args.insert(
            "items".into(),
            json!(
                slots
                    .items
                    .iter()
                    .map(|i| json!({"product_id": i.product_id, "quantity": i.quantity}))
                    .collect::<Vec<_>>()
            ),
        );
        for (key, value) in [
            ("name", &slots.name),
            ("email", &slots.email),
            ("phone", &slots.phone),
            ("street", &slots.street),
            ("city", &slots.city),
            ("state", &slots.state),
            ("zip", &slots.zip),
        ] {
            if let Some(v) = value {
                args.insert(key.into(), json!(v));
            }
        }
        state.pending = Some(Intent::PlaceOrder);
        let outcome = runner
            .call("draft_order", Value::Object(args.clone()))
            .await;
        if !outcome.ok {
            return refusal_reply(&outcome);
        }
        let d = &outcome.result;
        let missing: Vec<String> = d
            .get("missing")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        let problems: Vec<String> = d
            .get("problems")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        let mut t = String::new();
        if let Some(lines) = d
            .get("lines")
            .and_then(Value::as_array)
            .filter(|l| !l.is_empty())
        {
            t.push_str("Your order so far:\n\n");
            for l in lines {
                let _ = writeln!(
                    t,
                    "- {} × {} — {}",
                    s(l, "quantity"),
                    s(l, "name"),
                    s(l, "line_total")
                );
            }
            let _ = writeln!(
                t,
                "\nSubtotal {} · shipping {} · **total {}**\n",
                s(d, "subtotal"),
                s(d, "shipping"),
                s(d, "total")
            );
        }
        if !problems.is_empty() {
            let _ = write!(t, "There's a problem: {}.", problems.join("; "));
            return PlannerReply {
                text: t,
                suggestions: Vec::new(),
                intent: None,
            };
        }
        if missing.is_empty() {
            // Everything is known: the order becomes a proposal the customer confirms.
            state.pending = None;
            let proposed = runner.call("place_order", Value::Object(args)).await;
            if !proposed.ok {
                return refusal_reply(&proposed);
            }
            return proposal_reply(&proposed);
        }
        let wanted: Vec<&str> = missing
            .iter()
            .map(|m| match m.as_str() {
                "items" => "which products (and how many)",
                "name" => "your full name (\"my name is …\")",
                "email" => "your email",
                "phone" => "a phone number",
                "street" | "city" | "state" | "zip" => {
                    "the delivery address as \"street, city, ST 12345\""
                }
                _ => "more details",
            })
            .collect();
        let mut wanted_unique: Vec<&str> = Vec::new();
        for w in wanted {
            if !wanted_unique.contains(&w) {
                wanted_unique.push(w);
            }
        }
        let _ = write!(t, "To place it I still need {}.", wanted_unique.join(", "));
        PlannerReply {
            text: t,
            suggestions: Vec::new(),
            intent: None,
        }
    }

    async fn knowledge(
        &self,
        text: &str,
        runner: &mut ToolRunner<'_>,
        category: Option<&str>,
    ) -> PlannerReply {
        let mut args = json!({"query": text, "audience": "customer"});
        if let Some(c) = category {
            args["category"] = json!(c);
        }
        let outcome = runner.call("search_knowledge_base", args).await;
        if !outcome.ok {
            return refusal_reply(&outcome);
        }
        let passages = outcome
            .result
            .get("passages")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let relevant: Vec<&Value> = passages
            .iter()
            .filter(|p| p.get("score").and_then(Value::as_f64).unwrap_or(0.0) >= 0.35)
            .collect();
        let Some(best) = relevant.first() else {
            return PlannerReply {
                text: "I couldn't find an answer to that in our help center. I can open a ticket so the team follows up, or hand you to a person.".into(),
                suggestions: vec!["Open a support ticket".into(), "Talk to a human".into()],
                intent: None,
            };
        };
        runner.cite(&s(best, "id"));
        let mut t = format!("{} [1]", s(best, "content"));
        let best_score = best.get("score").and_then(Value::as_f64).unwrap_or(0.0);
        if let Some(second) = relevant.get(1)
            && second.get("score").and_then(Value::as_f64).unwrap_or(0.0) >= best_score - 0.1
        {
            runner.cite(&s(second, "id"));
            let _ = write!(t, "\n\n{} [2]", s(second, "content"));
        }
        PlannerReply {
            text: t,
            suggestions: vec!["Talk to a human".into()],
            intent: None,
        }
    }

    async fn ticket(
        &self,
        text: &str,
        classification: &Classification,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
    ) -> PlannerReply {
        let Some(email) = state.slots.email.clone() else {
            state.pending = Some(Intent::Ticket);
            if state.slots.reason.is_none() {
                state.slots.reason = Some(text.to_string());
                state.slots.reason_category = Some(classification.category.clone());
            }
            return PlannerReply { text: "I'll open a ticket for the team. What email address should they reply to (and the order number, if it's about an order)?".into(), suggestions: Vec::new(), intent: None };
        };
        state.pending = None;
        // The problem as first described (an earlier message, classified when it came), or this one.
        let (description, category) = match (&state.slots.reason, &state.slots.reason_category) {
            (Some(reason), Some(category)) if reason.len() > text.len() => {
                (reason.clone(), category.clone())
            }
            _ => (text.to_string(), classification.category.clone()),
        };
        let mut args = json!({"email": email, "subject": crate::classify::summarize(&description), "description": description, "category": category, "priority": "medium"});
        if let Some(id) = state.slots.order_id {
            args["order_id"] = json!(id);
        }
        if let Some(name) = &state.slots.name {
            args["name"] = json!(name);
        }
        let outcome = runner.call("create_support_ticket", args).await;
        if !outcome.ok {
            return refusal_reply(&outcome);
        }
        PlannerReply {
            text: format!(
                "I've opened ticket **{}** for the {} team; they'll reply by email. Is there anything else?",
                s(&outcome.result, "ticket_id"),
                s(&outcome.result, "team")
            ),
            suggestions: Vec::new(),
            intent: None,
        }
    }

    async fn escalate(
        &self,
        text: &str,
        classification: &Classification,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
    ) -> PlannerReply {
        state.pending = None;
        let reason = classification
            .escalation_reason
            .clone()
            .unwrap_or_else(|| "customer asked for a person".into());
        escalate_with(runner, state, text, &reason, "high").await
    }
}

/// Words of a request that say nothing about the product wanted.
const SEARCH_NOISE: &[&str] = &[
    "looking",
    "recommend",
    "suggest",
    "sell",
    "show",
    "cheapest",
    "best",
    "under",
    "below",
    "over",
    "need",
    "want",
    "like",
    "good",
    "some",
    "something",
    "option",
    "product",
    "buy",
    "dollar",
    "price",
    "between",
    "budget",
    "less",
    "than",
    "more",
    "please",
    "one",
    "any",
    "also",
    "list",
];
const FEATURES: &[&str] = &[
    "noise",
    "cancelling",
    "anc",
    "wireless",
    "bluetooth",
    "waterproof",
    "portable",
    "4k",
    "gaming",
    "ergonomic",
    "mechanical",
    "curved",
    "ultrawide",
    "smart",
    "studio",
    "action",
];

/// Whether the message answers what `pending` was waiting for.
fn supplies(pending: Intent, text: &str, order: bool, email: bool, items: bool) -> bool {
    match pending {
        Intent::PlaceOrder => {
            email
                || items
                || extract::address(text).is_some()
                || extract::phone(text).is_some()
                || extract::name(text).is_some()
                || extract::is_yes(text)
        }
        Intent::Shipping => items || extract::zip(text).is_some(),
        Intent::Inventory => items,
        Intent::ListOrders | Intent::Ticket => email,
        Intent::ModifyOrder => order || email || items || extract::address(text).is_some(),
        _ => order || email,
    }
}

fn pick_product(text: &str, state: &PlannerState, catalogue: &Catalogue) -> Option<i64> {
    catalogue
        .mentions(text)
        .first()
        .map(|m| m.product_id)
        .or_else(|| state.slots.items.first().map(|i| i.product_id))
}

use crate::actions::push_lines;

/// The card's words for a call that proposed an action.
fn proposal_reply(outcome: &ToolOutcome) -> PlannerReply {
    match &outcome.proposal {
        Some(p) => PlannerReply {
            text: crate::actions::proposal_text(p),
            suggestions: crate::actions::proposal_suggestions(),
            intent: None,
        },
        None => PlannerReply {
            text: crate::actions::confirmed_text(outcome),
            suggestions: crate::actions::confirmed_suggestions(outcome),
            intent: None,
        },
    }
}

fn merge(into: &mut Slots, fresh: Slots) {
    macro_rules! take {
        ($($f:ident),*) => { $( if fresh.$f.is_some() { into.$f = fresh.$f; } )* };
    }
    if fresh.reason.is_some() {
        into.reason_category = None;
    }
    take!(
        order_id, email, zip, name, phone, street, city, state, reason
    );
    if !fresh.items.is_empty() {
        into.items = fresh.items;
    }
}

fn refusal_reply(outcome: &ToolOutcome) -> PlannerReply {
    let message = outcome
        .error
        .clone()
        .unwrap_or_else(|| "that didn't work".into());
    let text = match outcome.error_kind.as_deref() {
        Some("identity") => message,
        Some("refused") => format!("I'm sorry — I can't do that: {message}."),
        Some("invalid") => format!("I couldn't do that: {message}."),
        _ => format!("Something went wrong on our side: {message}"),
    };
    PlannerReply {
        text,
        suggestions: vec!["Talk to a human".into()],
        intent: None,
    }
}

/// Hands the conversation to a person (also used when classification flags a message).
pub async fn escalate_with(
    runner: &mut ToolRunner<'_>,
    state: &PlannerState,
    text: &str,
    reason: &str,
    priority: &str,
) -> PlannerReply {
    let mut args = json!({"reason": format!("{reason}: {}", crate::classify::summarize(text)), "priority": priority});
    // The message that escalates may itself carry the order and email.
    if let Some(email) = extract::email(text)
        .or_else(|| state.slots.email.clone())
        .or_else(|| runner.session.verified_email.clone())
    {
        args["email"] = json!(email);
    }
    if let Some(id) = extract::order_id(text).or(state.slots.order_id) {
        args["order_id"] = json!(id);
    }
    let outcome = runner.call("escalate_to_human", args).await;
    if !outcome.ok {
        return PlannerReply {
            text: format!(
                "I tried to reach a person but couldn't open the ticket ({}). Please try again, or email support.",
                outcome.error.unwrap_or_default()
            ),
            suggestions: Vec::new(),
            intent: Some(Intent::Escalate),
        };
    }
    let ticket = s(&outcome.result, "ticket_id");
    PlannerReply {
        text: format!(
            "I've passed this to a member of our team with everything we discussed — they'll reply here. Your ticket number is **{ticket}** ({priority} priority)."
        ),
        suggestions: Vec::new(),
        intent: Some(Intent::Escalate),
    }
}
