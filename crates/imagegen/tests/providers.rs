//! The image providers against FAKES OF THE STABILITY AI AND OPENAI IMAGES CLOUD APIS: local HTTP
//! servers speaking their wire protocols (multipart in, image bytes and `finish-reason` out for
//! Stability; JSON with base64 for OpenAI), since the real APIs cannot be reached from here. The
//! cache and the gallery run on a real database and real files.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use imagegen::{
    ImageError, ImageInput, ImageProvider, ImageService, OpenAiImages, Stability, ValidateImage,
};
use std::sync::Arc;
use store::testing::TestDatabase;

use imagegen::fake::{PNG, fake_cloud};

fn input(prompt: &str, seed: u32) -> ImageInput {
    ImageInput {
        prompt: prompt.into(),
        seed: Some(seed),
        ..Default::default()
    }
}

#[tokio::test]
async fn stability_gets_a_real_multipart_request_and_its_image() {
    let (base, seen) = fake_cloud().await;
    let stability = Stability::new("sk-stability-test".into(), Some(base), None).expect("client");
    let request = ImageInput {
        prompt: "a lighthouse at dusk".into(),
        negative_prompt: "blurry".into(),
        aspect_ratio: Some("16:9".into()),
        seed: Some(1234),
        format: Some("webp".into()),
        provider: None,
    }
    .validate(|| 1)
    .expect("valid");
    let image = stability.generate(&request).await.expect("image");
    assert_eq!(image.bytes, PNG);
    assert_eq!(image.finish_reason, "SUCCESS");
    let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(seen[0].path, "/v2beta/stable-image/generate/sd3");
    let header = |name: &str| {
        seen[0]
            .headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("accept").as_deref(), Some("image/*"));
    assert!(
        header("content-type").is_some_and(|v| v.starts_with("multipart/form-data; boundary="))
    );
    let fields: std::collections::HashMap<_, _> = seen[0].fields.iter().cloned().collect();
    assert_eq!(
        fields.get("prompt").map(String::as_str),
        Some("a lighthouse at dusk")
    );
    assert_eq!(
        fields.get("negative_prompt").map(String::as_str),
        Some("blurry")
    );
    assert_eq!(fields.get("aspect_ratio").map(String::as_str), Some("16:9"));
    assert_eq!(fields.get("seed").map(String::as_str), Some("1234"));
    assert_eq!(
        fields.get("output_format").map(String::as_str),
        Some("webp")
    );
    assert_eq!(fields.get("model").map(String::as_str), Some("sd3-medium"));
}

#[tokio::test]
async fn stability_errors_become_sentences() {
    let (base, _) = fake_cloud().await;
    let stability =
        Stability::new("sk-stability-test".into(), Some(base.clone()), None).expect("client");
    let stability = &stability;
    let run = |prompt: &'static str| {
        let request = input(prompt, 5).validate(|| 1).expect("valid");
        async move { stability.generate(&request).await }
    };
    let no_credits = run("no credits please").await;
    assert!(
        matches!(&no_credits, Err(ImageError::Provider { status: 402, message }) if message.contains("out of credits")),
        "{no_credits:?}"
    );
    let busy = run("busy").await;
    assert!(
        matches!(&busy, Err(ImageError::Provider { status: 429, message }) if message.contains("try again")),
        "{busy:?}"
    );
    let wrong_key = Stability::new("sk-wrong".into(), Some(base), None).expect("client");
    let request = input("a cat", 5).validate(|| 1).expect("valid");
    let refused = wrong_key.generate(&request).await;
    assert!(
        matches!(&refused, Err(ImageError::Provider { status: 401, message }) if message.contains("STABILITY_KEY")),
        "{refused:?}"
    );
    let filtered = run("filtered content")
        .await
        .expect("an image still comes back");
    assert_eq!(filtered.finish_reason, "CONTENT_FILTERED");
}

#[tokio::test]
async fn openai_compatible_images_come_back_as_base64() {
    let (base, seen) = fake_cloud().await;
    let server = OpenAiImages::new(None, Some(format!("{base}/v1")), "sdxl-turbo".into());
    assert_eq!(server.id(), "compatible");
    let request = input("a tiny robot", 77).validate(|| 1).expect("valid");
    let image = server.generate(&request).await.expect("image");
    assert_eq!(image.bytes, PNG);
    let body = seen
        .lock()
        .ok()
        .and_then(|s| s[0].json.clone())
        .unwrap_or_default();
    assert_eq!(body["response_format"], "b64_json");
    assert_eq!(body["seed"], 77);
    assert_eq!(body["size"], "1024x1024");
    let flagged = server
        .generate(&input("something flagged", 1).validate(|| 1).expect("valid"))
        .await;
    assert!(
        matches!(flagged, Err(ImageError::Filtered(_))),
        "{flagged:?}"
    );
}

const ANA: &str = "visitor-ana-0123456789abcdef";
const BEN: &str = "visitor-ben-0123456789abcdef";

#[tokio::test]
async fn each_visitor_has_their_own_gallery_within_a_quota() {
    let (base, seen) = fake_cloud().await;
    let db = TestDatabase::sqlite(chrono::Utc::now()).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let stability: Arc<dyn ImageProvider> =
        Arc::new(Stability::new("sk-stability-test".into(), Some(base), None).expect("client"));
    let service = ImageService::new(
        db.store.clone(),
        dir.path().to_path_buf(),
        vec![stability],
        100,
    )
    .with_quota(imagegen::VisitorQuota {
        images: 2,
        bytes: 1 << 20,
    });
    let ana = service
        .generate(ANA, &input("a red bicycle", 9))
        .await
        .expect("ana");
    // The same request from another visitor is theirs, not Ana's cached image.
    let ben = service
        .generate(BEN, &input("a red bicycle", 9))
        .await
        .expect("ben");
    assert!(!ben.cached);
    assert_ne!(ben.image.id, ana.image.id);
    assert_eq!(seen.lock().map(|s| s.len()).unwrap_or(0), 2);
    // Ben sees only his own, cannot read or delete Ana's.
    let (rows, total) = service.gallery(BEN, 10, 0).await.expect("gallery");
    assert_eq!((rows.len(), total), (1, 1));
    assert_eq!(rows[0].id, ben.image.id);
    assert!(matches!(
        service.file(BEN, ana.image.id).await,
        Err(ImageError::NotFound(_))
    ));
    assert!(matches!(
        service.delete_own(BEN, ana.image.id).await,
        Err(ImageError::NotFound(_))
    ));
    assert!(
        service.file(ANA, ana.image.id).await.is_ok(),
        "Ana's image is still there"
    );
    // The quota: a third image is refused with a sentence, until one is deleted.
    service.generate(ANA, &input("two", 1)).await.expect("two");
    let full = service.generate(ANA, &input("three", 1)).await;
    assert!(
        matches!(&full, Err(ImageError::QuotaFull(m)) if m.contains("delete an image")),
        "{full:?}"
    );
    service
        .delete_own(ANA, ana.image.id)
        .await
        .expect("delete own");
    service
        .generate(ANA, &input("three", 1))
        .await
        .expect("room again");
    // The schedule removes visitors' images older than the cutoff.
    let removed = service
        .remove_visitor_images_before(chrono::Utc::now() + chrono::Duration::seconds(1))
        .await
        .expect("clean-up");
    assert_eq!(removed, 3);
    assert_eq!(service.gallery(ANA, 10, 0).await.expect("gallery").1, 0);
}

#[tokio::test]
async fn the_same_request_is_served_from_the_cache() {
    let (base, seen) = fake_cloud().await;
    let db = TestDatabase::sqlite(chrono::Utc::now()).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let stability: Arc<dyn ImageProvider> =
        Arc::new(Stability::new("sk-stability-test".into(), Some(base), None).expect("client"));
    let service = ImageService::new(
        db.store.clone(),
        dir.path().to_path_buf(),
        vec![stability],
        3,
    );

    let first = service
        .generate(ANA, &input("a red bicycle", 9))
        .await
        .expect("first");
    assert!(!first.cached);
    let again = service
        .generate(ANA, &input("a red bicycle", 9))
        .await
        .expect("again");
    assert!(again.cached);
    assert_eq!(again.image.id, first.image.id);
    assert_eq!(
        seen.lock().map(|s| s.len()).unwrap_or(0),
        1,
        "the provider was called once"
    );
    let (_, bytes) = service.file(ANA, first.image.id).await.expect("file");
    assert_eq!(bytes, PNG);

    // A random seed is chosen and returned; a different seed is a different image.
    let random = service
        .generate(
            ANA,
            &ImageInput {
                prompt: "a red bicycle".into(),
                ..Default::default()
            },
        )
        .await
        .expect("random");
    assert!(random.image.seed >= 1);
    assert!(!random.cached);

    // The gallery keeps at most three: the oldest goes, with its file.
    service.generate(ANA, &input("two", 1)).await.expect("two");
    service
        .generate(ANA, &input("three", 1))
        .await
        .expect("three");
    let (rows, total) = service.gallery(ANA, 10, 0).await.expect("gallery");
    assert_eq!(total, 3);
    assert!(rows.iter().all(|r| r.id != first.image.id));
    assert!(matches!(
        service.file(ANA, first.image.id).await,
        Err(ImageError::NotFound(_))
    ));
    assert_eq!(
        std::fs::read_dir(dir.path())
            .map(|d| d.count())
            .unwrap_or(0),
        3
    );

    assert!(service.delete(rows[0].id).await.expect("delete"));
    assert!(!service.delete(rows[0].id).await.expect("delete again"));
    let none = ImageService::new(db.store.clone(), dir.path().to_path_buf(), Vec::new(), 3);
    let unconfigured = none.generate(ANA, &input("x", 1)).await;
    assert!(
        matches!(unconfigured, Err(ImageError::NotConfigured(m)) if m.contains("STABILITY_KEY"))
    );
}
