//! Which backend each demo uses under this configuration, for the home page and /health/ready.

use crate::config::Config;
use app::models::{BackendKind, DemoBackend};
use domain::api::images::ProviderInfo;
use url::Url;

fn host(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => url.to_string(),
    }
}

fn entry(slug: &str, kind: BackendKind, label: String) -> DemoBackend {
    DemoBackend {
        slug: slug.to_owned(),
        kind,
        label,
    }
}

/// `image_providers` are the providers the image service actually built (not the configuration
/// read again), so the home page never names a provider that failed to start.
pub fn demo_backends(
    config: &Config,
    database: store::Backend,
    image_providers: &[ProviderInfo],
) -> Vec<DemoBackend> {
    let llm = |model: &str| match (&config.openai_api_key, &config.openai_base_url) {
        (_, Some(base)) => Some(format!("{model} at {}", host(base))),
        (Some(_), None) => Some(format!("OpenAI {model}")),
        (None, None) => None,
    };
    let support = match llm(&config.openai_support_model) {
        Some(label) => entry("support", BackendKind::Cloud, label),
        None => entry(
            "support",
            BackendKind::Embedded,
            "Offline planner + MiniLM + Qdrant Edge".into(),
        ),
    };
    let pirate = match llm(&config.openai_chat_model) {
        Some(label) => entry("pirate", BackendKind::Cloud, label),
        None => entry(
            "pirate",
            BackendKind::Embedded,
            llm::EMBEDDED_MODEL_NAME.into(),
        ),
    };
    let gpt = match &config.gpt_api_url {
        Some(url) => entry(
            "gpt",
            BackendKind::Cloud,
            format!("GPT service at {}", host(url)),
        ),
        None => entry(
            "gpt",
            BackendKind::Embedded,
            "char-level GPT on candle".into(),
        ),
    };
    let image_configured = config.stability_key.is_some()
        || config.openai_image_base_url.is_some()
        || config.openai_api_key.is_some();
    let image = match image_providers.first() {
        Some(provider) => entry("text-to-image", BackendKind::Cloud, provider.label.clone()),
        None if image_configured => entry(
            "text-to-image",
            BackendKind::Missing,
            "the configured image provider could not start (see the server log)".into(),
        ),
        None => entry(
            "text-to-image",
            BackendKind::Missing,
            "needs STABILITY_KEY, OPENAI_API_KEY or OPENAI_IMAGE_BASE_URL".into(),
        ),
    };
    let data = match database {
        store::Backend::Sqlite => entry("data", BackendKind::Embedded, "SQLite".into()),
        store::Backend::Postgres => entry("data", BackendKind::Cloud, "PostgreSQL".into()),
    };
    vec![
        support,
        pirate,
        gpt,
        entry(
            "classifier",
            BackendKind::Embedded,
            "EfficientNet-Lite0 on candle".into(),
        ),
        image,
        data,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn backends(vars: &[(&str, &str)], db: store::Backend) -> Vec<DemoBackend> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        let config = Config::from_lookup(|k| map.get(k).map(|v| (*v).to_owned())).expect("config");
        let providers: Vec<ProviderInfo> = crate::services::images::build_providers(&config)
            .iter()
            .map(|p| imagegen::provider_info(&**p))
            .collect();
        demo_backends(&config, db, &providers)
    }

    fn kind(list: &[DemoBackend], slug: &str) -> (BackendKind, String) {
        list.iter()
            .find(|b| b.slug == slug)
            .map(|b| (b.kind, b.label.clone()))
            .expect(slug)
    }

    #[test]
    fn no_keys_means_embedded_everywhere_but_text_to_image() {
        let list = backends(&[], store::Backend::Sqlite);
        assert_eq!(list.len(), 6);
        for b in &list {
            let expected = if b.slug == "text-to-image" {
                BackendKind::Missing
            } else {
                BackendKind::Embedded
            };
            assert_eq!(b.kind, expected, "{}", b.slug);
        }
    }

    #[test]
    fn keys_switch_to_cloud_and_name_the_service() {
        let list = backends(
            &[
                ("OPENAI_API_KEY", "sk-x"),
                ("GPT_API_URL", "https://gpt.example.com"),
                ("OPENAI_CHAT_MODEL", "gpt-4.1"),
            ],
            store::Backend::Postgres,
        );
        assert_eq!(
            kind(&list, "pirate"),
            (BackendKind::Cloud, "OpenAI gpt-4.1".into())
        );
        assert_eq!(
            kind(&list, "gpt"),
            (BackendKind::Cloud, "GPT service at gpt.example.com".into())
        );
        assert_eq!(kind(&list, "text-to-image").0, BackendKind::Cloud);
        assert_eq!(
            kind(&list, "data"),
            (BackendKind::Cloud, "PostgreSQL".into())
        );
        let local = backends(
            &[("OPENAI_BASE_URL", "http://127.0.0.1:8089/v1")],
            store::Backend::Sqlite,
        );
        assert_eq!(
            kind(&local, "support"),
            (BackendKind::Cloud, "gpt-4o-mini at 127.0.0.1:8089".into())
        );
        // No key must never leak into a label.
        assert!(list.iter().all(|b| !b.label.contains("sk-x")));
    }

    #[test]
    fn a_configured_image_provider_that_did_not_start_is_not_named_as_answering() {
        let map: HashMap<&str, &str> = [("STABILITY_KEY", "sk-stability")].into_iter().collect();
        let config = Config::from_lookup(|k| map.get(k).map(|v| (*v).to_owned())).expect("config");
        let list = demo_backends(&config, store::Backend::Sqlite, &[]);
        let (kind, label) = kind(&list, "text-to-image");
        assert_eq!(kind, BackendKind::Missing);
        assert!(label.contains("could not start"), "{label}");
    }
}
