//! Staff accounts and sessions: argon2id password hashes, random session tokens kept only as
//! SHA-256 hashes, sign-in that takes as long for an unknown email as for a known one, new
//! accounts checked before they are stored, and the configured administrator.

use crate::config::MIN_PASSWORD_CHARS;
use crate::services::ServiceError;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use store::Store;
use store::staff::Staff;

/// Sessions last a working week; signing out ends one at once.
pub const SESSION_DAYS: i64 = 7;

/// argon2id with the crate's defaults (19 MiB, 2 passes): ~50 ms here, slow enough to make
/// guessing expensive.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// 244 random bits from two v4 UUIDs (the OS generator), hex.
pub fn new_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Tokens and API keys are long and random, so a fast hash is enough to keep them out of the
/// database in usable form.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A valid argon2id hash of a random string: verifying against it costs what a real check costs.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Jq0Ah7JJ4Uz7lGzrSlnAjOP8IS2d3qcbCOSmr6WPM+s";

/// Failed sign-ins in a row after which an account is locked.
pub const LOCK_AFTER_FAILURES: i64 = 5;
/// The longest lock; each failure past `LOCK_AFTER_FAILURES` doubles it from one minute.
pub const MAX_LOCK_MINUTES: i64 = 60;

/// How long an account is locked after `failures` in a row (none below the threshold).
pub fn lock_for(failures: i64) -> Option<chrono::Duration> {
    (failures >= LOCK_AFTER_FAILURES).then(|| {
        let doublings = (failures - LOCK_AFTER_FAILURES).min(6) as u32;
        chrono::Duration::minutes((1_i64 << doublings).min(MAX_LOCK_MINUTES))
    })
}

/// How a sign-in ended, for the audit log: the account (when the email named one) and what
/// happened.
pub struct SignInAttempt {
    pub account: Option<Staff>,
    pub outcome: Result<(Staff, String), ServiceError>,
}

/// Checks an email and password; on success, a new session (the token goes in the cookie, only
/// its hash is stored). Repeated failures lock the account, whatever client they come from:
/// from the fifth in a row, for 1, 2, 4… up to 60 minutes, during which even the right password
/// is refused.
pub async fn sign_in(store: &Store, email: &str, password: String) -> SignInAttempt {
    let unavailable =
        || ServiceError::unavailable("Sign-in is unavailable right now; try again shortly.");
    let found = match store.staff_for_sign_in(email).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "sign-in lookup failed");
            return SignInAttempt {
                account: None,
                outcome: Err(unavailable()),
            };
        }
    };
    let now = chrono::Utc::now();
    if let Some(record) = &found
        && let Some(until) = record.locked_until.filter(|until| *until > now)
    {
        let minutes = ((until - now).num_seconds() + 59) / 60;
        return SignInAttempt {
            account: Some(record.staff.clone()),
            outcome: Err(ServiceError::Locked {
                message: format!(
                    "This account is locked after repeated failed sign-ins; try again in {minutes} minute{}, or ask an administrator to reset the password.",
                    if minutes == 1 { "" } else { "s" }
                ),
                retry_after_seconds: (until - now).num_seconds().max(1) as u64,
            }),
        };
    }
    // The hash is checked even for an unknown email, so timing does not tell which emails exist.
    let hash = found
        .as_ref()
        .map_or_else(|| DUMMY_HASH.to_string(), |r| r.password_hash.clone());
    let verified = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let account = found.map(|r| r.staff);
    let staff = match &account {
        Some(s) if verified && s.active => s.clone(),
        _ => {
            tracing::info!("staff sign-in refused");
            if let Some(s) = &account {
                match store.record_failed_sign_in(s.id).await {
                    Ok(failures) => {
                        if let Some(lock) = lock_for(failures)
                            && let Err(e) = store.lock_staff(s.id, now + lock).await
                        {
                            tracing::error!(error = %e, "cannot lock an account");
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "cannot count a failed sign-in"),
                }
            }
            return SignInAttempt {
                account,
                outcome: Err(ServiceError::Unauthorized(
                    "That email and password do not match an active account.".into(),
                )),
            };
        }
    };
    if let Err(e) = store.clear_failed_sign_ins(staff.id).await {
        tracing::warn!(error = %e, "cannot clear failed sign-ins");
    }
    let token = new_token();
    let expires = now + chrono::Duration::days(SESSION_DAYS);
    let outcome = match store
        .create_session(&token_hash(&token), staff.id, expires)
        .await
    {
        Ok(()) => Ok((staff, token)),
        Err(e) => {
            tracing::error!(error = %e, "cannot store a staff session");
            Err(unavailable())
        }
    };
    SignInAttempt { account, outcome }
}

/// How long a "Try the desk" session lasts; the account goes with it.
pub const DEMO_SESSION_HOURS: i64 = 2;

/// "Try the desk": the visitor's sandboxed demo account and a new session for it.
pub async fn demo_sign_in(store: &Store, visitor: &str) -> Result<(Staff, String), ServiceError> {
    let unavailable =
        || ServiceError::unavailable("The demo desk is unavailable right now; try again shortly.");
    let staff = store.demo_desk_account(visitor).await.map_err(|e| {
        tracing::error!(error = %e, "cannot make a demo desk account");
        unavailable()
    })?;
    let token = new_token();
    let expires = chrono::Utc::now() + chrono::Duration::hours(DEMO_SESSION_HOURS);
    store
        .create_session(&token_hash(&token), staff.id, expires)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot store a demo desk session");
            unavailable()
        })?;
    Ok((staff, token))
}

/// Hashes a new password after checking its length.
async fn new_password_hash(password: String) -> Result<String, ServiceError> {
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > 1_000 {
        return Err(ServiceError::Invalid(format!(
            "The password needs at least {MIN_PASSWORD_CHARS} characters."
        )));
    }
    match tokio::task::spawn_blocking(move || hash_password(&password)).await {
        Ok(Ok(h)) => Ok(h),
        _ => Err(ServiceError::Internal(
            "The password could not be stored.".into(),
        )),
    }
}

/// A signed-in person changes their own password, giving the current one; their other
/// sessions end, this one (`session_hash`) stays.
pub async fn change_own_password(
    store: &Store,
    staff: &Staff,
    session_hash: &str,
    current: String,
    new: String,
) -> Result<(), ServiceError> {
    let record = store
        .staff_for_sign_in(&staff.email)
        .await
        .map_err(|_| ServiceError::unavailable("The password cannot be changed right now."))?
        .ok_or_else(|| ServiceError::not_found("There is no such account."))?;
    let hash = record.password_hash;
    let verified = tokio::task::spawn_blocking(move || verify_password(&current, &hash))
        .await
        .unwrap_or(false);
    if !verified {
        return Err(ServiceError::Invalid(
            "The current password is not right.".into(),
        ));
    }
    let hash = new_password_hash(new).await?;
    store
        .set_staff_password(staff.id, &hash, Some(session_hash))
        .await
        .map_err(|_| ServiceError::unavailable("The password cannot be changed right now."))?;
    Ok(())
}

/// An administrator sets someone's password: their sessions end and any lock is lifted.
pub async fn reset_password(store: &Store, id: i64, new: String) -> Result<(), ServiceError> {
    let hash = new_password_hash(new).await?;
    match store.set_staff_password(id, &hash, None).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(ServiceError::not_found("There is no such account.")),
        Err(_) => Err(ServiceError::unavailable(
            "The password cannot be changed right now.",
        )),
    }
}

/// An administrator changes someone's role; the team always keeps an active administrator.
pub async fn set_role(
    store: &Store,
    id: i64,
    role: domain::api::desk::StaffRole,
) -> Result<(), ServiceError> {
    match store.set_staff_role(id, role).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(ServiceError::not_found("There is no such account.")),
        Err(store::StoreError::Refused(m)) => Err(ServiceError::Conflict(m)),
        Err(_) => Err(ServiceError::unavailable(
            "The role cannot be changed right now.",
        )),
    }
}

/// Adds an agent (or another admin) after checking the email, the name and the password.
pub async fn create_staff(
    store: &Store,
    email: &str,
    name: &str,
    password: String,
    role: domain::api::desk::StaffRole,
) -> Result<Staff, ServiceError> {
    let email = email.trim().to_lowercase();
    let name = name.trim().to_string();
    if !domain::is_email_address(&email) {
        return Err(ServiceError::invalid("Give a valid email address."));
    }
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ServiceError::invalid("Give a name of 1 to 80 characters."));
    }
    let hash = new_password_hash(password).await?;
    match store.create_staff(&email, &name, &hash, role).await {
        Ok(staff) => Ok(staff),
        Err(store::StoreError::Refused(message)) => Err(ServiceError::Conflict(message)),
        Err(e) => {
            tracing::error!(error = %e, "cannot create a staff account");
            Err(ServiceError::unavailable(
                "The account could not be created; try again.",
            ))
        }
    }
}

/// Creates or updates the configured administrator at start.
pub async fn ensure_configured_admin(
    store: &Store,
    admin: &crate::config::AdminAccount,
) -> Result<(), String> {
    let password = admin.password.expose_secret().to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| e.to_string())??;
    let staff = store
        .ensure_admin(&admin.email, &admin.name, &hash)
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(staff_id = staff.id, "configured administrator ready");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse battery").expect("hashes");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("anything", "not a hash"));
        // The dummy hash parses, so unknown emails cost a real verification.
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("", DUMMY_HASH));
    }

    #[test]
    fn an_account_locks_from_the_fifth_failure_for_longer_each_time() {
        assert_eq!(lock_for(4), None);
        assert_eq!(lock_for(5), Some(chrono::Duration::minutes(1)));
        assert_eq!(lock_for(6), Some(chrono::Duration::minutes(2)));
        assert_eq!(lock_for(8), Some(chrono::Duration::minutes(8)));
        assert_eq!(lock_for(11), Some(chrono::Duration::minutes(60)));
        assert_eq!(lock_for(500), Some(chrono::Duration::minutes(60)));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
