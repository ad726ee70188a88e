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

/// Checks an email and password; on success, a new session (the token goes in the cookie, only
/// its hash is stored).
pub async fn sign_in(
    store: &Store,
    email: &str,
    password: String,
) -> Result<(Staff, String), ServiceError> {
    let found = store.staff_for_sign_in(email).await.map_err(|e| {
        tracing::error!(error = %e, "sign-in lookup failed");
        ServiceError::unavailable("Sign-in is unavailable right now; try again shortly.")
    })?;
    // The hash is checked even for an unknown email, so timing does not tell which emails exist.
    let (staff, hash) = match found {
        Some((staff, hash)) => (Some(staff), hash),
        None => (None, DUMMY_HASH.to_string()),
    };
    let verified = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let staff = match staff {
        Some(s) if verified && s.active => s,
        _ => {
            tracing::info!("staff sign-in refused");
            return Err(ServiceError::Unauthorized(
                "That email and password do not match an active account.".into(),
            ));
        }
    };
    let token = new_token();
    let expires = chrono::Utc::now() + chrono::Duration::days(SESSION_DAYS);
    store
        .create_session(&token_hash(&token), staff.id, expires)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot store a staff session");
            ServiceError::unavailable("Sign-in is unavailable right now; try again shortly.")
        })?;
    Ok((staff, token))
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
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > 1_000 {
        return Err(ServiceError::Invalid(format!(
            "The password needs at least {MIN_PASSWORD_CHARS} characters."
        )));
    }
    let hash = match tokio::task::spawn_blocking(move || hash_password(&password)).await {
        Ok(Ok(h)) => h,
        _ => {
            return Err(ServiceError::Internal(
                "The password could not be stored.".into(),
            ));
        }
    };
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
