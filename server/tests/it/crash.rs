//! Crash safety, on both databases: the real `omnibots` binary takes a stream of creates from
//! a few concurrent clients and is killed with SIGKILL partway; restarted on the same
//! database, it still has every create it acknowledged, no half-written one (each user has
//! its audit record and the other way round), and maintained counts equal to a fresh count.
//! The restarted server then takes the rest of the stream.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::store::{Store, TenantId, UserId};
use serde_json::json;

use crate::both;
use crate::support::{Browser, PASSWORD, TestDb, sleep_ms, tenant_with_users};

/// The creates of the whole stream.
const STREAM: usize = 1000;
/// The server is killed once this many creates were acknowledged.
const KILL_AFTER: usize = 300;
/// Clients sending creates at once.
const CLIENTS: usize = 3;

/// A running `omnibots serve` on a port of its own.
struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Server {
    async fn start(url: &str, log: PathBuf) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_omnibots"))
            .arg("serve")
            .env("DATABASE_URL", url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_OUTPUT_NAME", "omnibots")
            .env("LEPTOS_SITE_ROOT", "target/site")
            .env("OMNIBOTS_HASH_CONCURRENCY", "1")
            .env("RUST_LOG", "warn,omnibots=info")
            // The graceful-shutdown test signs one account in a dozen times at once.
            .env("OMNIBOTS_SIGN_IN_MAX_PER_ACCOUNT", "1000")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("the binary starts");
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&mut self) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = http.get(format!("{}/readyz", self.base)).send().await
                && r.status().is_success()
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server exited ({status}): {}", self.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "not ready in 60 s: {}",
                self.log_text()
            );
            sleep_ms(100).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no shutdown, no flushing, in-flight requests cut off.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the clients saw.
#[derive(Default, Clone)]
struct Outcome {
    /// Stream index and user id of every create that got a success reply.
    acked: Vec<(usize, i64)>,
    /// Creates sent that got no reply (in flight when the server died).
    unanswered: Vec<usize>,
}

fn email(i: usize) -> String {
    format!("stream{i:04}@crash.example")
}

/// Sends the creates `next..STREAM` from [`CLIENTS`] clients until the stream ends or the
/// server stops answering.
fn stream(
    base: &str,
    cookie: &str,
    next: Arc<AtomicUsize>,
    outcome: Arc<Mutex<Outcome>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..CLIENTS)
        .map(|_| {
            let (base, cookie) = (base.to_string(), cookie.to_string());
            let (next, outcome) = (next.clone(), outcome.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .build()
                    .unwrap();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= STREAM {
                        return;
                    }
                    let form = json!({ "first_name": format!("S{i}"), "last_name": "Stream",
                        "email": email(i), "phone": "", "external_id": "", "timezone": "",
                        "role_ids": [] });
                    let sent = http
                        .post(format!("{base}/api/create_user"))
                        .header("accept", "application/json")
                        .header("origin", &base)
                        .header("cookie", format!("omnibots_session={cookie}"))
                        .json(&json!({ "form": form, "user_type": "agent" }))
                        .send()
                        .await;
                    let reply = match sent {
                        Ok(r) => {
                            let status = r.status();
                            r.text().await.map(|body| (status, body))
                        }
                        Err(e) => Err(e),
                    };
                    match reply {
                        Ok((status, body)) => {
                            assert_eq!(status, reqwest::StatusCode::OK, "create {i}: {body}");
                            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                            let id = v["user"]["id"].as_i64().unwrap();
                            outcome.lock().unwrap().acked.push((i, id));
                        }
                        Err(_) => {
                            outcome.lock().unwrap().unanswered.push(i);
                            return;
                        }
                    }
                }
            })
        })
        .collect()
}

async fn scalar(store: &Store, sql: &str, t: TenantId) -> i64 {
    match store {
        Store::Sqlite(p) => sqlx::query_scalar(sql)
            .bind(t.0)
            .fetch_one(p)
            .await
            .unwrap(),
        Store::Postgres(p) => sqlx::query_scalar(sql)
            .bind(t.0)
            .fetch_one(p)
            .await
            .unwrap(),
    }
}

/// Every acknowledged create is there with its email, no user lacks its audit record nor the
/// other way round, and the maintained counts equal a fresh count. Returns how many stream
/// users exist.
async fn check(url: &str, t: TenantId, outcome: &Outcome) -> i64 {
    let store = Store::connect(url).await.unwrap();
    for (i, id) in &outcome.acked {
        let u = store
            .user(t, UserId(*id))
            .await
            .unwrap_or_else(|e| panic!("acknowledged create {i} (user {id}) is lost: {e}"));
        assert_eq!(u.profile.email, email(*i));
    }
    let present = scalar(
        &store,
        "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND email LIKE '%@crash.example'",
        t,
    )
    .await;
    let no_audit = scalar(
        &store,
        "SELECT COUNT(*) FROM users u WHERE u.tenant_id = $1
            AND u.email LIKE '%@crash.example' AND NOT EXISTS
           (SELECT 1 FROM audit_log a WHERE a.target_user_id = u.id AND a.action = 'user.create')",
        t,
    )
    .await;
    let no_user = scalar(
        &store,
        "SELECT COUNT(*) FROM audit_log a WHERE a.tenant_id = $1 AND a.action = 'user.create'
            AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = a.target_user_id)",
        t,
    )
    .await;
    assert_eq!((no_audit, no_user), (0, 0), "no half-written create");
    assert_eq!(
        store.tenant_counts(t).await.unwrap(),
        store.tenant_counts_by_scan(t).await.unwrap(),
        "maintained counts equal a fresh count"
    );
    if let Store::Sqlite(p) = &store {
        let ok: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(p)
            .await
            .unwrap();
        assert_eq!(ok, "ok");
    }
    store.close().await;
    present
}

async fn a_killed_server_keeps_every_acknowledged_create(db: &TestDb) {
    let (t, ..) = tenant_with_users(&db.store, "acme").await;
    let dir = std::env::temp_dir();
    let tag = format!("{}-{}", db.store.backend(), std::process::id());
    let mut server = Server::start(&db.url, dir.join(format!("omnibots-crash-{tag}-1.log"))).await;
    let mut admin = Browser::at(&server.base);
    let r = admin.sign_in("acme", "admin@acme.example", PASSWORD).await;
    assert_eq!(r.status, reqwest::StatusCode::OK, "{}", r.body);
    let cookie = admin.cookie.clone().unwrap();

    let next = Arc::new(AtomicUsize::new(0));
    let outcome = Arc::new(Mutex::new(Outcome::default()));
    let clients = stream(&server.base, &cookie, next.clone(), outcome.clone());
    let deadline = Instant::now() + Duration::from_secs(300);
    while outcome.lock().unwrap().acked.len() < KILL_AFTER {
        assert!(Instant::now() < deadline, "{}", server.log_text());
        sleep_ms(5).await;
    }
    server.kill();
    for c in clients {
        c.await.unwrap();
    }
    let seen = outcome.lock().unwrap().clone();
    let (acked, unanswered) = (seen.acked.len(), seen.unanswered.len());
    let present = check(&db.url, t, &seen).await;
    println!(
        "crash ({}): {acked} creates acknowledged before SIGKILL, {unanswered} in flight, \
         {present} found after restart",
        db.store.backend()
    );
    assert!(present >= acked as i64);
    assert!(
        present - acked as i64 <= unanswered as i64,
        "only creates in flight at the kill may have landed unacknowledged"
    );

    // Restarted on the same database: the session survived, and the stream goes on to the end
    // (the creates that got no reply are sent again; one that had landed is a field error).
    let server = Server::start(&db.url, dir.join(format!("omnibots-crash-{tag}-2.log"))).await;
    let mut retry = Browser::at(&server.base);
    retry.cookie = Some(cookie.clone());
    for i in seen.unanswered {
        let form = json!({ "first_name": "Again", "last_name": "Stream", "email": email(i),
                           "phone": "", "external_id": "", "timezone": "", "role_ids": [] });
        let r = retry
            .call_json("create_user", json!({ "form": form, "user_type": "agent" }))
            .await;
        assert!(
            r.status == reqwest::StatusCode::OK || r.error().field_message("email").is_some(),
            "{}",
            r.body
        );
    }
    let clients = stream(&server.base, &cookie, next, outcome.clone());
    for c in clients {
        c.await.unwrap();
    }
    let seen = outcome.lock().unwrap().clone();
    let total = check(&db.url, t, &seen).await;
    assert_eq!(total, STREAM as i64, "the whole stream, each create once");
}
both!(
    sigkill_mid_stream,
    a_killed_server_keeps_every_acknowledged_create
);

/// SIGTERM: the server stops taking connections but answers every request it already has,
/// then exits cleanly.
async fn sigterm_finishes_in_flight_requests(db: &TestDb) {
    tenant_with_users(&db.store, "acme").await;
    let dir = std::env::temp_dir();
    let tag = format!("{}-{}", db.store.backend(), std::process::id());
    let mut server = Server::start(&db.url, dir.join(format!("omnibots-term-{tag}.log"))).await;
    // Sign-ins queue behind one argon2id hash at a time (hash concurrency 1), so a batch of
    // them is still being answered well after the signal.
    const SIGN_INS: usize = 12;
    let requests: Vec<_> = (0..SIGN_INS)
        .map(|_| {
            let base = server.base.clone();
            tokio::spawn(async move {
                let reply = reqwest::Client::new()
                    .post(format!("{base}/api/sign_in"))
                    .header("origin", &base)
                    .form(&[
                        ("workspace", "acme"),
                        ("email", "admin@acme.example"),
                        ("password", PASSWORD),
                    ])
                    .send()
                    .await;
                (reply.map(|r| r.status()), Instant::now())
            })
        })
        .collect();
    // Once the first sign-in is answered the others are queued inside the server.
    let first = loop {
        if let Some(done) = requests.iter().position(|r| r.is_finished()) {
            break done;
        }
        sleep_ms(2).await;
    };
    let signalled = Instant::now();
    let pid = server.child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    let (mut after_signal, mut never_accepted) = (0, 0);
    for (i, r) in requests.into_iter().enumerate() {
        let (reply, at) = r.await.unwrap();
        match reply {
            Ok(status) => {
                assert_eq!(status, reqwest::StatusCode::OK, "{}", server.log_text());
                if at > signalled {
                    after_signal += 1;
                }
            }
            // A connection the server never accepted (a loaded test machine may not have sent
            // every request before the signal) is refused; anything else is a dropped request.
            Err(e) => {
                assert!(e.is_connect() && i != first, "sign-in {i} cut off: {e}");
                never_accepted += 1;
            }
        }
    }
    assert!(
        after_signal > 0,
        "some sign-ins were still in flight at the signal and were answered"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        sleep_ms(50).await;
    };
    assert!(
        status.success(),
        "clean exit: {status}: {}",
        server.log_text()
    );
    assert!(
        server.log_text().contains("finishing in-flight requests"),
        "{}",
        server.log_text()
    );
    println!(
        "sigterm ({}): {after_signal} of {SIGN_INS} sign-ins answered after the signal, \
         {never_accepted} sent too late to be accepted",
        db.store.backend()
    );
}
both!(sigterm_graceful, sigterm_finishes_in_flight_requests);
