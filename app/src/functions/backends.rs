use crate::models::DemoBackend;
use leptos::prelude::*;

/// Which backend each demo uses with this server's configuration.
#[server(endpoint = "backends")]
pub async fn get_backends() -> Result<Vec<DemoBackend>, ServerFnError> {
    let state = crate::state::app_state()?;
    Ok(state.backends.as_ref().clone())
}
