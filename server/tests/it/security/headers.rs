//! The security headers of pages, replies and static files, and the CSP nonce: fresh for each
//! response and carried by every script; an HTTPS site sends HSTS and trusts only its own
//! origin.

use app::server::{AppState, Settings};
use app::store::Store;
use leptos::prelude::LeptosOptions;
use reqwest::StatusCode;

use super::{Enc, content_type, header, raw_post};
use crate::both;
use crate::support::{Browser, PASSWORD, Reply, TestDb, tenant_with_users, test_settings};

/// The real router on a site folder of our own (with a `/pkg` file and the favicon).
struct Site {
    base: String,
    handle: tokio::task::JoinHandle<()>,
    dir: std::path::PathBuf,
}

impl Drop for Site {
    fn drop(&mut self) {
        self.handle.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn start_site(store: Store, settings: Settings) -> Site {
    let dir = std::env::temp_dir().join(format!("omnibots-site-{}", rand::random::<u64>()));
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    std::fs::write(dir.join("pkg/omnibots.js"), "export default 1;\n").unwrap();
    std::fs::write(
        dir.join("favicon.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let options = LeptosOptions::builder()
        .output_name("omnibots")
        .site_root(dir.display().to_string())
        .site_addr(addr)
        .build();
    let state = AppState::new(store, settings);
    let handle = tokio::spawn(async move {
        let _ = omnibots::serve_on(listener, None, state, options).await;
    });
    Site {
        base: format!("http://{addr}"),
        handle,
        dir,
    }
}

/// The nonce the CSP header allows; checks every other directive on the way.
fn csp_nonce(r: &Reply) -> String {
    let csp = header(r, "content-security-policy").expect("a CSP header");
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    let get = |name: &str| {
        directives
            .iter()
            .find(|d| d.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} in {csp}"))
            .to_string()
    };
    let script = get("script-src");
    assert!(script.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(
        !script.contains("'unsafe-inline'") && !script.contains("'unsafe-eval'"),
        "{csp}"
    );
    assert!(!get("default-src").contains("unsafe"), "{csp}");
    assert!(
        !get("style-src").contains("unsafe"),
        "only style attributes: {csp}"
    );
    assert_eq!(get("object-src"), "object-src 'none'");
    assert_eq!(get("base-uri"), "base-uri 'none'");
    assert_eq!(get("frame-ancestors"), "frame-ancestors 'none'");
    assert_eq!(get("form-action"), "form-action 'self'");
    assert_eq!(get("default-src"), "default-src 'self'");
    let nonce = script
        .split_whitespace()
        .find_map(|s| s.strip_prefix("'nonce-"))
        .and_then(|s| s.strip_suffix('\''))
        .expect("a nonce in script-src")
        .to_string();
    assert!(nonce.len() >= 22, "at least 128 bits: {nonce}");
    nonce
}

/// Every `<script` of an HTML page carries `nonce`; returns how many there are.
fn scripts_carry(body: &str, nonce: &str) -> usize {
    let tags: Vec<&str> = body
        .match_indices("<script")
        .map(|(i, _)| &body[i..i + body[i..].find('>').unwrap()])
        .collect();
    for tag in &tags {
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "a script without the response's nonce: {tag}"
        );
    }
    tags.len()
}

fn assert_page_headers(r: &Reply, hsts: bool) -> String {
    assert_eq!(header(r, "x-content-type-options"), Some("nosniff"));
    assert_eq!(header(r, "referrer-policy"), Some("same-origin"));
    assert_eq!(header(r, "x-frame-options"), Some("DENY"));
    assert_eq!(header(r, "cache-control"), Some("no-store"));
    assert!(header(r, "x-request-id").is_some_and(|v| !v.is_empty()));
    assert_eq!(
        header(r, "strict-transport-security"),
        hsts.then_some("max-age=31536000; includeSubDomains")
    );
    let nonce = csp_nonce(r);
    assert!(scripts_carry(&r.body, &nonce) >= 1, "the hydration script");
    nonce
}

async fn pages_and_replies_carry_the_security_headers(db: &TestDb) {
    tenant_with_users(&db.store, "acme").await;
    let site = start_site(db.store.clone(), test_settings(&db.url)).await;
    let mut b = Browser::at(&site.base);

    // Pages: the CSP names a fresh nonce per response, and every script carries it.
    let first = b.get("/sign-in").await;
    assert_eq!(first.status, StatusCode::OK);
    let n1 = assert_page_headers(&first, false);
    let second = b.get("/sign-in").await;
    let n2 = assert_page_headers(&second, false);
    assert_ne!(n1, n2, "a nonce is used once");
    let missing = b.get("/no-such-page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_page_headers(&missing, false);
    let r = b.sign_in("acme", "admin@acme.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("User Management"));
    assert_page_headers(&home, false);

    // Server function replies: not stored, not sniffed.
    let stats = b.stats().await;
    assert_eq!(stats.status, StatusCode::OK);
    assert_eq!(header(&stats, "cache-control"), Some("no-store"));
    assert_eq!(header(&stats, "x-content-type-options"), Some("nosniff"));
    let failed = Browser::at(&site.base).stats().await;
    assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
    assert_eq!(header(&failed, "cache-control"), Some("no-store"));

    // Static files keep their own caching; health checks are as they were.
    for path in ["/pkg/omnibots.js", "/favicon.svg"] {
        let r = b.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_ne!(header(&r, "cache-control"), Some("no-store"), "{path}");
        assert_eq!(header(&r, "x-content-type-options"), Some("nosniff"));
    }
    let health = b.get("/healthz").await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, "ok")
    );
    let ready = b.get("/readyz").await;
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (StatusCode::OK, "ready")
    );
}
both!(
    security_headers,
    pages_and_replies_carry_the_security_headers
);

async fn an_https_site_sends_hsts_and_only_trusts_its_own_origin(db: &TestDb) {
    tenant_with_users(&db.store, "acme").await;
    let settings = Settings {
        public_origin: Some("https://admin.example.com".into()),
        ..test_settings(&db.url)
    };
    let site = start_site(db.store.clone(), settings).await;
    let mut b = Browser::at(&site.base);
    let page = b.get("/sign-in").await;
    assert_page_headers(&page, true);
    let (enc, body) = (Enc::Form, b"".to_vec());
    // The address it listens on is not its origin any more.
    let r = raw_post(
        &mut b,
        "/api/viewer",
        &[("origin", site.base.clone())],
        content_type(enc),
        body.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        header(&r, "strict-transport-security"),
        Some("max-age=31536000; includeSubDomains")
    );
    for origin in ["https://admin.example.com", "https://ADMIN.example.com:443"] {
        let r = raw_post(
            &mut b,
            "/api/viewer",
            &[("origin", origin.into())],
            content_type(enc),
            body.clone(),
        )
        .await;
        assert_eq!(
            (r.status, r.body.as_str()),
            (StatusCode::OK, "null"),
            "{origin}"
        );
    }
}
both!(
    https_site,
    an_https_site_sends_hsts_and_only_trusts_its_own_origin
);

/// Decodes a compressed reply.
type Decode = fn(&[u8]) -> Vec<u8>;

fn brotli(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(
        &mut brotli_decompressor::Decompressor::new(b, 4096),
        &mut out,
    )
    .unwrap();
    out
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(b), &mut out).unwrap();
    out
}

/// A page is compressed as the browser asks (brotli first, then gzip) and says so in `Vary`;
/// without `Accept-Encoding` it is sent as it is. A server function's reply never is, even when
/// asked (two of them carry a temporary password: BREACH, see `server/src/compress.rs`).
async fn pages_are_compressed_and_server_function_replies_are_not(db: &TestDb) {
    use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, COOKIE, ORIGIN, VARY};

    tenant_with_users(&db.store, "acme").await;
    let server = crate::support::start(db).await;
    let admin = crate::support::admin_browser(&server, "acme").await;
    let cookie = format!("omnibots_session={}", admin.cookie.clone().unwrap());
    let http = reqwest::Client::new();
    let page = |accept: &'static str| {
        let req = http
            .get(format!("{}/?size=50", server.base))
            .header(COOKIE, &cookie);
        let req = if accept.is_empty() {
            req
        } else {
            req.header(ACCEPT_ENCODING, accept)
        };
        req.send()
    };

    let plain = page("").await.unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    assert!(plain.headers().get(CONTENT_ENCODING).is_none());
    let plain = plain.text().await.unwrap();
    assert!(plain.contains("User Management") && plain.contains("</html>"));

    let cases: [(&str, &str, Decode); 3] = [
        ("gzip, deflate, br, zstd", "br", brotli),
        ("br", "br", brotli),
        ("gzip", "gzip", gunzip),
    ];
    for (accept, sent, decode) in cases {
        let r = page(accept).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{accept}");
        assert_eq!(r.headers()[CONTENT_ENCODING], sent, "{accept}");
        let vary = r.headers()[VARY].to_str().unwrap().to_ascii_lowercase();
        assert!(vary.contains("accept-encoding"), "{accept}: Vary {vary}");
        let wire = r.bytes().await.unwrap();
        let html = String::from_utf8(decode(&wire)).unwrap();
        assert!(
            html.contains("User Management") && html.contains("</html>"),
            "{accept}"
        );
        // The same page (its nonce and times aside), in a fraction of the bytes.
        assert!(html.len().abs_diff(plain.len()) < 200, "{accept}");
        assert!(
            wire.len() * 2 < html.len(),
            "{accept}: {} of {}",
            wire.len(),
            html.len()
        );
    }

    let stats = http
        .post(format!("{}/api/user_stats", server.base))
        .header(COOKIE, &cookie)
        .header(ORIGIN, &server.base)
        .header(ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(stats.status(), StatusCode::OK);
    assert!(stats.headers().get(CONTENT_ENCODING).is_none());
    assert!(stats.text().await.unwrap().contains("\"total\""));
}
both!(
    compression,
    pages_are_compressed_and_server_function_replies_are_not
);
