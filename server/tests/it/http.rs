//! Sign-in rules through the real server over HTTP, on both databases.

use std::time::Duration;

use app::error::AppError;
use app::server::{Settings, passwords};
use app::store::{UserId, now_ms};
use app::users::model::{Status, UserType};
use reqwest::StatusCode;

use crate::both;
use crate::support::{
    Browser, PASSWORD, TestDb, TestServer, new_user, start, tenant_with_users, test_settings,
};

async fn wrong_workspace_email_or_password_give_one_message(db: &TestDb) {
    tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut b = Browser::new(&server);
    let cases = [
        ("nowhere", "admin@acme.example", PASSWORD),
        ("acme", "nobody@acme.example", PASSWORD),
        ("acme", "admin@acme.example", "not the password at all"),
    ];
    let mut bodies = Vec::new();
    for (w, e, p) in cases {
        let reply = b.sign_in(w, e, p).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.error(), AppError::SignInFailed);
        assert!(b.cookie.is_none(), "no session for a failed sign-in");
        bodies.push(reply.body);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "byte-identical replies: {bodies:?}"
    );
    // The email matches in any letter case; the workspace too.
    let ok = b.sign_in(" ACME ", "Admin@Acme.Example", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}
both!(
    sign_in_one_message,
    wrong_workspace_email_or_password_give_one_message
);

async fn a_suspended_user_is_refused(db: &TestDb) {
    let (t, _, agent) = tenant_with_users(&db.store, "acme").await;
    db.store
        .change_status(t, UserId(0), agent, Status::Suspended)
        .await
        .unwrap();
    let server = start(db).await;
    let mut b = Browser::new(&server);
    let reply = b.sign_in("acme", "agent@acme.example", PASSWORD).await;
    assert!(matches!(reply.error(), AppError::SignInRefused(m) if m.contains("suspended")));
    assert!(b.cookie.is_none());
}
both!(suspended_refused, a_suspended_user_is_refused);

async fn a_temporary_password_leads_to_choosing_a_new_one_first(db: &TestDb) {
    let settings = test_settings(&db.url);
    let created = omnibots::commands::create_tenant(
        &db.store,
        &settings,
        &omnibots::commands::CreateTenant {
            slug: "acme".into(),
            name: "Acme".into(),
            admin_email: "ada@acme.example".into(),
            admin_first_name: "Ada".into(),
            admin_last_name: "Lovelace".into(),
            timezone: "UTC".into(),
        },
    )
    .await
    .unwrap();
    let temp = created.temporary_password.clone();
    assert!(temp.chars().filter(|c| c.is_ascii_alphanumeric()).count() >= 16);
    let server = TestServer::start(db.store.clone(), settings).await;
    let mut b = Browser::new(&server);

    let reply = b.sign_in("acme", "ada@acme.example", &temp).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.location().as_deref(), Some("/change-password"));
    assert!(b.cookie.is_some());
    // Nothing else is open yet.
    assert_eq!(b.stats().await.error(), AppError::PasswordChangeRequired);
    let page = b.get("/").await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(page.location().as_deref(), Some("/change-password"));

    // The rules: not the temporary one, long enough, not common, repeated correctly.
    let change = |cur: &str, new: &str, confirm: &str| {
        [
            ("current_password", cur.to_string()),
            ("new_password", new.to_string()),
            ("confirm_password", confirm.to_string()),
        ]
    };
    for (args, field) in [
        (change(&temp, &temp, &temp), "new_password"),
        (change(&temp, "too short", "too short"), "new_password"),
        (
            change(&temp, "passwordpassword", "passwordpassword"),
            "new_password",
        ),
        (
            change(&temp, PASSWORD, "something else entirely"),
            "confirm_password",
        ),
        (
            change("wrong current password", PASSWORD, PASSWORD),
            "current_password",
        ),
    ] {
        let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = b.call("change_password", &args).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            reply.error().field_message(field).is_some(),
            "{field}: {}",
            reply.body
        );
    }
    let old_cookie = b.cookie.clone();
    let reply = b
        .call(
            "change_password",
            &[
                ("current_password", &temp),
                ("new_password", PASSWORD),
                ("confirm_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_ne!(b.cookie, old_cookie, "a new session token after the change");
    let stats = b.stats().await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.body);

    // The old session and the temporary password are gone.
    let mut old = Browser::new(&server);
    old.cookie = old_cookie;
    assert_eq!(old.stats().await.error(), AppError::NotSignedIn);
    assert_eq!(
        Browser::new(&server)
            .sign_in("acme", "ada@acme.example", &temp)
            .await
            .error(),
        AppError::SignInFailed
    );
}
both!(
    temporary_password_forces_change,
    a_temporary_password_leads_to_choosing_a_new_one_first
);

async fn an_expired_temporary_password_is_refused_with_a_clear_message(db: &TestDb) {
    let (t, _, agent) = tenant_with_users(&db.store, "acme").await;
    let hash = passwords::hash_now("temporary-pass-12345").unwrap();
    db.store
        .set_password(t, None, agent, &hash, true, Some(now_ms() - 1000))
        .await
        .unwrap();
    let server = start(db).await;
    let mut b = Browser::new(&server);
    let reply = b
        .sign_in("acme", "agent@acme.example", "temporary-pass-12345")
        .await;
    assert!(
        matches!(reply.error(), AppError::SignInRefused(m) if m.contains("expired")),
        "{}",
        reply.body
    );
    assert!(b.cookie.is_none());
}
both!(
    expired_temporary_password,
    an_expired_temporary_password_is_refused_with_a_clear_message
);

async fn sign_out_ends_the_session(db: &TestDb) {
    tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut b = Browser::new(&server);
    b.sign_in("acme", "admin@acme.example", PASSWORD).await;
    let token = b.cookie.clone().expect("signed in");
    assert_eq!(b.stats().await.status, StatusCode::OK);
    let reply = b.call("sign_out", &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(b.cookie.is_none(), "the cookie is cleared");
    // Replaying the old cookie gets nothing.
    b.cookie = Some(token);
    assert_eq!(b.stats().await.error(), AppError::NotSignedIn);
    let viewer = b.call("viewer", &[]).await;
    assert_eq!(viewer.body, "null");
}
both!(sign_out, sign_out_ends_the_session);

async fn a_user_who_is_not_a_tenant_admin_is_forbidden(db: &TestDb) {
    tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut b = Browser::new(&server);
    let reply = b.sign_in("acme", "agent@acme.example", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK);
    let stats = b.stats().await;
    assert_eq!(stats.status, StatusCode::FORBIDDEN);
    assert_eq!(stats.error(), AppError::Forbidden);
    let page = b.get("/").await;
    assert!(
        page.body.contains("No access to the Tenant Admin Portal"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Sign out") && page.body.contains("Change password"));
}
both!(
    non_admin_forbidden,
    a_user_who_is_not_a_tenant_admin_is_forbidden
);

async fn a_session_of_one_tenant_sees_nothing_of_another(db: &TestDb) {
    let (a, ..) = tenant_with_users(&db.store, "acme").await;
    let (b_id, ..) = tenant_with_users(&db.store, "globex").await;
    for i in 0..3 {
        db.store
            .create_user(
                b_id,
                None,
                &new_user(&format!("g{i}@globex.example"), UserType::Viewer),
                None,
            )
            .await
            .unwrap();
    }
    let server = start(db).await;
    let mut b = Browser::new(&server);
    b.sign_in("acme", "admin@acme.example", PASSWORD).await;
    let stats: serde_json::Value = serde_json::from_str(&b.stats().await.body).unwrap();
    let a_counts = db.store.tenant_counts(a).await.unwrap();
    assert_eq!(stats["total"], a_counts.total, "acme's own counts: {stats}");
    assert_ne!(
        stats["total"],
        db.store.tenant_counts(b_id).await.unwrap().total
    );
    let viewer: serde_json::Value =
        serde_json::from_str(&b.call("viewer", &[]).await.body).unwrap();
    assert_eq!(viewer["tenant_slug"], "acme");
    // The acme session does not sign anyone in to globex.
    let page = b.get("/").await;
    assert!(
        !page.body.contains("globex"),
        "no trace of the other tenant"
    );
}
both!(
    tenant_isolation,
    a_session_of_one_tenant_sees_nothing_of_another
);

async fn every_sign_in_gets_a_new_token_and_records_the_time(db: &TestDb) {
    let (t, admin, _) = tenant_with_users(&db.store, "acme").await;
    assert_eq!(db.store.user(t, admin).await.unwrap().last_login_at, None);
    let server = start(db).await;
    let mut b = Browser::new(&server);
    b.sign_in("acme", "admin@acme.example", PASSWORD).await;
    let first = b.cookie.clone().unwrap();
    b.sign_in("acme", "admin@acme.example", PASSWORD).await;
    assert_ne!(b.cookie.clone().unwrap(), first);
    let login = db
        .store
        .user(t, admin)
        .await
        .unwrap()
        .last_login_at
        .expect("recorded");
    assert!((now_ms() - login).abs() < 60_000);
    // A made-up token is nobody.
    b.cookie = Some("ab".repeat(32));
    assert_eq!(b.stats().await.error(), AppError::NotSignedIn);
}
both!(
    new_token_each_sign_in,
    every_sign_in_gets_a_new_token_and_records_the_time
);

async fn idle_and_old_sessions_end_on_the_server(db: &TestDb) {
    tenant_with_users(&db.store, "acme").await;
    let short = |idle: u64, life: u64| Settings {
        session_idle: Duration::from_millis(idle),
        session_lifetime: Duration::from_millis(life),
        ..test_settings(&db.url)
    };
    let server = TestServer::start(db.store.clone(), short(300, 60_000)).await;
    let mut b = Browser::new(&server);
    b.sign_in("acme", "admin@acme.example", PASSWORD).await;
    assert_eq!(b.stats().await.status, StatusCode::OK);
    crate::support::sleep_ms(400).await;
    assert_eq!(
        b.stats().await.error(),
        AppError::NotSignedIn,
        "idle timeout"
    );
    drop(server);

    let server = TestServer::start(db.store.clone(), short(60_000, 300)).await;
    let mut b = Browser::new(&server);
    b.sign_in("acme", "admin@acme.example", PASSWORD).await;
    assert_eq!(b.stats().await.status, StatusCode::OK);
    crate::support::sleep_ms(400).await;
    assert_eq!(
        b.stats().await.error(),
        AppError::NotSignedIn,
        "absolute lifetime"
    );
}
both!(session_timeouts, idle_and_old_sessions_end_on_the_server);

async fn sign_in_works_as_a_plain_form_post(db: &TestDb) {
    tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut b = Browser::new(&server);
    let bad = b
        .post_form(
            "sign_in",
            &[
                ("workspace", "acme"),
                ("email", "admin@acme.example"),
                ("password", "nope"),
            ],
            "/sign-in",
        )
        .await;
    assert_eq!(bad.status, StatusCode::FOUND);
    let back = bad.location().unwrap();
    assert!(
        back.contains("/sign-in") && back.contains("__err="),
        "{back}"
    );
    // The page it returns to shows the message.
    let path = back.strip_prefix(&server.base).unwrap_or(&back).to_string();
    let page = b.get(&path).await;
    assert!(
        page.body
            .contains("That workspace, email and password do not match an account.")
    );

    let ok = b
        .post_form(
            "sign_in",
            &[
                ("workspace", "acme"),
                ("email", "admin@acme.example"),
                ("password", PASSWORD),
            ],
            "/sign-in",
        )
        .await;
    assert_eq!(ok.status, StatusCode::FOUND);
    assert_eq!(ok.location().as_deref(), Some("/"));
    assert!(b.cookie.is_some());
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Signed in as"), "{}", home.body);
}
both!(
    sign_in_without_javascript,
    sign_in_works_as_a_plain_form_post
);

async fn pages_send_signed_out_people_to_sign_in(db: &TestDb) {
    let server = start(db).await;
    let mut b = Browser::new(&server);
    let page = b.get("/").await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(page.location().as_deref(), Some("/sign-in"));
    let sign_in = b.get("/sign-in").await;
    assert_eq!(sign_in.status, StatusCode::OK);
    for label in ["Workspace", "Email", "Password"] {
        assert!(
            sign_in.body.contains(&format!(">{label}</label>")),
            "{label}"
        );
    }
    assert_eq!(b.get("/no-such-page").await.status, StatusCode::NOT_FOUND);
    assert_eq!(b.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(b.get("/readyz").await.status, StatusCode::OK);
}
both!(signed_out_pages, pages_send_signed_out_people_to_sign_in);
