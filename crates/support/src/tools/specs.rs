//! The tool list and each tool's JSON schema, as offered to a function-calling model.

use llm::ToolSpec;
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ToolName {
    SearchProducts,
    GetProductDetails,
    CheckInventory,
    EstimateShipping,
    DraftOrder,
    PlaceOrder,
    GetOrderStatus,
    ListCustomerOrders,
    ModifyOrder,
    CancelOrder,
    InitiateReturn,
    GetReturnStatus,
    SearchKnowledgeBase,
    CreateSupportTicket,
    EscalateToHuman,
    SendVerificationCode,
    VerifyEmailCode,
}

impl ToolName {
    /// Whether a call changes something (stores a proposal, a ticket, a code, an escalation),
    /// rather than only reading: a suggested reply for the team runs none of these.
    pub fn acts(self) -> bool {
        matches!(
            self,
            ToolName::PlaceOrder
                | ToolName::ModifyOrder
                | ToolName::CancelOrder
                | ToolName::InitiateReturn
                | ToolName::CreateSupportTicket
                | ToolName::EscalateToHuman
                | ToolName::SendVerificationCode
                | ToolName::VerifyEmailCode
        )
    }

    pub const ALL: [ToolName; 17] = [
        ToolName::SearchProducts,
        ToolName::GetProductDetails,
        ToolName::CheckInventory,
        ToolName::EstimateShipping,
        ToolName::DraftOrder,
        ToolName::PlaceOrder,
        ToolName::GetOrderStatus,
        ToolName::ListCustomerOrders,
        ToolName::ModifyOrder,
        ToolName::CancelOrder,
        ToolName::InitiateReturn,
        ToolName::GetReturnStatus,
        ToolName::SearchKnowledgeBase,
        ToolName::CreateSupportTicket,
        ToolName::EscalateToHuman,
        ToolName::SendVerificationCode,
        ToolName::VerifyEmailCode,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ToolName::SearchProducts => "search_products",
            ToolName::GetProductDetails => "get_product_details",
            ToolName::CheckInventory => "check_inventory",
            ToolName::EstimateShipping => "estimate_shipping",
            ToolName::DraftOrder => "draft_order",
            ToolName::PlaceOrder => "place_order",
            ToolName::GetOrderStatus => "get_order_status",
            ToolName::ListCustomerOrders => "list_customer_orders",
            ToolName::ModifyOrder => "modify_order",
            ToolName::CancelOrder => "cancel_order",
            ToolName::InitiateReturn => "initiate_return",
            ToolName::GetReturnStatus => "get_return_status",
            ToolName::SearchKnowledgeBase => "search_knowledge_base",
            ToolName::CreateSupportTicket => "create_support_ticket",
            ToolName::EscalateToHuman => "escalate_to_human",
            ToolName::SendVerificationCode => "send_verification_code",
            ToolName::VerifyEmailCode => "verify_email_code",
        }
    }

    pub fn parse(name: &str) -> Option<ToolName> {
        ToolName::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// Irreversible actions: a call returns a proposal, and only the customer's confirmation of
    /// that exact proposal carries it out.
    pub fn needs_confirmation(self) -> bool {
        matches!(
            self,
            ToolName::PlaceOrder
                | ToolName::ModifyOrder
                | ToolName::CancelOrder
                | ToolName::InitiateReturn
        )
    }

    /// Tools that change the store (the eval harness checks these never act on the wrong order).
    pub fn writes(self) -> bool {
        matches!(
            self,
            ToolName::PlaceOrder
                | ToolName::ModifyOrder
                | ToolName::CancelOrder
                | ToolName::InitiateReturn
                | ToolName::CreateSupportTicket
                | ToolName::EscalateToHuman
        )
    }

    pub fn description(self) -> &'static str {
        match self {
            ToolName::SearchProducts => {
                "Find products in the catalogue by words, category and price range."
            }
            ToolName::GetProductDetails => {
                "Full details of one product: specifications, price, stock, weight."
            }
            ToolName::CheckInventory => "Whether products are in stock and how many.",
            ToolName::EstimateShipping => {
                "Shipping prices and delivery days of every carrier to a ZIP code for chosen products."
            }
            ToolName::DraftOrder => {
                "Check an order before placing it: what is missing, stock, totals with shipping. Writes nothing."
            }
            ToolName::PlaceOrder => {
                "Propose placing an order: returns a proposal (lines, totals, address) that the customer must confirm with the Confirm button or by replying yes. Nothing is placed by this call."
            }
            ToolName::GetOrderStatus => {
                "Status, lines and totals of an order. Needs the order number and the order's email."
            }
            ToolName::ListCustomerOrders => {
                "List the orders placed with an email address. Only for an email proven in this conversation with a one-time code (send_verification_code, then verify_email_code)."
            }
            ToolName::ModifyOrder => {
                "Propose changing quantities or the delivery address of a pending order (needs the order number and its email). Returns a proposal the customer must confirm; nothing changes until they do."
            }
            ToolName::CancelOrder => {
                "Propose cancelling a pending or processing order (needs the order number and its email). Returns a proposal with the refund that the customer must confirm; nothing changes until they do. Never call it for a question about what would happen."
            }
            ToolName::InitiateReturn => {
                "Propose a return for a delivered order inside the return window (needs the order number and its email). Returns a proposal with the refund that the customer must confirm."
            }
            ToolName::GetReturnStatus => {
                "Status and refunds of the returns of an order. Needs the order's email."
            }
            ToolName::SearchKnowledgeBase => {
                "Search store policies, setup guides, troubleshooting and procedures."
            }
            ToolName::CreateSupportTicket => "Open a support ticket for follow-up by the team.",
            ToolName::EscalateToHuman => {
                "Hand the conversation to a human agent with an urgent or high-priority ticket."
            }
            ToolName::SendVerificationCode => {
                "Email a one-time 6-digit code to the customer's address, to prove they own it before their orders are listed."
            }
            ToolName::VerifyEmailCode => {
                "Check the one-time code the customer typed; on success the email counts as proven in this conversation."
            }
        }
    }

    fn parameters(self) -> Value {
        let email =
            json!({"type": "string", "description": "The email address used to place the order"});
        let order_id = json!({"type": "integer", "description": "The order number, e.g. 1013"});
        let items = json!({
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "product_id": {"type": "integer"},
                    "quantity": {"type": "integer", "minimum": 1, "maximum": 20}
                },
                "required": ["product_id", "quantity"]
            }
        });
        let address = |required: bool| {
            let props = json!({
                "name": {"type": "string"},
                "email": {"type": "string"},
                "phone": {"type": "string"},
                "street": {"type": "string"},
                "city": {"type": "string"},
                "state": {"type": "string", "description": "Two-letter state code"},
                "zip": {"type": "string", "description": "5-digit ZIP code"},
                "items": items.clone()
            });
            if required {
                json!({"type": "object", "properties": props,
                       "required": ["items", "name", "email", "phone", "street", "city", "state", "zip"]})
            } else {
                json!({"type": "object", "properties": props})
            }
        };
        match self {
            ToolName::SearchProducts => json!({
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "Words to look for"},
                    "category": {"type": "string", "enum": super::args::CATEGORIES},
                    "min_price": {"type": "number", "description": "Dollars"},
                    "max_price": {"type": "number", "description": "Dollars"},
                    "in_stock_only": {"type": "boolean"}
                }
            }),
            ToolName::GetProductDetails => json!({
                "type": "object",
                "properties": {
                    "product_id": {"type": "integer"},
                    "product": {"type": "string", "description": "Name or SKU, when the id is unknown"}
                }
            }),
            ToolName::CheckInventory => json!({
                "type": "object",
                "properties": {
                    "product_ids": {"type": "array", "items": {"type": "integer"}},
                    "products": {"type": "array", "items": {"type": "string"}, "description": "Names or SKUs"}
                }
            }),
            ToolName::EstimateShipping => json!({
                "type": "object",
                "properties": {"zip": {"type": "string"}, "items": items},
                "required": ["zip", "items"]
            }),
            ToolName::DraftOrder => address(false),
            ToolName::PlaceOrder => address(true),
            ToolName::GetOrderStatus | ToolName::CancelOrder | ToolName::GetReturnStatus => json!({
                "type": "object",
                "properties": {"order_id": order_id, "email": email},
                "required": ["order_id", "email"]
            }),
            ToolName::ListCustomerOrders => json!({
                "type": "object",
                "properties": {"email": {"type": "string"}},
                "required": ["email"]
            }),
            ToolName::ModifyOrder => json!({
                "type": "object",
                "properties": {
                    "order_id": order_id,
                    "email": email,
                    "items": {
                        "type": "array",
                        "description": "New quantity per product; 0 removes it",
                        "items": {
                            "type": "object",
                            "properties": {"product_id": {"type": "integer"}, "quantity": {"type": "integer", "minimum": 0, "maximum": 20}},
                            "required": ["product_id", "quantity"]
                        }
                    },
                    "street": {"type": "string"},
                    "city": {"type": "string"},
                    "state": {"type": "string"},
                    "zip": {"type": "string"},
                    "phone": {"type": "string"}
                },
                "required": ["order_id", "email"]
            }),
            ToolName::InitiateReturn => json!({
                "type": "object",
                "properties": {
                    "order_id": order_id,
                    "email": email,
                    "reason": {"type": "string"},
                    "items": {
                        "type": "array",
                        "description": "Products and quantities to return; empty returns everything",
                        "items": {
                            "type": "object",
                            "properties": {"product_id": {"type": "integer"}, "quantity": {"type": "integer", "minimum": 1}},
                            "required": ["product_id", "quantity"]
                        }
                    }
                },
                "required": ["order_id", "email", "reason"]
            }),
            ToolName::SearchKnowledgeBase => json!({
                "type": "object",
                "properties": {
                    "query": {"type": "string"},
                    "audience": {"type": "string", "enum": ["customer", "agent"]},
                    "doc_type": {"type": "string", "enum": kb::chunks::DOC_TYPES},
                    "category": {"type": "string"}
                },
                "required": ["query"]
            }),
            ToolName::CreateSupportTicket => json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "email": {"type": "string"},
                    "subject": {"type": "string"},
                    "description": {"type": "string"},
                    "category": {"type": "string", "enum": super::args::TICKET_CATEGORIES},
                    "priority": {"type": "string", "enum": super::args::PRIORITIES},
                    "order_id": order_id
                },
                "required": ["email", "subject", "description"]
            }),
            ToolName::EscalateToHuman => json!({
                "type": "object",
                "properties": {
                    "reason": {"type": "string"},
                    "name": {"type": "string"},
                    "email": {"type": "string"},
                    "order_id": order_id,
                    "priority": {"type": "string", "enum": ["high", "urgent"]}
                },
                "required": ["reason"]
            }),
            ToolName::SendVerificationCode => json!({
                "type": "object",
                "properties": {"email": {"type": "string"}},
                "required": ["email"]
            }),
            ToolName::VerifyEmailCode => json!({
                "type": "object",
                "properties": {"email": {"type": "string"}, "code": {"type": "string", "description": "The 6 digits from the email"}},
                "required": ["email", "code"]
            }),
        }
    }

    pub fn spec(self) -> ToolSpec {
        ToolSpec {
            name: self.as_str().to_string(),
            description: self.description().to_string(),
            parameters: self.parameters(),
        }
    }
}

/// Every tool's spec, for a function-calling request.
pub fn specs() -> Vec<ToolSpec> {
    ToolName::ALL.into_iter().map(ToolName::spec).collect()
}
