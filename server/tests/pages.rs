//! Pages, health, Data Views and CSV export, security headers: the server-rendered surface,
//! against real databases (SQLite always; PostgreSQL when it answers, or required by CI).
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[tokio::test]
async fn health_endpoints_report_the_database() {
    let app = TestApp::builder().build().await.expect("sqlite app");
    let alive = app.get("/health").await;
    assert_eq!(alive.status, StatusCode::OK);
    assert!(alive.body.contains("\"alive\""));

    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&ready.body).expect("json");
    assert_eq!(json["status"], "ready");
    assert_eq!(json["components"]["database"]["status"], "up");
    assert_eq!(json["components"]["database"]["backend"], "sqlite");
    assert_eq!(
        json["components"]["demos"]["text-to-image"]["backend"],
        "Missing"
    );

    // With the database gone, readiness says so with a 503 instead of hanging or panicking.
    app.db.store.close().await;
    let down = app.get("/health/ready").await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(down.body.contains("\"down\""));
    app.cleanup().await;
}

#[tokio::test]
async fn every_route_renders_on_the_server_with_its_title() {
    let app = TestApp::builder().build().await.expect("sqlite app");
    let routes = [
        ("/", "AI Portfolio", "Six working AI demos"),
        (
            "/support",
            "Customer Support · AI Portfolio",
            "Every tool call the agent makes",
        ),
        (
            "/pirate",
            "Pirate Chatbot · AI Portfolio",
            "Ahoy, me hearty!",
        ),
        (
            "/gpt",
            "Custom GPT · AI Portfolio",
            "The same seed and settings always give the same text",
        ),
        (
            "/classifier",
            "Image Classifier · AI Portfolio",
            "Drop a picture here, paste one, or click to choose",
        ),
        (
            "/text-to-image",
            "Text-to-Image · AI Portfolio",
            "Describe an image and pick a provider",
        ),
        (
            "/data",
            "Products · Data Views · AI Portfolio",
            "Aurora ANC Over-Ear Headphones",
        ),
        ("/architecture", "Architecture · AI Portfolio", "<svg"),
    ];
    for (path, title, marker) in routes {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(title_of(&reply.body), title, "{path}");
        assert!(reply.body.contains(marker), "{path} lacks {marker}");
        assert!(
            reply.body.contains("name=\"description\""),
            "{path} has no description"
        );
        // Home, Architecture and Data Views have no island (so their document loads no
        // WebAssembly: the script looks for one); every other page has one, which hydrates.
        let is_static = matches!(path, "/" | "/architecture" | "/data");
        assert_eq!(
            reply.body.contains("<leptos-island"),
            !is_static,
            "{path}: an island should be there exactly when the page is interactive"
        );
        let stylesheet = reply.body.find("/pkg/ai-portfolio.css");
        let first_script = reply.body.find("<script");
        assert!(
            matches!((stylesheet, first_script), (Some(css), Some(script)) if css < script),
            "{path}: the stylesheet is requested before any script"
        );
        assert_eq!(
            reply
                .headers
                .get(header::X_CONTENT_TYPE_OPTIONS)
                .map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
        assert!(reply.headers.contains_key("x-request-id"));
    }
    let missing = app.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("This page does not exist"));
    assert_eq!(title_of(&missing.body), "Page not found · AI Portfolio");
    app.cleanup().await;
}

#[tokio::test]
async fn home_cards_say_which_backend_each_demo_uses() {
    let app = TestApp::builder()
        .env("STABILITY_KEY", "sk-test-stability")
        .build()
        .await
        .expect("app");
    let home = app.get("/").await;
    assert!(
        home.body.contains("Embedded: SmolLM2-135M-Instruct"),
        "{}",
        home.body.len()
    );
    assert!(home.body.contains("Cloud: Stability AI SD3"));
    assert!(!home.body.contains("sk-test-stability"));
    app.cleanup().await;
}

#[tokio::test]
async fn text_to_image_says_in_its_first_html_whether_a_provider_is_configured() {
    // In the server's HTML, not added after hydration: a notice inserted above the form once the
    // page had painted moved everything under it (a layout shift of 0.27).
    let without = TestApp::builder().build().await.expect("app");
    let page = without.get("/text-to-image").await;
    assert!(page.body.contains("data-testid=\"no-provider\""));
    without.cleanup().await;

    let with = TestApp::builder()
        .env("STABILITY_KEY", "sk-test-stability")
        .build()
        .await
        .expect("app");
    let page = with.get("/text-to-image").await;
    assert!(page.body.contains("data-testid=\"image-form\""));
    assert!(!page.body.contains("data-testid=\"no-provider\""));
    with.cleanup().await;
}

#[tokio::test]
async fn data_views_render_the_view_in_the_url_without_javascript() {
    let app = TestApp::builder().build().await.expect("app");
    let orders = app
        .get("/data?tab=orders&status=delivered&sort=total&dir=desc&size=25")
        .await;
    assert_eq!(orders.status, StatusCode::OK);
    assert!(orders.body.contains("data-testid=\"data-table\""));
    // The most expensive delivered order is 1005 (a $2,199 camera).
    let first_row = orders.body.split("data-order=\"").nth(1).unwrap_or("");
    assert!(
        first_row.starts_with("1005\""),
        "{}",
        &first_row[..first_row.len().min(40)]
    );
    assert!(
        !orders.body.contains("1019"),
        "a processing order leaked into the delivered filter"
    );
    assert!(orders.body.contains("Served from SQLite"));
    // The page is the server's document: its own script makes it interactive, and no data is
    // sent twice for a hydration that never happens.
    assert!(orders.body.contains("data-view-root"));
    assert!(
        orders
            .body
            .contains("setAttribute('data-enhanced', 'true')")
    );
    assert!(!orders.body.contains("<leptos-island"));
    assert!(
        !orders.body.contains("__RESOLVED_RESOURCES[")
            && !orders.body.contains("__RESOLVED_RESOURCES=[\""),
        "the table's data is sent again for a hydration"
    );

    let search = app.get("/data?tab=products&q=nothing-matches-this").await;
    assert!(search.body.contains("data-testid=\"empty-state\""));
    // The rows are written as markup strings (app/src/components/markup.rs): what a visitor
    // typed comes back escaped, never as HTML.
    let hostile_search = app.get("/data?tab=products&q=%3Cimg%20src%3Dx%3E").await;
    assert!(
        hostile_search
            .body
            .contains("Nothing matches “&lt;img src=x&gt;”."),
        "the empty state did not escape the search text"
    );
    assert!(!hostile_search.body.contains("<img src=x>"));

    let kb = app.get("/data?tab=knowledge&q=return+window").await;
    assert!(kb.body.contains("data-testid=\"kb-table\""));
    assert!(kb.body.contains("policy-returns-window"));
    assert!(!kb.body.contains("product-gan-charger"));

    // Hostile query values fall back to defaults rather than erroring.
    let hostile = app
        .get("/data?tab=orders&sort=id;DROP%20TABLE%20orders&page=-1&size=999999")
        .await;
    assert_eq!(hostile.status, StatusCode::OK);
    assert!(hostile.body.contains("Showing 1–10 of 30"));
    app.cleanup().await;
}

#[tokio::test]
async fn csv_export_follows_the_view() {
    let app = TestApp::builder().build().await.expect("app");
    let csv = app
        .get("/data/export.csv?tab=tickets&priority=urgent&page=3")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
        Some(&b"text/csv; charset=utf-8"[..])
    );
    assert_eq!(
        csv.headers
            .get(header::CONTENT_DISPOSITION)
            .map(|v| v.as_bytes()),
        Some(&b"attachment; filename=\"tickets.csv\""[..])
    );
    let urgent = store::seed::TICKETS
        .iter()
        .filter(|t| t.priority == "urgent")
        .count();
    assert_eq!(csv.body.lines().count(), urgent + 1);
    assert!(csv.body.lines().skip(1).all(|l| l.contains(",urgent,")));

    let kb = app.get("/data/export.csv?tab=knowledge").await;
    assert_eq!(kb.status, StatusCode::NOT_FOUND);
    app.cleanup().await;
}

#[tokio::test]
async fn table_server_function_validates_its_input() {
    let app = TestApp::builder().build().await.expect("app");
    let ok = app
        .post_json(
            "/api/data/table",
            r#"{"view":{"tab":"Returns","search":"","sort":"refund","dir":"Desc","filters":[["status","approved"]],"page":1,"page_size":10}}"#,
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let json: serde_json::Value = serde_json::from_str(&ok.body).expect("json");
    assert_eq!(json["rows"]["Returns"]["total"], 2);
    assert_eq!(json["database"], "SQLite");

    // A sort key or filter the tab does not have is dropped by the same validation as the URL.
    let odd = app
        .post_json(
            "/api/data/table",
            r#"{"view":{"tab":"Orders","search":"","sort":"1; DROP TABLE orders","dir":"Asc","filters":[["owner","x"]],"page":0,"page_size":7}}"#,
        )
        .await;
    assert_eq!(odd.status, StatusCode::OK, "{}", odd.body);
    let json: serde_json::Value = serde_json::from_str(&odd.body).expect("json");
    assert_eq!(json["rows"]["Orders"]["total"], 30);
    assert_eq!(json["rows"]["Orders"]["page_size"], 10);

    let garbage = app.post_json("/api/data/table", "{not json").await;
    assert!(garbage.status.is_client_error() || garbage.status.is_server_error());
    app.cleanup().await;
}

#[tokio::test]
async fn postgres_serves_the_same_pages() {
    // Both stores seeded from one instant: dates in the exports are relative to it, so two
    // seeds a few seconds apart across a minute boundary would differ.
    let anchor = chrono::Utc::now();
    let Some(pg) = TestApp::builder().postgres().anchor(anchor).build().await else {
        return;
    };
    let sqlite = TestApp::builder()
        .anchor(anchor)
        .build()
        .await
        .expect("sqlite");
    let ready = pg.get("/health/ready").await;
    assert!(ready.body.contains("\"postgres\""), "{}", ready.body);
    for path in [
        "/data/export.csv?tab=products",
        "/data/export.csv?tab=shipping&sort=zip",
        "/data/export.csv?tab=returns",
    ] {
        let a = sqlite.get(path).await;
        let b = pg.get(path).await;
        assert_eq!(a.status, StatusCode::OK);
        assert_eq!(
            a.body, b.body,
            "{path} differs between SQLite and PostgreSQL"
        );
    }
    let page = pg.get("/data?tab=orders").await;
    assert!(page.body.contains("Served from PostgreSQL"));
    pg.cleanup().await;
    sqlite.cleanup().await;
}

#[tokio::test]
async fn pages_carry_a_nonce_csp_and_hsts_only_behind_tls() {
    let app = TestApp::builder().build().await.expect("app");
    let page = app.get("/").await;
    let csp = page
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .expect("a CSP header")
        .to_owned();
    assert!(
        csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce");
    // Every inline script carries it (the theme script and Leptos's own).
    let scripts = page.body.matches("<script").count();
    let with_nonce = page.body.matches(&format!("nonce=\"{nonce}\"")).count();
    assert!(
        scripts >= 2 && with_nonce >= scripts - page.body.matches("<script src=").count(),
        "{scripts} scripts, {with_nonce} with the nonce"
    );
    let other = app.get("/").await;
    assert!(
        !other
            .headers
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .contains(nonce),
        "a fresh nonce per response"
    );
    assert!(
        page.headers
            .get(header::STRICT_TRANSPORT_SECURITY)
            .is_none()
    );
    let tls = app
        .request(
            Request::get("/health")
                .header("x-forwarded-proto", "https")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert!(tls.headers.get(header::STRICT_TRANSPORT_SECURITY).is_some());
    app.cleanup().await;
}

#[tokio::test]
async fn the_front_end_is_sent_precompressed_brotli_first() {
    // scripts/build.sh writes FILE.br (release) and FILE.gz beside each file of the site's pkg
    // folder; the server sends the smallest one the browser accepts, as it is.
    let site = tempfile::tempdir().expect("temp dir");
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg folder");
    std::fs::write(pkg.join("page.wasm"), "plain").expect("file");
    std::fs::write(pkg.join("page.wasm.br"), "brotli").expect("file");
    std::fs::write(pkg.join("page.wasm.gz"), "gzip").expect("file");
    std::fs::write(pkg.join("debug.wasm"), "plain").expect("file");
    std::fs::write(pkg.join("debug.wasm.gz"), "gzip").expect("file");
    let app = TestApp::builder()
        .env("SITE_ROOT", &site.path().display().to_string())
        .build()
        .await
        .expect("sqlite app");
    let fetch = |path: &'static str, accept: &'static str| {
        let request = Request::get(path)
            .header(header::ACCEPT_ENCODING, accept)
            .body(Body::empty())
            .expect("request");
        app.request(request)
    };
    let encoding = |reply: &Reply| {
        reply
            .headers
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };

    let brotli = fetch("/pkg/page.wasm", "gzip, deflate, br, zstd").await;
    assert_eq!(brotli.status, StatusCode::OK);
    assert_eq!(
        (encoding(&brotli).as_deref(), brotli.body.as_str()),
        (Some("br"), "brotli")
    );
    let gzip = fetch("/pkg/page.wasm", "gzip, deflate").await;
    assert_eq!(
        (encoding(&gzip).as_deref(), gzip.body.as_str()),
        (Some("gzip"), "gzip")
    );
    let plain = fetch("/pkg/page.wasm", "identity").await;
    assert_eq!((encoding(&plain), plain.body.as_str()), (None, "plain"));
    // A debug build has no .br files: a browser that accepts brotli gets the gzip file.
    let debug = fetch("/pkg/debug.wasm", "br, gzip").await;
    assert_eq!(
        (encoding(&debug).as_deref(), debug.body.as_str()),
        (Some("gzip"), "gzip")
    );
    app.cleanup().await;
}
