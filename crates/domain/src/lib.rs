//! Domain types of the AI Portfolio store, shared by the server and the browser.

pub mod api;
pub mod chat;
pub mod classifier;
pub mod csv;
pub mod money;
pub mod records;
pub mod view;

pub use money::Cents;

/// The longest email address accepted anywhere (staff accounts, customers, configuration).
pub const MAX_EMAIL_CHARS: usize = 200;

/// A plausible email address: has an `@` and fits the length limit. Delivery is not checked.
pub fn is_email_address(text: &str) -> bool {
    text.contains('@') && text.len() <= MAX_EMAIL_CHARS
}
