//! Request ids and logs without secrets: one line per reply with its request id, application
//! lines inside the request's span, no password, token or cookie, and no line forged by input.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use app::server::session;
use app::users::server::IssuedPassword;
use reqwest::StatusCode;
use serde_json::json;

use super::{NEW_PASSWORD, header};
use crate::both;
use crate::support::{
    Browser, PASSWORD, TestDb, admin_browser, start, tenant_with_users, user_form,
};

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
