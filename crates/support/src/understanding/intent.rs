//! What a customer wants: the intents the offline planner answers, with the example
//! utterances and labels that train the intent model.

use serde::{Deserialize, Serialize};

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

    /// The label of `data/intents.tsv` (and of the intent model) that names the intent, as it
    /// is serialised ("order_status").
    pub fn label(self) -> &'static str {
        match self {
            Intent::OrderStatus => "order_status",
            Intent::ListOrders => "list_orders",
            Intent::CancelOrder => "cancel_order",
            Intent::ModifyOrder => "modify_order",
            Intent::ReturnRequest => "return_request",
            Intent::ReturnStatus => "return_status",
            Intent::ProductSearch => "product_search",
            Intent::ProductDetails => "product_details",
            Intent::Inventory => "inventory",
            Intent::Shipping => "shipping",
            Intent::PlaceOrder => "place_order",
            Intent::Knowledge => "knowledge",
            Intent::Ticket => "ticket",
            Intent::Escalate => "escalate",
            Intent::Greeting => "greeting",
        }
    }

    /// The intent a label names ("order_status").
    pub fn from_label(label: &str) -> Option<Intent> {
        Intent::ALL.into_iter().find(|i| i.label() == label)
    }

    /// Intents a help question overrides: tools that would answer with facts instead of help.
    pub fn yields_to_help(self) -> bool {
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
    pub fn needs_order(self) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_the_serialised_names() {
        for intent in Intent::ALL {
            let json = serde_json::to_value(intent).expect("an intent serialises");
            assert_eq!(json.as_str(), Some(intent.label()));
            assert_eq!(Intent::from_label(intent.label()), Some(intent));
        }
        assert_eq!(Intent::from_label("none"), None);
    }
}
