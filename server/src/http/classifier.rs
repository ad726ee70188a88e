//! Image Classifier endpoints: predict (multipart upload), what the classifier knows, teach a
//! class from example images, reset to the shipped head, and drawn sample pictures.

use crate::http::auth::Admin;
use crate::http::error::ApiError;
use crate::http::rate_limit::ClientIp;
use crate::http::upload::Upload;
use crate::http::visitor::Visitor;
use crate::services::audit::Audit;
use crate::services::classifier::{ClassifierError, ClassifierService, ClassifierStatus};
use crate::services::metrics::Metrics;
use crate::state::ServerState;
use axum::Json;
use axum::Router;
use axum::extract::multipart::{Field, MultipartRejection};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::api::ErrorCode;
use domain::api::routes::classifier_api;
use domain::classifier::{ClassList, ClassifierInfo, Prediction};
use std::sync::Arc;
use std::time::Instant;
use vision::VisionError;
use vision::classifier::MAX_TEACH_IMAGES;
use vision::preprocess::MAX_UPLOAD_BYTES;

/// Body limit of the predict route: one image plus the multipart framing and a threshold.
pub const PREDICT_BODY_LIMIT: usize = MAX_UPLOAD_BYTES + 64 * 1024;
/// Body limit of the teach route: a few example photos at once.
pub const TEACH_BODY_LIMIT: usize = 40 * 1024 * 1024;

impl From<ClassifierError> for ApiError {
    fn from(e: ClassifierError) -> ApiError {
        match e {
            ClassifierError::Loading => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Loading,
                "The classifier is still loading; try again in a moment.",
            ),
            ClassifierError::Unavailable(why) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                &why,
            ),
            ClassifierError::Internal => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "The classifier failed; please try again.",
            ),
            ClassifierError::Vision(e) => vision_error(&e),
        }
    }
}

fn vision_error(e: &VisionError) -> ApiError {
    match e {
        VisionError::TooLarge(_) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            e.to_string(),
        ),
        VisionError::UnsupportedType(m) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedType,
            m,
        ),
        VisionError::BadImage(m) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::BadImage, m)
        }
        VisionError::Invalid(m) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::Invalid, m)
        }
        VisionError::ModelMissing(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            e.to_string(),
        ),
        _ => {
            tracing::error!(error = %e, "classifier error");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "The classifier failed; please try again.",
            )
        }
    }
}

/// How this route's uploads are read and refused.
const UPLOAD: Upload = Upload {
    what: "the image",
    too_large: "The upload is too large; an image may be at most 10 MB.",
};

/// A field's bytes, refused once past `limit` without reading the rest.
async fn read_limited(field: Field<'_>, limit: usize) -> Result<Vec<u8>, ApiError> {
    UPLOAD
        .read(field, limit, |n| vision_error(&VisionError::TooLarge(n)))
        .await
}

fn parse_threshold(raw: &str) -> Result<f32, ApiError> {
    raw.trim()
        .parse::<f32>()
        .ok()
        .filter(|t| (0.0..=1.0).contains(t))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::Invalid,
                "confidence_threshold must be a number from 0 to 1.",
            )
        })
}

/// `POST /api/classifier/predict`: multipart `file` (at most 10 MB, JPEG/PNG/GIF/WebP by content)
/// and optionally `confidence_threshold`.
pub async fn predict(
    State(service): State<Arc<ClassifierService>>,
    State(metrics): State<Metrics>,
    Visitor(visitor): Visitor,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let mut multipart = multipart.map_err(|e| UPLOAD.unreadable(&e))?;
    let mut file = None;
    let mut threshold = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| UPLOAD.unreadable(&e))?
    {
        match field.name().unwrap_or_default() {
            "file" => file = Some(read_limited(field, MAX_UPLOAD_BYTES).await?),
            "confidence_threshold" | "threshold" => {
                let text = field.text().await.map_err(|e| UPLOAD.unreadable(&e))?;
                threshold = Some(parse_threshold(&text)?);
            }
            _ => {}
        }
    }
    let bytes = file.ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::MissingFile,
            "No image received: send it in a multipart field named `file`.",
        )
    })?;
    let started = Instant::now();
    let result = service.predict_for(&visitor, bytes, threshold).await;
    let outcome = match &result {
        Ok(p) => p.predicted_class.clone(),
        Err(_) => "error".into(),
    };
    metrics.count(
        "classifier_predictions_total",
        vec![("class", outcome)],
        1.0,
    );
    let prediction = result.map_err(ApiError::from)?;
    metrics.observe(
        "model_inference_duration_seconds",
        vec![("model", "efficientnet-lite0".into())],
        prediction.inference_ms / 1000.0,
    );
    let prediction = Prediction {
        elapsed_ms: Some((started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0),
        ..prediction
    };
    Ok(Json(prediction).into_response())
}

/// `GET /api/classifier/info`: state, the classes this visitor sees with their examples, the
/// default threshold and the shipped head's training figures.
pub async fn info(
    State(service): State<Arc<ClassifierService>>,
    Visitor(visitor): Visitor,
) -> Response {
    let classes = service.classes_for(&visitor).await;
    match service
        .ready()
        .and_then(|c| classes.map(|classes| (c, classes)))
    {
        Ok((c, classes)) => Json(ClassifierInfo {
            ready: true,
            state: "ready".into(),
            error: None,
            backbone: "EfficientNet-Lite0 (ImageNet-1k) on candle, in process".into(),
            confidence_threshold: c.default_threshold(),
            classes,
            shipped: c.shipped_metadata().clone(),
            max_upload_bytes: MAX_UPLOAD_BYTES,
            max_teach_images: MAX_TEACH_IMAGES,
        })
        .into_response(),
        Err(e) => {
            let (state, error) = match service.status() {
                ClassifierStatus::Failed { error } => ("failed", Some(error)),
                ClassifierStatus::Loading | ClassifierStatus::Ready { .. } => ("loading", None),
            };
            let body = ClassifierInfo {
                ready: false,
                state: state.into(),
                error,
                ..ClassifierInfo::default()
            };
            (ApiError::from(e).status, Json(body)).into_response()
        }
    }
}

/// A teaching request's `class` and example files.
async fn read_teaching(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(String, Vec<Vec<u8>>), ApiError> {
    let mut multipart = multipart.map_err(|e| UPLOAD.unreadable(&e))?;
    let mut class = None;
    let mut files = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| UPLOAD.unreadable(&e))?
    {
        match field.name().unwrap_or_default() {
            "class" => class = Some(field.text().await.map_err(|e| UPLOAD.unreadable(&e))?),
            "file" | "files" => {
                if files.len() >= MAX_TEACH_IMAGES {
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        ErrorCode::Invalid,
                        format!("Send at most {MAX_TEACH_IMAGES} example images at once."),
                    ));
                }
                files.push(read_limited(field, MAX_UPLOAD_BYTES).await?);
            }
            _ => {}
        }
    }
    let class = class.filter(|c| !c.trim().is_empty()).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Invalid,
            "Name the class to teach.",
        )
    })?;
    Ok((class, files))
}

/// `POST /api/classifier/teach`: multipart `class` and one or more `file` fields; the class is
/// this visitor's only.
pub async fn teach(
    State(service): State<Arc<ClassifierService>>,
    Visitor(visitor): Visitor,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let (class, files) = read_teaching(multipart).await?;
    let report = service
        .teach_visitor(&visitor, class, files)
        .await
        .map_err(ApiError::from)?;
    tracing::info!(class = %report.class, images = report.images_added, ms = report.train_ms as u64, "class taught to one visitor");
    Ok(Json(report).into_response())
}

/// `POST /api/classifier/reset`: forget what this visitor taught (the shared classes stay).
pub async fn reset(
    State(service): State<Arc<ClassifierService>>,
    Visitor(visitor): Visitor,
) -> Result<Response, ApiError> {
    let classes = service
        .reset_visitor(&visitor)
        .await
        .map_err(ApiError::from)?;
    Ok(Json(ClassList { classes }).into_response())
}

/// `POST /api/desk/classifier/teach` (admin): a class every visitor sees.
pub async fn teach_shared(
    State(service): State<Arc<ClassifierService>>,
    State(audit): State<Audit>,
    Admin(admin): Admin,
    ClientIp(ip): ClientIp,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let (class, files) = read_teaching(multipart).await?;
    let report = service
        .teach_shared(class, files)
        .await
        .map_err(ApiError::from)?;
    let detail = format!("{} images", report.images_added);
    audit
        .staff(
            &admin,
            &ip,
            "classifier.teach_shared",
            &report.class,
            &detail,
        )
        .await;
    Ok(Json(report).into_response())
}

/// `POST /api/desk/classifier/reset` (admin): the shared classes back to the shipped ones.
pub async fn reset_shared(
    State(service): State<Arc<ClassifierService>>,
    State(audit): State<Audit>,
    Admin(admin): Admin,
    ClientIp(ip): ClientIp,
) -> Result<Response, ApiError> {
    let classes = service.reset_shared().await.map_err(ApiError::from)?;
    audit
        .staff(&admin, &ip, "classifier.reset_shared", "", "")
        .await;
    Ok(Json(ClassList { classes }).into_response())
}

/// `GET /api/classifier/samples/{name}`: a PNG, one of `domain::classifier::SAMPLES`.
pub async fn sample(Path(name): Path<String>) -> Response {
    let name = name.trim_end_matches(".png").to_owned();
    let image = match name.as_str() {
        "superman-emblem" => vision::drawn::emblem(224, &mut vision::augment::Rng::new(7)),
        "superman-emblem-2" => vision::drawn::emblem(224, &mut vision::augment::Rng::new(2024)),
        "noise" => {
            let mut rng = vision::augment::Rng::new(11);
            vision::image::RgbImage::from_fn(224, 224, |_, _| {
                let v = rng.next_u64();
                vision::image::Rgb([v as u8, (v >> 8) as u8, (v >> 16) as u8])
            })
        }
        _ => {
            return ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::NotFound,
                "No such sample.",
            )
            .into_response();
        }
    };
    let mut png = std::io::Cursor::new(Vec::new());
    if let Err(e) = image.write_to(&mut png, vision::image::ImageFormat::Png) {
        tracing::error!(error = %e, "cannot encode a sample");
        return ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "The sample could not be drawn.",
        )
        .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        png.into_inner(),
    )
        .into_response()
}

/// The classifier: predict and teach (rate limited, with their body limits), reset, info and
/// the drawn samples.
pub fn router(state: &ServerState) -> Router<ServerState> {
    let limited = || {
        axum::middleware::from_fn_with_state(
            state.chat_limit.clone(),
            crate::http::rate_limit::limit_chat,
        )
    };
    Router::new()
        .route(
            classifier_api::PREDICT.template(),
            axum::routing::post(predict)
                .route_layer(limited())
                .layer(axum::extract::DefaultBodyLimit::max(PREDICT_BODY_LIMIT)),
        )
        .route(
            classifier_api::TEACH.template(),
            axum::routing::post(teach)
                .route_layer(limited())
                .layer(axum::extract::DefaultBodyLimit::max(TEACH_BODY_LIMIT)),
        )
        .route(classifier_api::RESET.template(), axum::routing::post(reset))
        .route(
            classifier_api::TEACH_SHARED.template(),
            axum::routing::post(teach_shared)
                .layer(axum::extract::DefaultBodyLimit::max(TEACH_BODY_LIMIT)),
        )
        .route(
            classifier_api::RESET_SHARED.template(),
            axum::routing::post(reset_shared),
        )
        .route(classifier_api::INFO.template(), axum::routing::get(info))
        .route(
            classifier_api::SAMPLE.template(),
            axum::routing::get(sample),
        )
        .layer(axum::middleware::from_fn(
            crate::http::visitor::ensure_visitor,
        ))
}
