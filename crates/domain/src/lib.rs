//! Domain types of the AI Portfolio store, shared by the server and the browser.

pub mod api;
pub mod chat;
pub mod classifier;
pub mod csv;
pub mod money;
pub mod records;
pub mod time;
pub mod view;
pub mod voice;

pub use money::Cents;

/// The longest email address accepted anywhere (staff accounts, customers, configuration).
pub const MAX_EMAIL_CHARS: usize = 200;

/// `is_email_address` as the OpenAPI document states it (ASCII classes only, so every regex
/// engine reads it alike; `api::v1`'s tests check the two agree). No `%`: in a URL path it would
/// read as an escape (Schemathesis sent `a%60@b` unescaped, which the server read as a backtick).
pub const EMAIL_PATTERN: &str = "^[A-Za-z0-9._+'-]+@[A-Za-z0-9.-]+$";

/// A plausible email address: letters, digits and `._+'-` before one `@`, letters, digits, `.`
/// and `-` after it, within the length limit. Delivery is not checked.
pub fn is_email_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    text.len() <= MAX_EMAIL_CHARS
        && !local.is_empty()
        && !domain.is_empty()
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._+'-".contains(&b))
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}
