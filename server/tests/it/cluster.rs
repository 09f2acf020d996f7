//! Two servers on one database, each with its own connection pool, as two `omnibots`
//! processes behind a load balancer would be. PostgreSQL is the set-up this is for; the same
//! test runs on one SQLite file shared by both, which must hold too. Sessions, their ends,
//! the counts and the sign-in throttle are all in the database, so both servers agree at once.

use app::error::AppError;
use app::server::AppState;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::{
    Browser, PASSWORD, TestDb, TestServer, signed_in, tenant_with_users, test_settings,
};

/// Browsers on server A and on server B sharing one cookie jar (one person, two servers).
fn on(server: &TestServer, cookie: &Option<String>) -> Browser {
    let mut b = Browser::new(server);
    b.cookie = cookie.clone();
    b
}

async fn stats(b: &mut Browser) -> Value {
    let r = b.stats().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn two_servers_share_sessions_their_ends_and_counts(db: &TestDb) {
    let (t, _, agent) = tenant_with_users(&db.store, "acme").await;
    let settings = test_settings(&db.url);
    // Server B opens the database on its own (and runs the migrations, already applied).
    let store_b = omnibots::open_store(&settings).await.unwrap();
    let a = TestServer::start(db.store.clone(), settings.clone()).await;
    let b = TestServer::start_state(AppState::new(store_b.clone(), settings)).await;

    // The admin signs in on A and works on B.
    let mut admin_a = Browser::new(&a);
    let r = admin_a
        .sign_in("acme", "admin@acme.example", PASSWORD)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut admin_b = on(&b, &admin_a.cookie);
    assert_eq!(stats(&mut admin_b).await, stats(&mut admin_a).await);

    // The agent signs in on A; the session works on B.
    let mut agent_a = Browser::new(&a);
    agent_a
        .sign_in("acme", "agent@acme.example", PASSWORD)
        .await;
    let mut agent_b = on(&b, &agent_a.cookie);
    assert!(signed_in(&mut agent_b).await, "A's session is good on B");

    // Suspended on B: refused on A at the very next request.
    let r = admin_b
        .call_json(
            "set_user_status",
            json!({ "id": agent.0, "status": "suspended" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!signed_in(&mut agent_a).await, "refused on A");
    assert_eq!(
        agent_a
            .call(
                "change_password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "x".repeat(20).as_str()),
                    ("confirm_password", "x".repeat(20).as_str()),
                ],
            )
            .await
            .error(),
        AppError::NotSignedIn
    );
    let counts = db.store.tenant_counts_by_scan(t).await.unwrap();
    for s in [stats(&mut admin_a).await, stats(&mut admin_b).await] {
        assert_eq!(
            (s["total"].as_i64(), s["active"].as_i64()),
            (Some(counts.total), Some(counts.active)),
            "both servers show the fresh count"
        );
    }

    // Reactivated on A; a password reset on A ends the session made on B.
    let r = admin_a
        .call_json(
            "set_user_status",
            json!({ "id": agent.0, "status": "active" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut agent_b = Browser::new(&b);
    agent_b
        .sign_in("acme", "agent@acme.example", PASSWORD)
        .await;
    let mut agent_a = on(&a, &agent_b.cookie);
    assert!(signed_in(&mut agent_a).await);
    let r = admin_a
        .call_json("reset_password", json!({ "id": agent.0 }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        !signed_in(&mut agent_b).await,
        "the reset on A ends it on B"
    );

    // Users created on B count on A at once; both agree with a fresh count.
    for i in 0..3 {
        let r = admin_b
            .call_json(
                "create_user",
                json!({ "form": { "first_name": "N", "last_name": "B", "email": format!("n{i}@b.example"),
                                  "phone": "", "external_id": "", "timezone": "", "role_ids": [] },
                        "user_type": "viewer" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let counts = db.store.tenant_counts_by_scan(t).await.unwrap();
    assert_eq!(stats(&mut admin_a).await, stats(&mut admin_b).await);
    assert_eq!(
        stats(&mut admin_a).await["total"].as_i64(),
        Some(counts.total)
    );

    // Sign-out on B ends the session on A.
    let r = admin_b.call("sign_out", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(admin_a.stats().await.error(), AppError::NotSignedIn);

    // The throttle counts attempts on both servers together.
    for server in [&a, &b] {
        for _ in 0..5 {
            let r = Browser::new(server)
                .sign_in("acme", "admin@acme.example", "a wrong guess")
                .await;
            assert_eq!(r.error(), AppError::SignInFailed);
        }
    }
    let r = Browser::new(&a)
        .sign_in("acme", "admin@acme.example", PASSWORD)
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    drop((a, b));
    store_b.close().await;
}
both!(
    two_servers,
    two_servers_share_sessions_their_ends_and_counts
);
