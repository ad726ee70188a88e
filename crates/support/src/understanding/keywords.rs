//! Keyword evidence for an intent, on top of the intent model: the words that carry a request
//! ("cancel", "return", "in stock"), typo-tolerant, and what rules them out.

use super::extract;
use super::intent::Intent;
use super::reading;

/// Keyword evidence for an intent: strong (0.5) or weak (0.25) boosts on top of similarity.
pub fn rule_boosts(lower: &str, has_order: bool, has_product: bool) -> Vec<(Intent, f32)> {
    // Typos in the words that carry the request ("cancle", "retrun", "ordr") read as meant;
    // "noise cancelling" is a feature, not a request to cancel anything.
    let lower = &reading::fix_typos(lower)
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
                "any update",
                "an update",
                "any news",
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
        && crate::understanding::reading::wants_quantity(lower)
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
    if has_order
        && crate::understanding::extract::address(lower).is_some()
        && !has(&["cancel", "return"])
    {
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
        // "Any update?" asks for news, not for a change.
        && (!has(&["any update", "an update", "update me", "updates on"])
            || has(&["change", "modify", "address", "quantity", "remove", "add "]))
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
        // Something already sent back: "i returned the…, has the refund gone through?"
        "i returned",
        "i've returned",
        "i have returned",
        "i sent back",
        "i sent it back",
        "i've sent back",
        "refund gone through",
        "refund come through",
        "refund went through",
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
    // A restocking fee is a return policy, not a question about stock.
    if has(&[
        "in stock",
        "available",
        "stock",
        "how many left",
        "sold out",
    ]) && !has(&["restocking fee", "restock fee"])
    {
        add(Intent::Inventory, 0.5);
    }
    // "How many arc 34 do you have", "got any boomgo left": a count of a named product.
    if has_product && has(&["how many", "any left", "got any", "do you still have"]) {
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
        // A quote needs a destination ZIP, a product or a price word: "can you ship to the
        // uk?" asks what the store does, not for a quote.
        && (extract::zip(lower).is_some()
            || has_product
            || has(&["how much", "cost", "price", "estimate", "quote", "how long", "how fast", "rate", "fee"]))
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
        && crate::understanding::extract::category(lower).is_some()
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
