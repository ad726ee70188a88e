//! Text-to-image endpoints: the configured providers, generate (cached), the gallery, one image's
//! file (inline or as a download) and delete.

use crate::http::error::ApiError;
use crate::http::visitor::Visitor;
use crate::state::ServerState;
use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::api::ErrorCode;
use domain::api::images::{Gallery, Generated, Image, ProviderList};
use domain::api::routes::images_api;
use imagegen::{ImageError, ImageInput, ImageService};
use serde::Deserialize;
use std::sync::Arc;

fn error_response(e: &ImageError) -> Response {
    let (status, code) = match e {
        ImageError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::Invalid),
        ImageError::Filtered(_) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::Filtered),
        ImageError::Provider { status, .. } if *status == 429 => {
            (StatusCode::TOO_MANY_REQUESTS, ErrorCode::Provider)
        }
        ImageError::Provider { .. } => (StatusCode::BAD_GATEWAY, ErrorCode::Provider),
        ImageError::NotConfigured(_) => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::NotConfigured),
        ImageError::Unavailable(_) => (StatusCode::BAD_GATEWAY, ErrorCode::Unavailable),
        ImageError::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
        ImageError::QuotaFull(_) => (StatusCode::CONFLICT, ErrorCode::Conflict),
    };
    ApiError::new(status, code, e.to_string()).into_response()
}

fn image(row: &store::images::ImageRow) -> Image {
    Image {
        id: row.id,
        provider: row.provider.clone(),
        model: row.model.clone(),
        prompt: row.prompt.clone(),
        negative_prompt: row.negative_prompt.clone(),
        aspect_ratio: row.aspect_ratio.clone(),
        seed: row.seed,
        format: row.format.clone(),
        bytes: row.bytes,
        finish_reason: row.finish_reason.clone(),
        filtered: row.finish_reason == "CONTENT_FILTERED",
        generation_ms: row.generation_ms,
        created_at: row.created_at,
        url: images_api::FILE.url(&[&row.id]).to_string(),
        download_url: images_api::FILE
            .url(&[&row.id])
            .query("download", &1)
            .to_string(),
    }
}

/// `GET /api/images/providers`
pub async fn providers(State(images): State<Arc<ImageService>>) -> Response {
    Json(ProviderList {
        providers: images.providers(),
    })
    .into_response()
}

/// `POST /api/images/generate` with an [`ImageInput`].
pub async fn generate(
    State(images): State<Arc<ImageService>>,
    State(metrics): State<crate::services::metrics::Metrics>,
    Visitor(visitor): Visitor,
    input: Result<Json<ImageInput>, JsonRejection>,
) -> Response {
    let Json(input) = match input {
        Ok(i) => i,
        Err(r) => {
            return crate::http::error::error(
                StatusCode::BAD_REQUEST,
                &format!("The request is not valid: {r}"),
            );
        }
    };
    let result = images.generate(&visitor, &input).await;
    let provider = match &result {
        Ok(done) => done.image.provider.clone(),
        Err(_) => input.provider.clone().unwrap_or_else(|| "default".into()),
    };
    let outcome = match &result {
        Ok(done) if done.cached => "cached",
        Ok(_) => "generated",
        Err(_) => "error",
    };
    metrics.count(
        "image_requests_total",
        vec![("provider", provider), ("result", outcome.into())],
        1.0,
    );
    match result {
        Ok(done) => Json(Generated {
            image: image(&done.image),
            cached: done.cached,
            elapsed_ms: (done.elapsed_ms * 10.0).round() / 10.0,
        })
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "image generation failed");
            error_response(&e)
        }
    }
}

#[derive(Deserialize)]
pub struct GalleryQuery {
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub offset: Option<i64>,
}

/// `GET /api/images?limit&offset`: the visitor's images and the shared ones, newest first.
pub async fn gallery(
    State(images): State<Arc<ImageService>>,
    Visitor(visitor): Visitor,
    Query(q): Query<GalleryQuery>,
) -> Response {
    match images
        .gallery(&visitor, q.limit.unwrap_or(24), q.offset.unwrap_or(0))
        .await
    {
        Ok((rows, total)) => Json(Gallery {
            images: rows.iter().map(image).collect(),
            total,
        })
        .into_response(),
        Err(e) => error_response(&e),
    }
}

#[derive(Deserialize)]
pub struct FileQuery {
    #[serde(default)]
    pub download: Option<String>,
}

/// `GET /api/images/{id}/file[?download=1]`
pub async fn file(
    State(images): State<Arc<ImageService>>,
    Visitor(visitor): Visitor,
    Path(id): Path<i64>,
    Query(q): Query<FileQuery>,
) -> Response {
    match images.file(&visitor, id).await {
        Ok((row, bytes)) => {
            let mime = imagegen::ImageFormat::parse(&row.format)
                .map(|f| f.mime())
                .unwrap_or("application/octet-stream");
            let mut response = Response::new(Body::from(bytes));
            let h = response.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
            // Content-addressed: an id's file never changes.
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=31536000, immutable"),
            );
            if q.download.is_some() {
                let name = format!("image-{}-seed-{}.{}", row.id, row.seed, row.format);
                if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                    h.insert(header::CONTENT_DISPOSITION, v);
                }
            }
            response
        }
        Err(e) => error_response(&e),
    }
}

/// `DELETE /api/images/{id}`: only the visitor's own image.
pub async fn delete(
    State(images): State<Arc<ImageService>>,
    Visitor(visitor): Visitor,
    Path(id): Path<i64>,
) -> Response {
    match images.delete_own(&visitor, id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error_response(&e),
    }
}

/// Text-to-image: generate (rate limited), the gallery, providers, one image and its file.
pub fn router(state: &ServerState) -> Router<ServerState> {
    Router::new()
        .route(
            images_api::GENERATE.template(),
            axum::routing::post(generate)
                .route_layer(axum::middleware::from_fn_with_state(
                    state.chat_limit.clone(),
                    crate::http::rate_limit::limit_chat,
                ))
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::http::JSON_BODY_LIMIT,
                )),
        )
        .route(images_api::GALLERY.template(), get(gallery))
        .route(images_api::PROVIDERS.template(), get(providers))
        .route(images_api::FILE.template(), get(file))
        .route(images_api::DELETE.template(), axum::routing::delete(delete))
        .layer(axum::middleware::from_fn(
            crate::http::visitor::ensure_visitor,
        ))
}
