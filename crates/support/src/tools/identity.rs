//! Proof of an email address by a one-time code: six digits mailed to the address, kept only as a
//! hash, valid for ten minutes and five attempts; at most three codes per address and
//! conversation in fifteen minutes.

use super::mail::{DEMO_INBOX, Mail};
use super::results::CodeSent;
use super::{Done, Session, ToolError, Toolbox};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use store::confirmations::CodeCheck;

pub const CODE_MINUTES: i64 = 10;
const CODES_PER_WINDOW: i64 = 3;
const WINDOW_MINUTES: i64 = 15;

fn code_hash(conversation_id: &str, email: &str, code: &str) -> String {
    // Salted with the conversation and address: a copied table reveals no code by lookup.
    Sha256::digest(format!("{conversation_id}\n{}\n{code}", email.to_lowercase()).as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Six random digits from the OS generator (a v4 UUID's random bits).
fn new_code() -> String {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let n = u64::from_le_bytes([
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[8], bytes[9],
    ]);
    format!("{:06}", n % 1_000_000)
}

/// "j***@example.com": enough for the customer to recognise the address.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

pub(super) async fn send_code(
    toolbox: &Toolbox,
    email: &str,
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Done, ToolError> {
    let conversation = session.conversation_id.clone();
    if session
        .proven_email
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case(email))
    {
        return Ok(Done {
            result: json!({"email": email, "already_verified": true}),
            summary: format!("{} is already verified", mask_email(email)),
            citations: Vec::new(),
            proposal: None,
        });
    }
    let recent = toolbox
        .store
        .email_codes_since(
            &conversation,
            email,
            now - Duration::minutes(WINDOW_MINUTES),
        )
        .await?;
    if recent >= CODES_PER_WINDOW {
        return Err(ToolError::Refused(format!(
            "{CODES_PER_WINDOW} codes were already sent to that address in the last {WINDOW_MINUTES} minutes; please use the latest one or try again later"
        )));
    }
    let code = new_code();
    toolbox
        .store
        .add_email_code(
            &conversation,
            email,
            &code_hash(&conversation, email, &code),
            now,
            now + Duration::minutes(CODE_MINUTES),
        )
        .await?;
    let mail = Mail {
        to: email.to_string(),
        subject: "Your verification code".into(),
        body: format!(
            "Your code to see your orders in the support chat is {code}. It expires in {CODE_MINUTES} minutes. If you did not ask for it, ignore this email: nobody can see your orders without it."
        ),
    };
    let transport = match &toolbox.mailer {
        Some(mailer) => mailer.send(&mail).await.map_err(|e| {
            tracing::error!(error = %e, "verification mail failed");
            ToolError::Internal(
                "the code could not be emailed right now; please try again in a moment".into(),
            )
        })?,
        None => DEMO_INBOX,
    };
    // The demo inbox keeps the mail itself; after a real send only the fact is kept.
    let stored_body = if transport == DEMO_INBOX {
        mail.body.clone()
    } else {
        format!("A {}-digit code was sent (not stored).", code.len())
    };
    toolbox
        .store
        .add_outbox_mail(
            Some(&conversation),
            email,
            &mail.subject,
            &stored_body,
            transport,
            now,
        )
        .await?;
    Done::of(
        CodeSent {
            sent_to: mask_email(email),
            delivery: transport.to_string(),
            expires_in_minutes: CODE_MINUTES,
        },
        format!("code sent to {} ({transport})", mask_email(email)),
    )
}

pub(super) async fn verify_code(
    toolbox: &Toolbox,
    email: &str,
    code: &str,
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Done, ToolError> {
    let digits: String = code.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 6 {
        return Err(ToolError::Invalid("the code has 6 digits".into()));
    }
    let conversation = session.conversation_id.clone();
    match toolbox
        .store
        .check_email_code(
            &conversation,
            email,
            &code_hash(&conversation, email, &digits),
            now,
        )
        .await?
    {
        CodeCheck::Verified => {
            session.proven_email = Some(email.to_lowercase());
            if session.verified_email.is_none() {
                session.verified_email = Some(email.to_lowercase());
            }
            Ok(Done {
                result: json!({"email": email, "verified": true}),
                summary: format!("{} verified", mask_email(email)),
                citations: Vec::new(),
                proposal: None,
            })
        }
        CodeCheck::Wrong(left) if left > 0 => Err(ToolError::Identity(format!(
            "That code isn't right. {left} attempt(s) left."
        ))),
        CodeCheck::Wrong(_) => Err(ToolError::Identity(
            "That code isn't right, and that was the last attempt. Ask me for a new code.".into(),
        )),
        CodeCheck::NoCode => Err(ToolError::Identity(
            "There is no live code for that address (codes expire after 10 minutes or 5 attempts). Ask me to send a new one.".into(),
        )),
    }
}
