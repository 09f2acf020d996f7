//! Races through the real server functions, on both databases: parallel creates of one email,
//! parallel saves of one version, and parallel suspensions and reactivations against the
//! maintained counts. Every reply must be a typed outcome; none may be a 5xx.

use std::collections::BTreeMap;

use app::error::AppError;
use app::server::{AppState, Settings};
use app::users::model::{UserSummary, UserType};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::{
    Browser, Reply, TestDb, TestServer, new_user, session_for, start, tenant_with_users,
    test_settings, user_form,
};

/// Runs `n` calls at once, each from its own connection with a copy of `cookie`.
async fn in_parallel(
    server: &TestServer,
    cookie: &Option<String>,
    calls: Vec<(&'static str, Value)>,
) -> Vec<Reply> {
    let mut tasks = Vec::new();
    for (endpoint, args) in calls {
        let mut b = Browser::new(server);
        b.cookie = cookie.clone();
        tasks.push(tokio::spawn(
            async move { b.call_json(endpoint, args).await },
        ));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// How many replies had each status.
fn tally(replies: &[Reply]) -> BTreeMap<u16, usize> {
    let mut m = BTreeMap::new();
    for r in replies {
        *m.entry(r.status.as_u16()).or_default() += 1;
    }
    m
}

async fn a_hundred_creates_of_one_email_make_one_user(db: &TestDb) {
    let (t, admin, _) = tenant_with_users(&db.store, "acme").await;
    // Every create hashes a temporary password: room for all of them to wait (a full queue
    // answers 429, tested in `throttle::hash_queue_bounded`).
    let settings = Settings {
        hash_queue: 1_000,
        ..test_settings(&db.url)
    };
    let server = TestServer::start_state(AppState::new(db.store.clone(), settings)).await;
    let boss = session_for(&server, &db.store, t, admin).await;
    let before = db.store.tenant_counts(t).await.unwrap();
    // The same address in varying letter case.
    let calls = (0..100)
        .map(|i| {
            let email = if i % 2 == 0 {
                "same@race.example"
            } else {
                "Same@RACE.example"
            };
            (
                "create_user",
                json!({ "form": user_form(&format!("R{i}"), "Racer", email), "user_type": "agent" }),
            )
        })
        .collect();
    let replies = in_parallel(&server, &boss.cookie, calls).await;
    let counts = tally(&replies);
    println!("100 parallel creates of one email: {counts:?} (status: replies)");
    assert_eq!(
        counts,
        BTreeMap::from([(200, 1), (422, 99)]),
        "one user, 99 field errors, nothing else"
    );
    for r in replies.iter().filter(|r| r.status != StatusCode::OK) {
        assert_eq!(
            r.error().field_message("email").as_deref(),
            Some("A user with this email already exists"),
            "{}",
            r.body
        );
    }
    let after = db.store.tenant_counts(t).await.unwrap();
    assert_eq!(after.total, before.total + 1);
    assert!(
        db.store
            .user_id_by_email(t, "same@race.example")
            .await
            .unwrap()
            .is_some()
    );
    crate::support::counts(&db.store, t).await;
}
both!(
    parallel_creates,
    a_hundred_creates_of_one_email_make_one_user
);

async fn fifty_edits_of_one_version_save_once(db: &TestDb) {
    let (t, admin, _) = tenant_with_users(&db.store, "acme").await;
    let id = db
        .store
        .create_user(
            t,
            None,
            &new_user("edit@race.example", UserType::Agent),
            None,
        )
        .await
        .unwrap();
    let server = start(db).await;
    let boss = session_for(&server, &db.store, t, admin).await;
    let version = db.store.user(t, id).await.unwrap().version;
    let calls = (0..50)
        .map(|i| {
            (
                "update_user",
                json!({ "id": id.0, "version": version, "status": "active",
                        "form": user_form(&format!("Winner{i}"), "Racer", "edit@race.example") }),
            )
        })
        .collect();
    let replies = in_parallel(&server, &boss.cookie, calls).await;
    let counts = tally(&replies);
    println!("50 parallel edits of one version: {counts:?} (status: replies)");
    assert_eq!(counts, BTreeMap::from([(200, 1), (409, 49)]));
    let winner: UserSummary = replies
        .iter()
        .find(|r| r.status == StatusCode::OK)
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .unwrap();
    for r in replies.iter().filter(|r| r.status != StatusCode::OK) {
        match r.error() {
            AppError::Conflict(fresh) => assert_eq!(*fresh, winner, "the fresh values"),
            other => panic!("{other:?}"),
        }
    }
    let stored = db.store.user(t, id).await.unwrap();
    assert_eq!(stored.version, version + 1, "one save, one new version");
    assert_eq!(stored.profile.first_name, winner.profile.first_name);
}
both!(parallel_edits, fifty_edits_of_one_version_save_once);

async fn parallel_suspensions_keep_the_counts_exact(db: &TestDb) {
    let (t, admin, _) = tenant_with_users(&db.store, "acme").await;
    let mut ids = Vec::new();
    for i in 0..20 {
        let id = db
            .store
            .create_user(
                t,
                None,
                &new_user(&format!("flip{i}@race.example"), UserType::Agent),
                None,
            )
            .await
            .unwrap();
        ids.push(id);
    }
    let server = start(db).await;
    let mut boss = session_for(&server, &db.store, t, admin).await;
    // Four rounds of 50 calls: each user is suspended and reactivated by several calls at
    // once, and new users arrive meanwhile.
    for round in 0..4 {
        let mut calls: Vec<(&'static str, Value)> = Vec::new();
        for k in 0..45 {
            let id = ids[(k * 7 + round) % ids.len()];
            let status = if (k + round) % 3 == 0 {
                "active"
            } else {
                "suspended"
            };
            calls.push(("set_user_status", json!({ "id": id.0, "status": status })));
        }
        for k in 0..5 {
            calls.push((
                "create_user",
                json!({ "form": user_form("New", "Racer", &format!("new{round}-{k}@race.example")),
                        "user_type": "viewer" }),
            ));
        }
        let replies = in_parallel(&server, &boss.cookie, calls).await;
        let counts = tally(&replies);
        println!("round {round}: 45 status changes + 5 creates: {counts:?}");
        assert_eq!(counts, BTreeMap::from([(200, 50)]), "no failure, no 5xx");
        crate::support::counts(&db.store, t).await;
    }
    let c = db.store.tenant_counts_by_scan(t).await.unwrap();
    assert_eq!(c.total, 2 + 20 + 20);
    let stats: Value = serde_json::from_str(&boss.stats().await.body).unwrap();
    assert_eq!(
        (stats["total"].as_i64(), stats["active"].as_i64()),
        (Some(c.total), Some(c.active)),
        "the stat cards show the fresh count"
    );
}
both!(
    parallel_suspensions,
    parallel_suspensions_keep_the_counts_exact
);
