//! Who calls the API: the key presented (Bearer or X-API-Key), checked against its hash, its
//! revocation and its own rate.

use crate::http::error::error;
use crate::services::limits::KeyLimits;
use crate::services::staff::token_hash;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::response::Response;
use store::Store;
use store::staff::ApiScope;

/// A request made with a valid, unrevoked API key, within its rate.
pub struct ApiClient(pub store::staff::ApiKey);

/// The scope an operation needs, as a type (`Scoped<KbWrite>`), so the handler's signature says it.
pub trait Scope {
    const SCOPE: ApiScope;
}

macro_rules! scopes {
    ($($name:ident => $scope:ident),+) => {
        $(
            pub struct $name;
            impl Scope for $name {
                const SCOPE: ApiScope = ApiScope::$scope;
            }
        )+
    };
}

scopes!(
    MessagesWrite => MessagesWrite,
    ConversationsRead => ConversationsRead,
    KbWrite => KbWrite,
    JobsRead => JobsRead,
    CustomersPrivacy => CustomersPrivacy
);

/// A request made with a valid key that has scope `S` (403 naming the scope otherwise).
pub struct Scoped<S: Scope>(pub store::staff::ApiKey, pub std::marker::PhantomData<S>);

impl<S, St> FromRequestParts<St> for Scoped<S>
where
    S: Scope,
    St: Send + Sync,
    Store: FromRef<St>,
    KeyLimits: FromRef<St>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, Self::Rejection> {
        let ApiClient(key) = ApiClient::from_request_parts(parts, state).await?;
        if key.scopes.allows(S::SCOPE) {
            return Ok(Scoped(key, std::marker::PhantomData));
        }
        Err(crate::http::error::ApiError::status(
            StatusCode::FORBIDDEN,
            format!(
                "This API key lacks the {} scope ({}); an administrator can create a key with it on the support desk.",
                S::SCOPE.as_str(),
                S::SCOPE.description().to_lowercase()
            ),
        )
        .into_response())
    }
}

fn presented_key(parts: &Parts) -> Option<String> {
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let header_key = parts
        .headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    bearer
        .or(header_key)
        .filter(|k| !k.is_empty() && k.len() < 200)
        .map(str::to_owned)
}

/// Needs only the store and the per-key limits, whatever the state around them.
impl<S> FromRequestParts<S> for ApiClient
where
    S: Send + Sync,
    Store: FromRef<S>,
    KeyLimits: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let store = Store::from_ref(state);
        let key_limits = KeyLimits::from_ref(state);
        let Some(secret) = presented_key(parts) else {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "Send your API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.",
            ));
        };
        let key = match store.api_key_by_hash(&token_hash(&secret)).await {
            Ok(Some(key)) if key.revoked_at.is_none() => key,
            Ok(Some(_)) => {
                return Err(error(
                    StatusCode::UNAUTHORIZED,
                    "This API key has been revoked.",
                ));
            }
            Ok(None) => {
                return Err(error(
                    StatusCode::UNAUTHORIZED,
                    "This API key is not valid.",
                ));
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot check an API key");
                return Err(error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The API is unavailable right now; try again shortly.",
                ));
            }
        };
        if let Err(wait) = key_limits.check(&key).await {
            let seconds = wait.as_secs().max(1);
            tracing::info!(
                key_id = key.id,
                retry_after = seconds,
                "API key rate limit reached"
            );
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "This key is limited to {} requests a minute; retry in {seconds} s.",
                    key.rate_per_minute
                ),
            );
            if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Err(response);
        }
        key_limits.record_use(key.id);
        Ok(ApiClient(key))
    }
}
