//! Session ends, on both databases: suspension (by status and through an edit), password
//! reset and password change end every session of that user at once; "Sign out" ends only the
//! session it is sent from. (Idle and absolute timeouts and rotation at sign-in and password
//! change are in `http.rs`.)

use app::error::AppError;
use reqwest::StatusCode;
use serde_json::json;

use crate::both;
use crate::support::{
    Browser, PASSWORD, TestDb, TestServer, session_for, signed_in, start, tenant_with_users,
};

/// The agent signed in twice, in two browsers.
async fn two_sessions(server: &TestServer) -> (Browser, Browser) {
    let mut one = Browser::new(server);
    let mut two = Browser::new(server);
    for b in [&mut one, &mut two] {
        let r = b.sign_in("acme", "agent@acme.example", PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(signed_in(b).await);
    }
    assert_ne!(one.cookie, two.cookie);
    (one, two)
}

async fn suspension_ends_every_session_of_the_user(db: &TestDb) {
    let (t, admin, agent) = tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut boss = session_for(&server, &db.store, t, admin).await;

    let (mut one, mut two) = two_sessions(&server).await;
    assert_eq!(db.store.session_count(t, agent).await.unwrap(), 2);
    let r = boss
        .call_json(
            "set_user_status",
            json!({ "id": agent.0, "status": "suspended" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!signed_in(&mut one).await && !signed_in(&mut two).await);
    assert_eq!(db.store.session_count(t, agent).await.unwrap(), 0);
    // Reactivation does not bring the old sessions back.
    let r = boss
        .call_json(
            "set_user_status",
            json!({ "id": agent.0, "status": "active" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!signed_in(&mut one).await && !signed_in(&mut two).await);

    // Suspending through an edit ends them too.
    let (mut one, mut two) = two_sessions(&server).await;
    let row = db.store.user(t, agent).await.unwrap();
    let r = boss
        .call_json(
            "update_user",
            json!({ "id": agent.0, "version": row.version, "status": "suspended",
                    "form": { "first_name": row.profile.first_name, "last_name": row.profile.last_name,
                              "email": row.profile.email, "phone": "", "external_id": "",
                              "timezone": "", "role_ids": [] } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!signed_in(&mut one).await && !signed_in(&mut two).await);
    // The admin's own session is untouched.
    assert!(signed_in(&mut boss).await);
}
both!(suspend_ends_all, suspension_ends_every_session_of_the_user);

async fn a_password_reset_ends_every_session_of_the_user(db: &TestDb) {
    let (t, admin, agent) = tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut boss = session_for(&server, &db.store, t, admin).await;
    let (mut one, mut two) = two_sessions(&server).await;
    let r = boss
        .call_json("reset_password", json!({ "id": agent.0 }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!signed_in(&mut one).await && !signed_in(&mut two).await);
    assert_eq!(db.store.session_count(t, agent).await.unwrap(), 0);
    assert_eq!(
        two.call(
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a different long passphrase"),
                ("confirm_password", "a different long passphrase"),
            ],
        )
        .await
        .error(),
        AppError::NotSignedIn
    );
}
both!(
    reset_ends_all,
    a_password_reset_ends_every_session_of_the_user
);

async fn a_password_change_ends_every_other_session(db: &TestDb) {
    let (t, _, agent) = tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let (mut one, mut two) = two_sessions(&server).await;
    let old = one.cookie.clone();
    let new_password = "a different long passphrase";
    let r = one
        .call(
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new_password),
                ("confirm_password", new_password),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_ne!(one.cookie, old, "this browser got a new token");
    assert!(signed_in(&mut one).await, "and stays signed in");
    assert!(!signed_in(&mut two).await, "the other session ended");
    let mut replay = Browser::new(&server);
    replay.cookie = old;
    assert!(!signed_in(&mut replay).await, "the old token is dead");
    assert_eq!(db.store.session_count(t, agent).await.unwrap(), 1);
}
both!(
    password_change_ends_others,
    a_password_change_ends_every_other_session
);

async fn sign_out_ends_only_this_session(db: &TestDb) {
    let (t, _, agent) = tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let (mut one, mut two) = two_sessions(&server).await;
    let token = one.cookie.clone();
    let r = one.call("sign_out", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(one.cookie.is_none(), "the cookie is cleared");
    one.cookie = token;
    assert!(!signed_in(&mut one).await, "this session ended");
    assert!(signed_in(&mut two).await, "the other one goes on");
    assert_eq!(db.store.session_count(t, agent).await.unwrap(), 1);
}
both!(sign_out_ends_one, sign_out_ends_only_this_session);

/// Signing in again ends the session the browser presented, its row and not only its cookie: a
/// copy of the old token stops working (issue "Security, second pass", 6).
async fn signing_in_again_ends_the_presented_session(db: &TestDb) {
    tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut b = Browser::new(&server);
    let r = b.sign_in("acme", "agent@acme.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK);
    let first = b.cookie.clone().unwrap();
    let r = b.sign_in("acme", "agent@acme.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_ne!(b.cookie.as_deref(), Some(first.as_str()), "a new token");
    assert!(signed_in(&mut b).await, "the new session works");
    let mut copy = Browser::new(&server);
    copy.cookie = Some(first);
    assert!(!signed_in(&mut copy).await, "the presented one has ended");
}
both!(sign_in_again, signing_in_again_ends_the_presented_session);
