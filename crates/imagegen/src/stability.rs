//! Stability AI's SD3 endpoint: `POST /v2beta/stable-image/generate/sd3`, multipart form,
//! `Accept: image/*`; the image comes back as bytes with `finish-reason` and `seed` headers.

use crate::{GeneratedImage, ImageError, ImageFormat, ImageFuture, ImageProvider, ImageRequest};
use std::time::Duration;

pub const DEFAULT_BASE_URL: &str = "https://api.stability.ai";
pub const DEFAULT_MODEL: &str = "sd3-medium";

pub struct Stability {
    client: reqwest::Client,
    base_url: String,
    key: String,
    model: String,
}

impl Stability {
    pub fn new(
        key: String,
        base_url: Option<String>,
        model: Option<String>,
    ) -> Result<Stability, ImageError> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| ImageError::Unavailable(format!("cannot build the HTTP client: {e}")))?;
        Ok(Stability {
            client,
            base_url: base_url
                .unwrap_or_else(|| DEFAULT_BASE_URL.into())
                .trim_end_matches('/')
                .to_string(),
            key,
            model: model.unwrap_or_else(|| DEFAULT_MODEL.into()),
        })
    }
}

/// Stability's error body: `{"id": ..., "name": "bad_request", "errors": ["..."]}`.
fn error_detail(body: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let errors = parsed
        .as_ref()
        .and_then(|v| v.get("errors"))
        .and_then(|e| e.as_array())
        .map(|list| {
            list.iter()
                .filter_map(|e| e.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|s| !s.is_empty());
    let message = parsed
        .as_ref()
        .and_then(|v| v.get("message"))
        .and_then(|m| m.as_str())
        .map(str::to_string);
    errors.or(message).unwrap_or_default()
}

/// Turns Stability's error statuses into sentences a person can act on.
pub(crate) fn explain(status: u16, body: &str) -> ImageError {
    let detail = error_detail(body);
    let with = |text: &str| {
        if detail.is_empty() {
            text.to_string()
        } else {
            format!("{text} ({detail})")
        }
    };
    match status {
        400 => ImageError::Provider {
            status,
            message: with("Stability rejected the request"),
        },
        401 => ImageError::Provider {
            status,
            message: "Stability refused the API key: check STABILITY_KEY.".into(),
        },
        402 => ImageError::Provider {
            status,
            message:
                "The Stability account has run out of credits; add credits or use another provider."
                    .into(),
        },
        403 => ImageError::Filtered(with(
            "Stability's content moderation flagged this prompt; try describing it differently",
        )),
        413 => ImageError::Provider {
            status,
            message: "The request was too large for Stability; shorten the prompt.".into(),
        },
        422 => ImageError::Provider {
            status,
            message: with("Stability could not use this request"),
        },
        429 => ImageError::Provider {
            status,
            message: "Stability is rate limiting this key; try again in a minute.".into(),
        },
        _ if status >= 500 => ImageError::Provider {
            status,
            message: format!("Stability had an internal error ({status}); try again shortly."),
        },
        _ => ImageError::Provider {
            status,
            message: with(&format!("Stability answered {status}")),
        },
    }
}

impl ImageProvider for Stability {
    fn id(&self) -> &'static str {
        "stability"
    }

    fn label(&self) -> String {
        format!("Stability AI SD3 ({})", self.model)
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn paid(&self) -> bool {
        true
    }

    fn honours_seed(&self) -> bool {
        true
    }

    fn generate<'a>(&'a self, request: &'a ImageRequest) -> ImageFuture<'a> {
        Box::pin(async move {
            let mut form = reqwest::multipart::Form::new()
                .text("prompt", request.prompt.clone())
                .text("aspect_ratio", request.aspect_ratio.clone())
                .text("seed", request.seed.to_string())
                .text("output_format", request.format.as_str())
                .text("model", self.model.clone());
            if !request.negative_prompt.is_empty() {
                form = form.text("negative_prompt", request.negative_prompt.clone());
            }
            let response = self
                .client
                .post(format!(
                    "{}/v2beta/stable-image/generate/sd3",
                    self.base_url
                ))
                .bearer_auth(&self.key)
                .header(reqwest::header::ACCEPT, "image/*")
                .multipart(form)
                .send()
                .await
                .map_err(|e| {
                    if e.is_timeout() {
                        ImageError::Unavailable(
                            "Stability did not answer in time; try again.".into(),
                        )
                    } else {
                        ImageError::Unavailable(format!("Stability could not be reached: {e}"))
                    }
                })?;
            let status = response.status().as_u16();
            let finish_reason = response
                .headers()
                .get("finish-reason")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("SUCCESS")
                .to_string();
            let bytes = response.bytes().await.map_err(|e| {
                ImageError::Unavailable(format!("the image download broke off: {e}"))
            })?;
            if status != 200 {
                return Err(explain(status, &String::from_utf8_lossy(&bytes)));
            }
            if bytes.len() > crate::MAX_IMAGE_BYTES {
                return Err(ImageError::Unavailable(
                    "Stability sent an image larger than 15 MB.".into(),
                ));
            }
            let format = ImageFormat::sniff(&bytes).ok_or_else(|| {
                ImageError::Unavailable("Stability's answer is not an image.".into())
            })?;
            Ok(GeneratedImage {
                bytes: bytes.to_vec(),
                format,
                finish_reason,
            })
        })
    }
}
