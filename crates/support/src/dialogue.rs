//! The dialogue state the offline planner carries across turns: the task waiting for details
//! (its intent), the details (slots) given so far, the card on screen, and a pending code.

use crate::understanding::extract;
use crate::understanding::intent::Intent;
use crate::understanding::reading;
use serde::{Deserialize, Serialize};

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

/// Whether the message answers what `pending` was waiting for.
pub fn supplies(pending: Intent, text: &str, order: bool, email: bool, items: bool) -> bool {
    match pending {
        Intent::PlaceOrder => {
            email
                || items
                || extract::address(text).is_some()
                || extract::phone(text).is_some()
                || extract::name(text).is_some()
                || reading::is_yes(text)
        }
        Intent::Shipping => items || extract::zip(text).is_some(),
        Intent::Inventory => items,
        Intent::ListOrders | Intent::Ticket => email,
        Intent::ModifyOrder => order || email || items || extract::address(text).is_some(),
        _ => order || email,
    }
}

pub fn merge(into: &mut Slots, fresh: Slots) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::args::ItemArg;

    #[test]
    fn a_new_detail_replaces_the_old_and_a_missing_one_keeps_it() {
        let mut slots = Slots {
            order_id: Some(1013),
            email: Some("a@example.com".into()),
            reason: Some("too big".into()),
            reason_category: Some("returns".into()),
            items: vec![ItemArg {
                product_id: 3,
                quantity: 1,
            }],
            ..Slots::default()
        };
        merge(
            &mut slots,
            Slots {
                order_id: Some(1028),
                ..Slots::default()
            },
        );
        assert_eq!(slots.order_id, Some(1028));
        assert_eq!(slots.email.as_deref(), Some("a@example.com"));
        assert_eq!(slots.items.len(), 1, "no items named: the old ones stay");
        assert_eq!(slots.reason_category.as_deref(), Some("returns"));
        // A new reason drops the category of the old one (it was classified from other words).
        merge(
            &mut slots,
            Slots {
                reason: Some("it broke".into()),
                ..Slots::default()
            },
        );
        assert_eq!(slots.reason.as_deref(), Some("it broke"));
        assert_eq!(slots.reason_category, None);
    }

    #[test]
    fn a_message_supplies_what_its_pending_task_waits_for() {
        assert!(supplies(Intent::OrderStatus, "1013", true, false, false));
        assert!(!supplies(Intent::OrderStatus, "hello", false, false, false));
        assert!(supplies(Intent::Shipping, "to 60601", false, false, false));
        assert!(!supplies(
            Intent::Inventory,
            "to 60601",
            false,
            false,
            false
        ));
        assert!(supplies(Intent::ListOrders, "x@y.com", false, true, false));
        assert!(supplies(
            Intent::ModifyOrder,
            "send it to 77 Elm St, Denver, CO 80203",
            false,
            false,
            false
        ));
        assert!(supplies(Intent::PlaceOrder, "yes", false, false, false));
    }
}
