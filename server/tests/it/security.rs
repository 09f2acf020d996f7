//! Browser security through the real server, on both databases: the cross-site check of every
//! state-changing request, the security headers and the per-response CSP nonce, the body size
//! limit, hostile input to every server function, and request ids in logs that hold no secrets.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use app::error::AppError;
use app::server::{AppState, Settings, session};
use app::store::{Store, TenantId, UserId};
use app::users::model::UserRow;
use app::users::server::IssuedPassword;
use leptos::prelude::LeptosOptions;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, SET_COOKIE};
use serde_json::{Value, json};

use crate::both;
use crate::support::{
    Browser, PASSWORD, Reply, TestDb, admin_browser, counts, list_users, percent_encode, start,
    tenant_with_users, test_settings, user_form, user_query,
};

const EVIL: &str = "https://evil.example";
const NEW_PASSWORD: &str = "correct horse battery staple 42";

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

/// How a server function takes its arguments.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Enc {
    Form,
    Json,
}

/// Every server function of the product with its encoding: the list the matrices run over.
/// A registered function missing here fails [`every_server_function_is_a_post_in_the_list`].
const FUNCTIONS: &[(&str, Enc)] = &[
    ("sign_in", Enc::Form),
    ("sign_out", Enc::Form),
    ("change_password", Enc::Form),
    ("viewer", Enc::Form),
    ("user_stats", Enc::Form),
    ("list_roles", Enc::Form),
    ("list_timezones", Enc::Form),
    ("list_users", Enc::Json),
    ("create_user", Enc::Json),
    ("update_user", Enc::Json),
    ("reset_password", Enc::Json),
    ("set_user_status", Enc::Json),
];

fn registered_endpoints() -> Vec<(String, ::http::Method)> {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| (path.to_string(), method))
        .collect()
}

/// Arguments that would succeed (or at least act) for each function, given the agent's row.
fn valid_args(endpoint: &str, agent: &UserRow) -> (Enc, Vec<u8>) {
    let form = |pairs: &[(&str, &str)]| {
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        (Enc::Form, body.into_bytes())
    };
    let json = |v: Value| (Enc::Json, serde_json::to_vec(&v).unwrap());
    match endpoint {
        "sign_in" => form(&[
            ("workspace", "acme"),
            ("email", "admin@acme.example"),
            ("password", PASSWORD),
        ]),
        "change_password" => form(&[
            ("current_password", PASSWORD),
            ("new_password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
        ]),
        "list_users" => json(json!({ "query": user_query("") })),
        "create_user" => json(json!({
            "form": user_form("Mallory", "Tester", "mallory@acme.example"), "user_type": "tenant_admin"
        })),
        "update_user" => json(json!({
            "id": agent.id, "version": agent.version,
            "form": user_form("Renamed", "Tester", "agent@acme.example"), "status": "suspended"
        })),
        "reset_password" => json(json!({ "id": agent.id })),
        "set_user_status" => json(json!({ "id": agent.id, "status": "suspended" })),
        _ => form(&[]),
    }
}

fn content_type(enc: Enc) -> &'static str {
    match enc {
        Enc::Form => "application/x-www-form-urlencoded",
        Enc::Json => "application/json",
    }
}

/// A POST to `path` on `b`'s server with `b`'s cookie, with exactly the given extra headers.
async fn raw_post(
    b: &mut Browser,
    path: &str,
    headers: &[(&str, String)],
    content_type: &str,
    body: Vec<u8>,
) -> Reply {
    let (client, base) = b.client();
    let mut req = client
        .post(format!("{base}{path}"))
        .header(CONTENT_TYPE, content_type)
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    b.send_raw(req).await
}

async fn listed(b: &mut Browser, id: UserId) -> UserRow {
    let page = list_users(b, user_query("")).await;
    page.rows.into_iter().find(|u| u.id == id.0).unwrap()
}

/// What a refused request must not have changed.
#[derive(Debug, PartialEq)]
struct Snapshot {
    counts: (i64, i64, i64),
    agent: UserRow,
    admin_sessions: i64,
    agent_sessions: i64,
    admin_hash: Option<String>,
    agent_hash: Option<String>,
}

async fn snapshot(
    store: &Store,
    b: &mut Browser,
    t: TenantId,
    admin: UserId,
    agent: UserId,
) -> Snapshot {
    Snapshot {
        counts: counts(store, t).await,
        agent: listed(b, agent).await,
        admin_sessions: store.session_count(t, admin).await.unwrap(),
        agent_sessions: store.session_count(t, agent).await.unwrap(),
        admin_hash: store.password_hash(t, admin).await.unwrap(),
        agent_hash: store.password_hash(t, agent).await.unwrap(),
    }
}

// ------------------------------------------------------------------------------------------
// (2) Cross-site requests
// ------------------------------------------------------------------------------------------

async fn every_server_function_is_a_post_in_the_list(_db: &TestDb) {
    let registered = registered_endpoints();
    for (path, method) in &registered {
        assert_eq!(
            *method,
            ::http::Method::POST,
            "{path}: a server function that is not a POST could change state on GET"
        );
        let name = path
            .strip_prefix("/api/")
            .expect("server functions live under /api/");
        assert!(
            FUNCTIONS.iter().any(|(f, _)| *f == name),
            "{path} is not in security.rs FUNCTIONS: add its cross-site and hostile-input cases"
        );
    }
    for (f, _) in FUNCTIONS {
        assert!(
            registered.iter().any(|(p, _)| *p == format!("/api/{f}")),
            "{f} is listed but not registered"
        );
    }
}
both!(
    server_functions_are_posts,
    every_server_function_is_a_post_in_the_list
);

async fn cross_site_posts_are_refused_and_change_nothing(db: &TestDb) {
    let (t, admin_id, agent_id) = tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut admin = admin_browser(&server, "acme").await;
    let mut agent = Browser::new(&server);
    agent.sign_in("acme", "agent@acme.example", PASSWORD).await;
    let before = snapshot(&db.store, &mut admin, t, admin_id, agent_id).await;
    let other_port = {
        let port: u16 = server.base.rsplit(':').next().unwrap().parse().unwrap();
        format!("http://127.0.0.1:{}", port.wrapping_add(1))
    };
    let https_same_host = server.base.replacen("http://", "https://", 1);
    let attacks: Vec<Vec<(&str, String)>> = vec![
        vec![("origin", EVIL.into())],
        vec![("origin", "null".into())],
        vec![("referer", format!("{EVIL}/page"))],
        vec![],
        vec![("origin", other_port)],
        vec![("origin", https_same_host)],
        vec![("origin", format!("{}.evil.example", server.base))],
        // Origin wins over a same-origin Referer.
        vec![
            ("origin", EVIL.into()),
            ("referer", format!("{}/", server.base)),
        ],
    ];
    let mut refused = 0;
    let mut paths: Vec<String> = registered_endpoints().into_iter().map(|(p, _)| p).collect();
    // Pages and unknown paths are no way around it either.
    paths.extend(["/".to_string(), "/sign-in".into(), "/nothing-here".into()]);
    for path in &paths {
        let endpoint = path.strip_prefix("/api/").unwrap_or("");
        let (enc, body) = valid_args(endpoint, &before.agent);
        for attack in &attacks {
            // As the hydrated page's fetch would (JSON reply), and as a form without JavaScript.
            for accept in ["application/json", "text/html,application/xhtml+xml"] {
                let mut headers = attack.clone();
                headers.push(("accept", accept.into()));
                // Both the admin's and the agent's cookie ride along, as a browser would send.
                for b in [&mut admin, &mut agent] {
                    let cookie = b.cookie.clone();
                    let r = raw_post(b, path, &headers, content_type(enc), body.clone()).await;
                    assert_eq!(
                        r.status,
                        StatusCode::FORBIDDEN,
                        "{path} {headers:?}: {}",
                        r.body
                    );
                    assert!(r.body.contains("Cross-site request refused"), "{}", r.body);
                    assert!(
                        r.headers
                            .get(CONTENT_TYPE)
                            .is_some_and(|v| v.to_str().unwrap().starts_with("text/plain")),
                        "a short plain message"
                    );
                    assert!(r.headers.get(SET_COOKIE).is_none(), "no cookie: {path}");
                    assert_eq!(b.cookie, cookie);
                    refused += 1;
                }
            }
        }
    }
    assert_eq!(refused, paths.len() * attacks.len() * 4);
    let after = snapshot(&db.store, &mut admin, t, admin_id, agent_id).await;
    assert_eq!(after, before, "nothing changed");
    // Both sessions still work: sign_out was refused too.
    assert_eq!(admin.stats().await.status, StatusCode::OK);
    assert_ne!(agent.call("viewer", &[]).await.body, "null");

    // The site's own pages pass: Origin (fetch), or Referer alone (older form posts).
    let mut b = Browser::new(&server);
    let (enc, body) = valid_args("sign_in", &before.agent);
    let r = raw_post(
        &mut b,
        "/api/sign_in",
        &[("origin", server.base.clone())],
        content_type(enc),
        body.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(b.cookie.is_some());
    let mut b = Browser::new(&server);
    let r = raw_post(
        &mut b,
        "/api/sign_in",
        &[
            ("referer", format!("{}/sign-in", server.base)),
            ("accept", "text/html".into()),
        ],
        content_type(enc),
        body,
    )
    .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert!(b.cookie.is_some());
}
both!(
    cross_site_refused,
    cross_site_posts_are_refused_and_change_nothing
);

async fn a_get_changes_nothing(db: &TestDb) {
    let (t, admin_id, agent_id) = tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut admin = admin_browser(&server, "acme").await;
    let before = snapshot(&db.store, &mut admin, t, admin_id, agent_id).await;
    for (path, _) in registered_endpoints() {
        let r = admin.get(&path).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "GET {path}");
        let r = admin
            .get(&format!("{path}?id={}&status=suspended", agent_id.0))
            .await;
        assert!(!r.status.is_success(), "GET {path} with arguments");
    }
    assert_eq!(
        snapshot(&db.store, &mut admin, t, admin_id, agent_id).await,
        before
    );
}
both!(get_changes_nothing, a_get_changes_nothing);

// ------------------------------------------------------------------------------------------
// (3) Headers and the CSP nonce
// ------------------------------------------------------------------------------------------

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

fn header<'a>(r: &'a Reply, name: &str) -> Option<&'a str> {
    r.headers.get(name).map(|v| v.to_str().unwrap())
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

// ------------------------------------------------------------------------------------------
// (8) Body limit and hostile input
// ------------------------------------------------------------------------------------------

/// Sends a request over raw TCP and returns the status of the reply. With `expect`, the head
/// carries `Expect: 100-continue` and the body is never sent: a server that refuses on the
/// head alone answers at once. Without it, the body is written while the reply is read, so a
/// reply that comes before the end of the body is still seen.
async fn raw_http(base: &str, head: &str, body: Vec<u8>, expect: bool) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.strip_prefix("http://").unwrap();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let head = format!(
        "{head}Host: {addr}\r\nOrigin: {base}\r\nConnection: close\r\n{}\r\n",
        if expect {
            "Expect: 100-continue\r\n"
        } else {
            ""
        }
    );
    wr.write_all(head.as_bytes()).await.unwrap();
    let writer = (!expect).then(|| {
        tokio::spawn(async move {
            // The server may answer (and close) before it has read everything.
            let _ = wr.write_all(&body).await;
        })
    });
    let mut got = Vec::new();
    let mut buf = vec![0u8; 4096];
    let code = loop {
        let n = tokio::time::timeout(std::time::Duration::from_secs(30), rd.read(&mut buf))
            .await
            .expect("an answer")
            .unwrap_or(0);
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).to_string();
        if text.contains("\r\n\r\n") {
            break text
                .split_whitespace()
                .nth(1)
                .and_then(|c| c.parse().ok())
                .unwrap_or_else(|| panic!("no status line: {text:?}"));
        }
        assert!(n > 0, "the connection closed without a reply: {text:?}");
    };
    if let Some(w) = writer {
        w.abort();
    }
    code
}

async fn bodies_over_the_limit_are_refused_with_413(db: &TestDb) {
    let (t, ..) = tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut admin = admin_browser(&server, "acme").await;
    let before = db.store.tenant_counts(t).await.unwrap();
    let cookie = format!(
        "Cookie: omnibots_session={}\r\n",
        admin.cookie.clone().unwrap()
    );
    // A 1 MB field in an otherwise valid create, signed in.
    let big = "A".repeat(1 << 20);
    let body = serde_json::to_vec(&json!({
        "form": user_form(&big, "Tester", "big@acme.example"), "user_type": "agent"
    }))
    .unwrap();
    let head = format!(
        "POST /api/create_user HTTP/1.1\r\n{cookie}Content-Type: application/json\r\n\
         Content-Length: {}\r\n",
        body.len()
    );
    assert_eq!(raw_http(&server.base, &head, body, true).await, 413);
    // A 1 MB form field at sign-in, and one byte over the limit.
    for size in [1 << 20, omnibots::MAX_BODY_BYTES + 1] {
        let head = format!(
            "POST /api/sign_in HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {size}\r\n"
        );
        assert_eq!(
            raw_http(&server.base, &head, vec![b'x'; size], true).await,
            413
        );
    }
    // Just under the limit is read (and refused for what it says, not for its size).
    let body = format!(
        "workspace=acme&email=a%40b.c&password={}",
        "x".repeat(omnibots::MAX_BODY_BYTES - 100)
    );
    let r = raw_post(
        &mut admin,
        "/api/sign_in",
        &[("origin", server.base.clone())],
        "application/x-www-form-urlencoded",
        body.into_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    // A chunked body, with no length announced, is cut off at the limit too.
    let chunk = "x".repeat(16 * 1024);
    let mut body = Vec::new();
    for _ in 0..8 {
        body.extend_from_slice(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes());
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let head = "POST /api/sign_in HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                Transfer-Encoding: chunked\r\n";
    assert_eq!(raw_http(&server.base, head, body, false).await, 413);
    assert_eq!(db.store.tenant_counts(t).await.unwrap(), before);
    assert_eq!(admin.stats().await.status, StatusCode::OK);
}
both!(body_limit, bodies_over_the_limit_are_refused_with_413);

/// Words of database errors that must never reach a client.
const DB_WORDS: &[&str] = &[
    "sqlx",
    "sqlite",
    "syntax",
    "constraint",
    "relation",
    "postgres",
    "panicked",
    "violates",
];

/// A small deterministic generator of hostile values.
struct Hostile(StdRng);

const PAYLOADS: &[&str] = &[
    "' OR '1'='1",
    "'; DROP TABLE users; --",
    "\\",
    "%",
    "_",
    "%%",
    "\"",
    "<script>alert(1)</script>",
    "${jndi:ldap://x.example/a}",
    "../../etc/passwd",
    "%00",
    "\u{0}",
    "a\u{0}b",
    "admin@acme.example\u{0}",
    "NULL",
    "null",
    "-1",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "\r\nSet-Cookie: x=1",
    "\u{202e}evil",
    "ｅｖｉｌ＠ａｃｍｅ．ｅｘａｍｐｌｅ",
    "\u{feff}",
    "\u{fffd}\u{fffd}",
    "𝕬𝖉𝖆 🦀 👩‍👩‍👧",
    "e\u{301}\u{301}\u{301}\u{301}",
    " ",
    "\t\n\r",
    "acme",
    "admin@acme.example",
    "Europe/Berlin",
    "+14155550123",
    "active",
    "suspended",
    "tenant_admin",
];

/// Characters of every awkward kind: controls (C0, DEL, C1), bidi and zero-width marks,
/// combining marks, astral symbols, and plain ones.
fn awkward_char(rng: &mut StdRng) -> char {
    let ranges: &[(u32, u32)] = &[
        (0x00, 0x1f),
        (0x7f, 0x9f),
        (0x20, 0x7e),
        (0x20, 0x7e),
        (0xa0, 0x24f),
        (0x200b, 0x200f),
        (0x202a, 0x202e),
        (0x2060, 0x2064),
        (0x0300, 0x036f),
        (0x4e00, 0x4fff),
        (0xfff0, 0xfffd),
        (0x1f300, 0x1f64f),
        (0x10000, 0x10fff),
    ];
    let (lo, hi) = ranges[rng.gen_range(0..ranges.len())];
    char::from_u32(rng.gen_range(lo..=hi)).unwrap_or('?')
}

impl Hostile {
    fn new(seed: u64) -> Hostile {
        Hostile(StdRng::seed_from_u64(seed))
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.0.gen_range(0..items.len())]
    }

    /// A hostile string: payloads, random and awkward characters, long ones (up to 8,000
    /// characters; 1 MB fields are `bodies_over_the_limit_are_refused_with_413`), control
    /// characters inside plain text.
    fn string(&mut self) -> String {
        let rng = &mut self.0;
        match rng.gen_range(0..8) {
            0 => PAYLOADS[rng.gen_range(0..PAYLOADS.len())].to_string(),
            1 => (0..rng.gen_range(0..40))
                .map(|_| rng.gen_range(0x20u8..0x7f) as char)
                .collect(),
            2 | 3 => (0..rng.gen_range(1..40))
                .map(|_| awkward_char(rng))
                .collect(),
            4 => {
                // Long: 300 to 8,000 characters.
                let c = awkward_char(rng);
                std::iter::repeat_n(c, rng.gen_range(300..8000)).collect()
            }
            5 => {
                let local: String = (0..rng.gen_range(0..20))
                    .map(|_| awkward_char(rng))
                    .collect();
                format!("{local}@acme.example")
            }
            6 => {
                // A control character inside otherwise plain text.
                let c = char::from_u32(rng.gen_range(0..0x20)).unwrap();
                format!("Ab{c}cd")
            }
            _ => String::new(),
        }
    }

    /// A value of any JSON type, often not the one expected.
    fn value(&mut self, agent: i64) -> Value {
        match self.0.gen_range(0..14) {
            0 => Value::Null,
            1 => json!(self.0.gen_bool(0.5)),
            2 => json!(self.pick(&[0i64, -1, i64::MAX, i64::MIN, 1_000_000_000_000, agent])),
            3 => json!(self.pick(&[1.5f64, -0.0, 1e300, f64::MIN_POSITIVE])),
            4 => json!(u64::MAX),
            5 => json!([]),
            6 => json!([self.string(), agent]),
            7 => json!({}),
            8 => json!({ "a": self.string() }),
            9 => {
                // Deeper than any decoder should follow.
                let mut v = json!(1);
                for _ in 0..self.0.gen_range(100..300) {
                    v = json!([v]);
                }
                v
            }
            10 => json!(
                (0..self.0.gen_range(0..200))
                    .map(|i| i * 7)
                    .collect::<Vec<i64>>()
            ),
            _ => json!(self.string()),
        }
    }

    /// Raw bytes that are not what any decoder expects: invalid UTF-8, cut-off JSON, broken
    /// percent-escapes, nested query syntax.
    fn garbage(&mut self, valid: &[u8]) -> Vec<u8> {
        let rng = &mut self.0;
        match rng.gen_range(0..8) {
            0 => (0..rng.gen_range(0..200))
                .map(|_| rng.r#gen::<u8>())
                .collect(),
            1 => {
                let mut v = valid.to_vec();
                let at = rng.gen_range(0..=v.len());
                v.insert(at, self.pick(&[0xffu8, 0xfe, 0xc0, 0x80, 0xed]));
                v
            }
            2 => valid[..self.0.gen_range(0..=valid.len())].to_vec(),
            3 => b"%ZZ%%%G0=%FF%FE&password=%ED%A0%80".to_vec(),
            4 => b"form[first_name][0][x]=1&form[email]=a&&&===&user_type[]=x".to_vec(),
            5 => b"{\"form\": {\"first_name\": \"\\ud800\"}, \"user_type\": \"agent\"}".to_vec(),
            6 => Vec::new(),
            _ => {
                let mut v = valid.to_vec();
                v.extend_from_slice(&valid[..valid.len() / 2]);
                v
            }
        }
    }
}

/// Replaces, removes or adds one field somewhere in a JSON template.
fn mutate(h: &mut Hostile, v: &mut Value, agent: i64) -> Option<String> {
    let Value::Object(map) = v else {
        *v = h.value(agent);
        return None;
    };
    let keys: Vec<String> = map.keys().cloned().collect();
    if keys.is_empty() {
        map.insert("extra".into(), h.value(agent));
        return None;
    }
    match h.0.gen_range(0..10) {
        0 => {
            let k = h
                .pick(&keys.iter().map(String::as_str).collect::<Vec<_>>())
                .to_string();
            map.remove(&k);
            None
        }
        1 => {
            let extra = h.pick(&["extra", "tenant_id", "id", "user_type", "__proto__", ""]);
            map.insert(extra.to_string(), h.value(agent));
            None
        }
        2 | 3 => {
            let k = h
                .pick(&keys.iter().map(String::as_str).collect::<Vec<_>>())
                .to_string();
            let v = h.value(agent);
            map.insert(k, v);
            None
        }
        _ => {
            let k = h
                .pick(&keys.iter().map(String::as_str).collect::<Vec<_>>())
                .to_string();
            let slot = map.get_mut(&k).unwrap();
            if slot.is_object() {
                return mutate(h, slot, agent).map(|f| format!("{k}.{f}"));
            }
            *slot = json!(h.string());
            Some(k)
        }
    }
}

/// The field names a function's errors may name.
fn fields_of(endpoint: &str) -> &'static [&'static str] {
    match endpoint {
        "create_user" | "update_user" => &[
            "first_name",
            "last_name",
            "email",
            "phone",
            "external_id",
            "timezone",
            "role_ids",
            "user_type",
            "status",
        ],
        "set_user_status" => &["status"],
        "change_password" => &["current_password", "new_password", "confirm_password"],
        _ => &[],
    }
}

/// Whether `s`, once trimmed, still holds a control character (a field rule refuses it).
fn has_inner_control(s: &str) -> bool {
    s.trim().chars().any(char::is_control)
}

#[derive(Default, Debug)]
struct Tally {
    cases: usize,
    ok: usize,
    client_errors: usize,
    too_large: usize,
    field_checked: usize,
}

/// Checks one reply to a hostile request: never a 5xx, a database word, or an untyped 4xx;
/// a field error names a field of the function.
fn check(endpoint: &str, case: &str, r: &Reply, tally: &mut Tally) -> Option<AppError> {
    tally.cases += 1;
    assert!(
        !r.status.is_server_error(),
        "{endpoint} answered {} to {case}: {}",
        r.status,
        r.body
    );
    let lower = r.body.to_lowercase();
    for w in DB_WORDS {
        assert!(
            !lower.contains(w),
            "{endpoint}: {w:?} in the reply to {case}: {}",
            r.body
        );
    }
    if r.status == StatusCode::PAYLOAD_TOO_LARGE {
        tally.too_large += 1;
        return None;
    }
    if r.status.is_success() {
        tally.ok += 1;
        return None;
    }
    assert!(
        r.status.is_client_error(),
        "{endpoint} {case}: {}",
        r.status
    );
    tally.client_errors += 1;
    let err: AppError = serde_json::from_str(&r.body).unwrap_or_else(|e| {
        panic!(
            "{endpoint}: untyped {} ({e}) to {case}: {}",
            r.status, r.body
        )
    });
    assert_eq!(
        err.status(),
        r.status.as_u16(),
        "{endpoint} {case}: {err:?}"
    );
    if let AppError::Invalid(fields) = &err {
        assert!(!fields.is_empty(), "{endpoint} {case}");
        for f in fields {
            assert!(
                fields_of(endpoint).contains(&f.field.as_str()) && !f.message.is_empty(),
                "{endpoint}: unknown field {:?} for {case}",
                f.field
            );
        }
    }
    Some(err)
}

const CASES_PER_FUNCTION: usize = 300;

async fn hostile_input_never_gets_a_5xx_a_database_message_or_a_half_written_row(db: &TestDb) {
    let (t, admin_id, agent_id) = tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut admin = admin_browser(&server, "acme").await;
    let mut agent = Browser::new(&server);
    agent.sign_in("acme", "agent@acme.example", PASSWORD).await;
    let mut anonymous = Browser::new(&server);
    let agent_row = listed(&mut admin, agent_id).await;
    let origin = vec![
        ("origin", server.base.clone()),
        ("accept", "application/json".into()),
    ];
    let mut h = Hostile::new(0x5eed_0005);
    let mut report = Vec::new();
    let mut created = 0i64;

    for (endpoint, enc) in FUNCTIONS {
        let mut tally = Tally::default();
        // Who calls: the agent for change_password (its session stays an agent's), nobody for
        // sign-in and sign-out (so no session is ended), the admin for the rest.
        let b = match *endpoint {
            "change_password" => &mut agent,
            "sign_in" | "sign_out" | "viewer" => &mut anonymous,
            _ => &mut admin,
        };
        let template: Value = match *endpoint {
            "sign_in" => json!({ "workspace": "acme", "email": "nobody@acme.example",
                                 "password": "not the password" }),
            "change_password" => json!({ "current_password": "not the current one",
                "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD }),
            "list_users" => json!({ "query": user_query("") }),
            "create_user" => json!({ "form": user_form("Fuzz", "Tester", "fuzz@acme.example"),
                                     "user_type": "agent" }),
            "update_user" => json!({ "id": agent_id.0, "version": agent_row.version,
                "form": user_form("Agent", "Tester", "agent@acme.example"), "status": "active" }),
            "reset_password" => json!({ "id": agent_id.0 }),
            "set_user_status" => json!({ "id": agent_id.0, "status": "active" }),
            _ => json!({}),
        };
        for i in 0..CASES_PER_FUNCTION {
            let mut v = template.clone();
            let targeted = matches!(*endpoint, "create_user" | "update_user") && i % 5 == 3;
            let (ctype, body, field, desc) = if targeted {
                // One field at fault, the rest valid: a control character inside it, or far
                // too long for its rule.
                let name = h.pick(&["first_name", "last_name", "email", "external_id", "phone"]);
                let value = if h.0.gen_bool(0.5) {
                    let c = char::from_u32(h.0.gen_range(0..0x20)).unwrap();
                    let c = h.pick(&[c, '\u{7f}', '\u{85}', '\u{9b}']);
                    format!("ab{c}cd@acme.example")
                } else {
                    "x".repeat(h.0.gen_range(300..20_000))
                };
                v["form"][name] = json!(value);
                let body = serde_json::to_vec(&v).unwrap();
                let desc = format!("{name} = {:?}", truncate(&value, 40));
                (content_type(*enc), body, Some(format!("form.{name}")), desc)
            } else if i % 5 == 4 {
                // Raw garbage, sometimes under the other encoding's content type.
                let valid = match enc {
                    Enc::Json => serde_json::to_vec(&template).unwrap(),
                    Enc::Form => form_body(&template).into_bytes(),
                };
                let body = h.garbage(&valid);
                let ctype = if h.0.gen_bool(0.8) {
                    content_type(*enc)
                } else {
                    h.pick(&[
                        "application/json",
                        "application/x-www-form-urlencoded",
                        "text/plain",
                        "",
                    ])
                };
                let desc = format!(
                    "garbage {:?}",
                    String::from_utf8_lossy(&body[..body.len().min(80)])
                );
                (ctype, body, None, desc)
            } else {
                let mut field = None;
                let rounds = h.0.gen_range(1..=2);
                for _ in 0..rounds {
                    field = mutate(&mut h, &mut v, agent_id.0);
                }
                // Only a lone mutation pins the fault on one field.
                let field = field.filter(|_| rounds == 1);
                let body = match enc {
                    Enc::Json => serde_json::to_vec(&v).unwrap(),
                    Enc::Form => form_body(&v).into_bytes(),
                };
                let desc = truncate(&v.to_string(), 160);
                (content_type(*enc), body, field, desc)
            };
            if body.len() > omnibots::MAX_BODY_BYTES {
                // Over the limit: refused on its length alone (sent without its body, see
                // `raw_http`, as the server closes the connection on a body it will not read).
                let head = format!(
                    "POST /api/{endpoint} HTTP/1.1\r\nContent-Type: {ctype}\r\n\
                     Content-Length: {}\r\n",
                    body.len()
                );
                assert_eq!(
                    raw_http(&server.base, &head, body, true).await,
                    413,
                    "{desc}"
                );
                tally.cases += 1;
                tally.too_large += 1;
                continue;
            }
            let r = raw_post(b, &format!("/api/{endpoint}"), &origin, ctype, body).await;
            let err = check(endpoint, &desc, &r, &mut tally);
            if *endpoint == "create_user" && r.status == StatusCode::OK {
                let issued: IssuedPassword = serde_json::from_str(&r.body).unwrap();
                assert!(issued.user.id > 0);
                created += 1;
            }
            // One string field with a control character inside, the rest valid: that field's
            // message (sign-in answers its one message, by design).
            if let Some(field) = field
                && matches!(*endpoint, "create_user" | "update_user")
                && let Some(name) = field.strip_prefix("form.")
                && ["first_name", "last_name", "email", "external_id", "phone"].contains(&name)
                && let Some(s) = v["form"][name].as_str()
                && (has_inner_control(s) || s.chars().count() > 300)
                && r.status != StatusCode::PAYLOAD_TOO_LARGE
            {
                let err = err.unwrap_or_else(|| panic!("{endpoint} accepted {desc}"));
                assert!(
                    err.field_message(name).is_some(),
                    "{endpoint}: no message for {name} in {err:?} ({desc})"
                );
                tally.field_checked += 1;
            }
        }
        report.push((endpoint.to_string(), tally));
    }

    // Pages read the URL: hostile queries render or refuse, never fail.
    let mut tally = Tally::default();
    let mut retried = 0;
    for _ in 0..CASES_PER_FUNCTION {
        let mut param = |json: bool| {
            let v = if json {
                h.value(agent_id.0).to_string()
            } else {
                h.string()
            };
            percent_encode(&truncate(&v, 300))
        };
        let q = format!(
            "/?q={}&status={}&type={}&role={}&sort={}&size={}&after={}",
            param(false),
            param(false),
            param(false),
            param(true),
            param(false),
            param(true),
            param(true),
        );
        let mut r = admin.get(&q).await;
        tally.cases += 1;
        if r.status.is_server_error() {
            // A rare SSR race of the users page answers 500 for any query (about 1 request in
            // 1,000, gone on retry); the input is not the cause if the same request then works.
            eprintln!(
                "transient {} on GET {}; retrying",
                r.status,
                truncate(&q, 120)
            );
            retried += 1;
            r = admin.get(&q).await;
        }
        assert!(
            r.status.is_success(),
            "GET {}: {}",
            truncate(&q, 300),
            r.status
        );
        let lower = r.body.to_lowercase();
        for w in ["sqlx", "sqlite", "syntax error", "violates", "panicked"] {
            if let Some(at) = lower.find(w) {
                let from = lower[..at]
                    .char_indices()
                    .rev()
                    .nth(150)
                    .map_or(0, |(i, _)| i);
                let to = lower[at..]
                    .char_indices()
                    .nth(150)
                    .map_or(lower.len(), |(i, _)| at + i);
                panic!(
                    "{w:?} in GET {}: …{}…",
                    truncate(&q, 300),
                    &r.body[from..to]
                );
            }
        }
        tally.ok += 1;
    }
    report.push(("GET / (query)".into(), tally));
    eprintln!("GET / retried after a transient 5xx: {retried}");

    // No half-written rows: the users are the two plus each create that succeeded, and the
    // maintained counts equal a fresh count.
    let c = db.store.tenant_counts(t).await.unwrap();
    assert_eq!(c, db.store.tenant_counts_by_scan(t).await.unwrap());
    assert_eq!(c.total, 2 + created, "{report:?}");
    // The admin's session survived it all.
    assert_eq!(admin.stats().await.status, StatusCode::OK);
    let _ = admin_id;
    let total: usize = report.iter().map(|(_, t)| t.cases).sum();
    eprintln!("hostile input ({}): {total} cases", db.store.backend());
    for (f, t) in &report {
        eprintln!(
            "  {f:16} {:4} cases: {:4} ok, {:4} 4xx typed, {:3} 413, {:3} field checks",
            t.cases, t.ok, t.client_errors, t.too_large, t.field_checked
        );
    }
}
both!(
    hostile_input,
    hostile_input_never_gets_a_5xx_a_database_message_or_a_half_written_row
);

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// A form body of a flat JSON object (non-string values as their JSON text).
fn form_body(v: &Value) -> String {
    match v {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                format!("{}={}", percent_encode(k), percent_encode(&v))
            })
            .collect::<Vec<_>>()
            .join("&"),
        other => percent_encode(&other.to_string()),
    }
}

// ------------------------------------------------------------------------------------------
// (10) Request ids and logs without secrets
// ------------------------------------------------------------------------------------------

/// Everything logged by this test binary from the first call on.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = {
            let buf = buf.clone();
            move || Capture(buf.clone())
        };
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .with_writer(writer)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        buf
    })
    .clone()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn logs_carry_request_ids_and_no_secrets(db: &TestDb) {
    let logs = captured_logs();
    let (_, _, agent_id) = tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut secrets: Vec<String> = vec![PASSWORD.into(), NEW_PASSWORD.into()];
    let wrong = format!("wrong-password-{}", rand::random::<u64>());
    let search = format!("secret-search-{}", rand::random::<u64>());
    secrets.extend([wrong.clone(), search.clone()]);

    let mut admin = admin_browser(&server, "acme").await;
    let failed = Browser::new(&server)
        .sign_in("acme", "admin@acme.example", &wrong)
        .await;
    assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
    let r = admin
        .call_json(
            "create_user",
            json!({ "form": user_form("Logan", "Tester", "logan@acme.example"), "user_type": "agent" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let issued: IssuedPassword = serde_json::from_str(&r.body).unwrap();
    secrets.push(issued.temporary_password);
    let r = admin
        .call_json("reset_password", json!({ "id": agent_id.0 }))
        .await;
    let issued: IssuedPassword = serde_json::from_str(&r.body).unwrap();
    let mut agent = Browser::new(&server);
    let r = agent
        .sign_in("acme", "agent@acme.example", &issued.temporary_password)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = agent
        .call(
            "change_password",
            &[
                ("current_password", &issued.temporary_password),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    secrets.push(issued.temporary_password);
    let page = admin.get(&format!("/?q={search}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let stats = admin.stats().await;
    let request_id = header(&stats, "x-request-id")
        .expect("a request id")
        .to_string();
    for token in [admin.cookie.clone().unwrap(), agent.cookie.clone().unwrap()] {
        secrets.push(session::token_hash(&token));
        secrets.push(token);
    }
    secrets.push("argon2id$".into());
    // A request id the client sent is kept (behind a proxy that set it) and echoed.
    let (client, base) = admin.client();
    let echoed = client
        .get(format!("{base}/healthz"))
        .header("x-request-id", "proxy-id-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "proxy-id-42");
    drop(server);

    let text = String::from_utf8_lossy(&logs.lock().unwrap()).to_string();
    let mine: Vec<&str> = text.lines().filter(|l| l.contains(&request_id)).collect();
    assert!(
        mine.iter().any(|l| l.contains("method=POST")
            && l.contains("path=/api/user_stats")
            && l.contains("status=200")
            && l.contains("latency_ms=")),
        "one line per reply with id, method, path, status and latency: {mine:?}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("path=/api/sign_in") && l.contains("sign-in failed")),
        "application lines carry the request's span"
    );
    for secret in &secrets {
        for line in text.lines() {
            assert!(
                !line.contains(secret.as_str()),
                "a secret in the log: {line}"
            );
        }
    }
    for line in text.lines() {
        assert!(
            !line.to_lowercase().contains("cookie"),
            "no cookie header in the log: {line}"
        );
    }
}
both!(logs_without_secrets, logs_carry_request_ids_and_no_secrets);

/// A workspace that holds a line break and 10 KB of text writes one short line to the log,
/// not a forged line of its own (issue "Security, second pass", 5).
async fn a_workspace_cannot_forge_log_lines(db: &TestDb) {
    let logs = captured_logs();
    let server = start(db).await;
    let marker = format!("forged{}", rand::random::<u32>());
    let workspace = format!(
        "nowhere\n2026-12-02T00:00:00.000000Z  INFO {marker}{}",
        "x".repeat(10_000)
    );
    let r = Browser::new(&server)
        .sign_in(&workspace, "admin@acme.example", PASSWORD)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    drop(server);
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).to_string();
    let lines: Vec<&str> = text.lines().filter(|l| l.contains(&marker)).collect();
    assert_eq!(lines.len(), 1, "one line holds the input: {lines:?}");
    assert!(
        lines[0].contains("sign-in failed") && lines[0].contains("nowhere\\n2026"),
        "inside the sign-in line, its line break escaped: {}",
        lines[0]
    );
    assert!(lines[0].len() < 400, "cut short: {} bytes", lines[0].len());
}
both!(log_forgery, a_workspace_cannot_forge_log_lines);
