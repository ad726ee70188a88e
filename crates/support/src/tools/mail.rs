//! Mail the store sends a customer (one-time codes). With an SMTP server configured the server
//! plugs in a mailer that sends for real; without one the mail goes to the demo inbox (the
//! `outbox` table, shown to the browser that asked for it), clearly labelled as such.

use std::future::Future;
use std::pin::Pin;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// A real mail transport. `send` answers the transport's name ("smtp") or a sentence saying why
/// it could not send.
pub trait Mailer: Send + Sync {
    fn send<'a>(
        &'a self,
        mail: &'a Mail,
    ) -> Pin<Box<dyn Future<Output = Result<&'static str, String>> + Send + 'a>>;
}

/// The transport name of mail kept only in the demo inbox.
pub const DEMO_INBOX: &str = "demo inbox";
