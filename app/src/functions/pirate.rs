use domain::chat::ChatLine;
use leptos::prelude::*;

/// This browser's pirate conversation (from its session cookie), oldest first.
#[server(endpoint = "pirate/history")]
pub async fn pirate_history() -> Result<Vec<ChatLine>, ServerFnError> {
    let Some(session) = session().await else {
        return Ok(Vec::new());
    };
    let state = crate::state::app_state()?;
    let stored = state
        .store
        .recent_messages(&session, 200)
        .await
        .map_err(crate::error::AppError::from)?;
    Ok(stored
        .into_iter()
        .filter(|m| (m.role == "user" || m.role == "assistant") && !m.content.is_empty())
        .map(to_line)
        .collect())
}

/// Forgets this browser's conversation.
#[server(endpoint = "pirate/clear")]
pub async fn clear_pirate_chat() -> Result<(), ServerFnError> {
    let Some(session) = session().await else {
        return Ok(());
    };
    let state = crate::state::app_state()?;
    state
        .store
        .clear_messages(&session)
        .await
        .map_err(crate::error::AppError::from)?;
    Ok(())
}

#[cfg(feature = "ssr")]
async fn session() -> Option<String> {
    let jar: axum_extra::extract::cookie::CookieJar = leptos_axum::extract().await.ok()?;
    jar.get(domain::chat::PIRATE_SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| domain::chat::is_session_id(v))
}

#[cfg(feature = "ssr")]
fn to_line(m: store::chat::StoredMessage) -> ChatLine {
    if m.role != "assistant" {
        return ChatLine {
            role: m.role,
            text: m.content,
            html: None,
            detail: None,
        };
    }
    let meta: domain::chat::ReplyMetadata = serde_json::from_str(&m.metadata).unwrap_or_default();
    let model = if meta.model.is_empty() {
        "model"
    } else {
        &meta.model
    };
    let mut detail = format!("{model} ({})", meta.provider);
    if let Some(rate) = meta.tokens_per_second {
        detail.push_str(&format!(" · {rate:.0} tokens/s"));
    }
    if meta.finish == "cancelled" {
        detail.push_str(" · stopped");
    }
    ChatLine {
        role: m.role,
        html: Some(markdown::to_safe_html(&m.content)),
        text: m.content,
        detail: Some(detail),
    }
}
