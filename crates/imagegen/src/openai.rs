//! OpenAI Images (`/v1/images/generations`) through async-openai, and any OpenAI-compatible image
//! server (a local stable-diffusion server) at another base URL. The image comes back as base64.

use crate::{GeneratedImage, ImageError, ImageFormat, ImageFuture, ImageProvider, ImageRequest};
use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use base64::Engine;

pub struct OpenAiImages {
    client: Client<OpenAIConfig>,
    model: String,
    /// `openai` for api.openai.com, `compatible` for any other base URL.
    id: &'static str,
    host: String,
}

impl OpenAiImages {
    pub fn new(api_key: Option<String>, base_url: Option<String>, model: String) -> OpenAiImages {
        let mut config = OpenAIConfig::new().with_api_key(api_key.unwrap_or_else(|| "none".into()));
        let (id, host) = match &base_url {
            Some(base) => {
                config = config.with_api_base(base.trim_end_matches('/'));
                let host = base
                    .split("//")
                    .nth(1)
                    .and_then(|r| r.split('/').next())
                    .unwrap_or(base)
                    .to_string();
                ("compatible", host)
            }
            None => ("openai", "api.openai.com".into()),
        };
        OpenAiImages {
            client: Client::with_config(config),
            model,
            id,
            host,
        }
    }

    /// The nearest size the model accepts for the aspect ratio.
    fn size(&self, aspect_ratio: &str) -> &'static str {
        let wide = matches!(aspect_ratio, "16:9" | "21:9" | "3:2" | "5:4");
        let tall = matches!(aspect_ratio, "9:16" | "9:21" | "2:3" | "4:5");
        let dalle3 = self.model == "dall-e-3";
        match (wide, tall, dalle3) {
            (true, _, true) => "1792x1024",
            (_, true, true) => "1024x1792",
            (true, _, false) => "1536x1024",
            (_, true, false) => "1024x1536",
            _ => "1024x1024",
        }
    }
}

fn explain(error: OpenAIError, who: &str) -> ImageError {
    match error {
        OpenAIError::ApiError(response) => {
            let status = response.status_code.as_u16();
            let api = response.api_error;
            if api.code.as_deref() == Some("content_policy_violation")
                || api.code.as_deref() == Some("moderation_blocked")
            {
                return ImageError::Filtered(format!(
                    "{who}'s safety system refused this prompt; try describing it differently."
                ));
            }
            let message = match status {
                401 => format!("{who} refused the API key: check OPENAI_API_KEY."),
                402 | 403 => format!("{who} refused the request ({status}): {}", api.message),
                429 => format!(
                    "{who} is rate limiting or out of quota; try again in a minute ({}).",
                    api.message
                ),
                s if s >= 500 => format!("{who} had an internal error ({s}); try again shortly."),
                _ => format!("{who} could not make this image: {}", api.message),
            };
            ImageError::Provider { status, message }
        }
        OpenAIError::Reqwest(e) => {
            ImageError::Unavailable(format!("{who} could not be reached: {e}"))
        }
        other => ImageError::Unavailable(format!("{who} answered something unexpected: {other}")),
    }
}

impl ImageProvider for OpenAiImages {
    fn id(&self) -> &'static str {
        self.id
    }

    fn label(&self) -> String {
        match self.id {
            "openai" => format!("OpenAI Images ({})", self.model),
            _ => format!("{} at {}", self.model, self.host),
        }
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn paid(&self) -> bool {
        self.id == "openai"
    }

    fn honours_seed(&self) -> bool {
        false
    }

    fn generate<'a>(&'a self, request: &'a ImageRequest) -> ImageFuture<'a> {
        Box::pin(async move {
            let who = if self.id == "openai" {
                "OpenAI"
            } else {
                "The image server"
            };
            let mut body = serde_json::json!({
                "model": self.model,
                "prompt": request.prompt,
                "n": 1,
                "size": self.size(&request.aspect_ratio),
            });
            if self.model.starts_with("gpt-image") {
                body["output_format"] = serde_json::Value::String(request.format.as_str().into());
            } else {
                body["response_format"] = serde_json::Value::String("b64_json".into());
            }
            if self.id == "compatible" {
                // Local diffusion servers commonly take these; OpenAI's own API has no such fields.
                body["seed"] = serde_json::json!(request.seed);
                if !request.negative_prompt.is_empty() {
                    body["negative_prompt"] = serde_json::json!(request.negative_prompt);
                }
            }
            let response: serde_json::Value = self
                .client
                .images()
                .generate_byot(body)
                .await
                .map_err(|e| explain(e, who))?;
            let encoded = response
                .pointer("/data/0/b64_json")
                .and_then(|v| v.as_str())
                .ok_or_else(|| {
                    ImageError::Unavailable(format!(
                        "{who} returned no image data (it must support b64_json)."
                    ))
                })?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|_| {
                    ImageError::Unavailable(format!(
                        "{who} returned image data that is not base64."
                    ))
                })?;
            if bytes.len() > crate::MAX_IMAGE_BYTES {
                return Err(ImageError::Unavailable(format!(
                    "{who} sent an image larger than 15 MB."
                )));
            }
            let format = ImageFormat::sniff(&bytes).ok_or_else(|| {
                ImageError::Unavailable(format!("{who}'s answer is not a PNG, JPEG or WebP image."))
            })?;
            Ok(GeneratedImage {
                bytes,
                format,
                finish_reason: "SUCCESS".into(),
            })
        })
    }
}
