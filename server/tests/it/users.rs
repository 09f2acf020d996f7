//! User management through the server functions, on both databases: every field rule,
//! uniqueness, stale versions, suspension rules, session revocation, counts and tenant scoping.

use app::error::AppError;
use app::store::{Store, StoreError, TenantId, UserId};
use app::users::model::{Status, UserSummary, UserType};
use app::users::server::IssuedPassword;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::{
    Browser, PASSWORD, TestDb, admin_browser, counts, list_users, new_user, role_ids, start,
    tenant_with_users, user_form, user_query,
};

async fn create(b: &mut Browser, form: Value, user_type: &str) -> Result<IssuedPassword, AppError> {
    let r = b
        .call_json(
            "create_user",
            json!({ "form": form, "user_type": user_type }),
        )
        .await;
    if r.status == StatusCode::OK {
        Ok(serde_json::from_str(&r.body).unwrap())
    } else {
        Err(r.error())
    }
}

async fn every_field_rule_is_checked_on_the_server(db: &TestDb) {
    let (t, ..) = tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    let before = counts(&db.store, t).await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (user_form("", "Lee", "a@x.com"), "agent", "first_name"),
        (
            user_form("Ann", &"x".repeat(101), "a@x.com"),
            "agent",
            "last_name",
        ),
        (
            user_form("Ann\u{7}", "Lee", "a@x.com"),
            "agent",
            "first_name",
        ),
        (user_form("Ann", "Lee", "not-an-email"), "agent", "email"),
        (
            json!({ "first_name": "Ann", "last_name": "Lee", "email": "a@x.com", "phone": "555-0123",
                 "external_id": "", "timezone": "", "role_ids": [] }),
            "agent",
            "phone",
        ),
        (
            json!({ "first_name": "Ann", "last_name": "Lee", "email": "a@x.com", "phone": "",
                 "external_id": "e".repeat(256), "timezone": "", "role_ids": [] }),
            "agent",
            "external_id",
        ),
        (
            json!({ "first_name": "Ann", "last_name": "Lee", "email": "a@x.com", "phone": "",
                 "external_id": "", "timezone": "Mars/Olympus", "role_ids": [] }),
            "agent",
            "timezone",
        ),
        (user_form("Ann", "Lee", "a@x.com"), "root", "user_type"),
        (user_form("Ann", "Lee", "a@x.com"), "", "user_type"),
    ];
    for (f, user_type, field) in cases {
        let err = create(&mut b, f, user_type).await.unwrap_err();
        assert!(err.field_message(field).is_some(), "{field}: {err:?}");
    }
    assert_eq!(counts(&db.store, t).await, before, "nothing was written");
}
both!(field_rules, every_field_rule_is_checked_on_the_server);

async fn a_user_is_created_with_every_field_and_a_temporary_password(db: &TestDb) {
    let (t, ..) = tenant_with_users(&db.store, "acme").await;
    let roles = db.store.role_ids(t).await.unwrap();
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    let issued = create(
        &mut b,
        json!({ "first_name": " José ", "last_name": "Álvarez", "email": "Jose.Alvarez@Acme.example",
                "phone": "+1 (415) 555-0123", "external_id": "EMP-7", "timezone": "Europe/Berlin",
                "role_ids": [roles[0].0, roles[1].0] }),
        "supervisor",
    )
    .await
    .unwrap();
    let u = &issued.user;
    assert_eq!(
        (u.profile.first_name.as_str(), u.profile.last_name.as_str()),
        ("José", "Álvarez")
    );
    assert_eq!(u.profile.phone.as_deref(), Some("+14155550123"));
    assert_eq!(u.profile.external_id.as_deref(), Some("EMP-7"));
    assert_eq!(u.profile.timezone.as_deref(), Some("Europe/Berlin"));
    assert_eq!(u.user_type, UserType::Supervisor);
    assert_eq!(u.roles.len(), 2);
    assert_eq!(u.last_login, None);
    assert!(
        issued
            .temporary_password
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .count()
            >= 16
    );
    assert_eq!(counts(&db.store, t).await, (3, 3, 0));
    // The new user signs in with it and must choose a password first.
    let mut them = Browser::new(&server);
    let r = them
        .sign_in(
            "acme",
            "jose.alvarez@acme.example",
            &issued.temporary_password,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers.get("location").unwrap(), "/change-password");
    // The audit record names the fields and never the password.
    let audit: Vec<String> = match &db.store {
        Store::Sqlite(p) => sqlx::query_scalar(
            "SELECT changes FROM audit_log WHERE action = 'user.create' AND target_user_id = $1",
        )
        .bind(u.id)
        .fetch_all(p)
        .await
        .unwrap(),
        Store::Postgres(p) => sqlx::query_scalar(
            "SELECT changes FROM audit_log WHERE action = 'user.create' AND target_user_id = $1",
        )
        .bind(u.id)
        .fetch_all(p)
        .await
        .unwrap(),
    };
    assert_eq!(audit.len(), 1);
    assert!(audit[0].contains("Álvarez") && !audit[0].contains(&issued.temporary_password));
}
both!(
    create_user,
    a_user_is_created_with_every_field_and_a_temporary_password
);

async fn duplicates_are_field_errors_in_any_letter_case(db: &TestDb) {
    let (t, ..) = tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    let mut with_ext = user_form("Ann", "Lee", "Ann@X.com");
    with_ext["external_id"] = json!("EXT-1");
    create(&mut b, with_ext, "agent").await.unwrap();
    let err = create(&mut b, user_form("Bo", "Li", "ann@x.COM"), "agent")
        .await
        .unwrap_err();
    assert_eq!(
        err.field_message("email").as_deref(),
        Some("A user with this email already exists")
    );
    let mut clash = user_form("Cy", "Mo", "cy@x.com");
    clash["external_id"] = json!("EXT-1");
    let err = create(&mut b, clash, "agent").await.unwrap_err();
    assert!(err.field_message("external_id").is_some(), "{err:?}");
    assert_eq!(counts(&db.store, t).await.0, 3);
}
both!(duplicates, duplicates_are_field_errors_in_any_letter_case);

async fn a_role_of_another_tenant_is_refused(db: &TestDb) {
    tenant_with_users(&db.store, "acme").await;
    let (other, ..) = tenant_with_users(&db.store, "globex").await;
    let foreign = db.store.role_ids(other).await.unwrap()[0].0;
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    let mut f = user_form("Ann", "Lee", "ann@x.com");
    f["role_ids"] = json!([foreign]);
    let err = create(&mut b, f, "agent").await.unwrap_err();
    assert!(err.field_message("role_ids").is_some(), "{err:?}");
}
both!(foreign_role_refused, a_role_of_another_tenant_is_refused);

async fn update(
    b: &mut Browser,
    u: &UserSummary,
    form: Value,
    status: &str,
) -> crate::support::Reply {
    b.call_json(
        "update_user",
        json!({ "id": u.id, "version": u.version, "form": form, "status": status }),
    )
    .await
}

async fn edits_check_the_version_and_refuse_the_user_type(db: &TestDb) {
    tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    let u = create(&mut b, user_form("Ann", "Lee", "ann@x.com"), "agent")
        .await
        .unwrap()
        .user;
    let r = update(&mut b, &u, user_form("Anne", "Lee", "ann@x.com"), "active").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let saved: UserSummary = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        (saved.profile.first_name.as_str(), saved.version),
        ("Anne", u.version + 1)
    );
    // A second save from the same stale form is refused, with the fresh values.
    let r = update(&mut b, &u, user_form("Annie", "Lee", "ann@x.com"), "active").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    match r.error() {
        AppError::Conflict(fresh) => assert_eq!(fresh.profile.first_name, "Anne"),
        other => panic!("{other:?}"),
    }
    // The user type is not writable, even when sent.
    let r = b
        .call_json(
            "update_user",
            json!({ "id": u.id, "version": saved.version, "form": user_form("Anne", "Lee", "ann@x.com"),
                                          "status": "active", "user_type": "tenant_admin" }),
        )
        .await;
    assert!(r.error().field_message("user_type").is_some());
    let t = tenant_of(&db.store, "acme").await;
    let stored = db.store.user(t, UserId(u.id)).await.unwrap();
    assert_eq!(
        (stored.user_type, stored.profile.first_name.as_str()),
        (UserType::Agent, "Anne")
    );
}
both!(
    edit_versions,
    edits_check_the_version_and_refuse_the_user_type
);

async fn tenant_of(store: &Store, slug: &str) -> TenantId {
    store.tenant_by_slug(slug).await.unwrap().unwrap().id
}

async fn parallel_edits_of_one_version_save_once(db: &TestDb) {
    tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    let u = create(&mut b, user_form("Ann", "Lee", "ann@x.com"), "agent")
        .await
        .unwrap()
        .user;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let mut b2 = Browser::new(&server);
        b2.cookie = b.cookie.clone();
        let u = u.clone();
        tasks.push(tokio::spawn(async move {
            update(
                &mut b2,
                &u,
                user_form(&format!("N{i}"), "Lee", "ann@x.com"),
                "active",
            )
            .await
            .status
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(ok, 1, "exactly one save wins");
}
both!(parallel_edits, parallel_edits_of_one_version_save_once);

async fn suspension_and_reset_end_the_users_sessions(db: &TestDb) {
    let (t, _, agent) = tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut admin = admin_browser(&server, "acme").await;
    let mut them = Browser::new(&server);
    them.sign_in("acme", "agent@acme.example", PASSWORD).await;
    assert_eq!(them.call("viewer", &[]).await.status, StatusCode::OK);
    assert_ne!(them.call("viewer", &[]).await.body, "null");

    let r = admin
        .call_json(
            "set_user_status",
            json!({ "id": agent.0, "status": "suspended" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        them.call("viewer", &[]).await.body,
        "null",
        "their session ended at once"
    );
    assert_eq!(counts(&db.store, t).await, (2, 1, 1));
    let refused = Browser::new(&server)
        .sign_in("acme", "agent@acme.example", PASSWORD)
        .await;
    assert!(matches!(refused.error(), AppError::SignInRefused(_)));

    let r = admin
        .call_json(
            "set_user_status",
            json!({ "id": agent.0, "status": "active" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(counts(&db.store, t).await, (2, 2, 0));

    them.sign_in("acme", "agent@acme.example", PASSWORD).await;
    assert_ne!(them.call("viewer", &[]).await.body, "null");
    let r = admin
        .call_json("reset_password", json!({ "id": agent.0 }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let issued: IssuedPassword = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        them.call("viewer", &[]).await.body,
        "null",
        "reset ends their sessions"
    );
    assert_eq!(
        Browser::new(&server)
            .sign_in("acme", "agent@acme.example", PASSWORD)
            .await
            .error(),
        AppError::SignInFailed
    );
    let fresh = Browser::new(&server)
        .sign_in("acme", "agent@acme.example", &issued.temporary_password)
        .await;
    assert_eq!(fresh.headers.get("location").unwrap(), "/change-password");
}
both!(
    session_revocation,
    suspension_and_reset_end_the_users_sessions
);

async fn admins_cannot_suspend_themselves_nor_the_last_admin(db: &TestDb) {
    let (t, admin, agent) = tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    let r = b
        .call_json(
            "set_user_status",
            json!({ "id": admin.0, "status": "suspended" }),
        )
        .await;
    assert_eq!(
        r.error(),
        AppError::NotAllowed("You cannot suspend yourself.".into())
    );
    // Through an edit too.
    let page = list_users(&mut b, user_query("admin@acme")).await;
    let r = update(
        &mut b,
        &page.rows[0],
        user_form("Ad", "Min", "admin@acme.example"),
        "suspended",
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // The last active tenant admin, whoever asks (the store's rule, as no other admin exists).
    let err = db
        .store
        .change_status(t, agent, admin, Status::Suspended)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::LastAdmin), "{err:?}");
    assert_eq!(counts(&db.store, t).await, (2, 2, 0));
}
both!(
    suspension_rules,
    admins_cannot_suspend_themselves_nor_the_last_admin
);

async fn nothing_of_another_tenant_can_be_read_or_changed(db: &TestDb) {
    let (a, _, a_agent) = tenant_with_users(&db.store, "acme").await;
    tenant_with_users(&db.store, "globex").await;
    let server = start(db).await;
    let mut b = admin_browser(&server, "globex").await;
    let before = db.store.user(a, a_agent).await.unwrap();
    let attempts = [
        b.call_json("update_user", json!({ "id": a_agent.0, "version": before.version, "form": user_form("X", "Y", "x@y.com"), "status": "active" })).await,
        b.call_json("reset_password", json!({ "id": a_agent.0 })).await,
        b.call_json("set_user_status", json!({ "id": a_agent.0, "status": "suspended" })).await,
    ];
    for r in attempts {
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        assert_eq!(r.error(), AppError::NotFound);
    }
    assert_eq!(
        db.store.user(a, a_agent).await.unwrap(),
        before,
        "nothing of acme changed"
    );
    let page = list_users(&mut b, user_query("acme")).await;
    assert!(page.rows.is_empty(), "no acme users listed in globex");
    let mut all = user_query("");
    all["role"] = json!(db.store.role_ids(a).await.unwrap()[0].0);
    assert!(
        list_users(&mut b, all).await.rows.is_empty(),
        "an acme role filters nothing in"
    );
    let roles: Vec<Value> = serde_json::from_str(&b.call("list_roles", &[]).await.body).unwrap();
    let acme_roles = role_ids(&db.store, a).await;
    assert!(
        roles
            .iter()
            .all(|r| !acme_roles.contains(&r["id"].as_i64().unwrap()))
    );
}
both!(
    tenant_scoping,
    nothing_of_another_tenant_can_be_read_or_changed
);

async fn the_list_filters_sorts_and_pages(db: &TestDb) {
    let (t, ..) = tenant_with_users(&db.store, "acme").await;
    let role = db.store.role_ids(t).await.unwrap()[0].0;
    for i in 0..30 {
        let mut u = new_user(
            &format!("user{i:02}@Mixed-Case.example"),
            if i % 3 == 0 {
                UserType::Viewer
            } else {
                UserType::Agent
            },
        );
        u.profile.first_name = format!("Zoë{i:02}");
        let id = db.store.create_user(t, None, &u, None).await.unwrap();
        if i % 2 == 0 {
            db.store
                .change_status(t, UserId(-1), id, Status::Suspended)
                .await
                .unwrap();
        }
    }
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    // Substring of the email in another letter case.
    let p = list_users(&mut b, user_query("07@MIXED")).await;
    assert_eq!(p.rows.len(), 1);
    assert_eq!(p.matches.count, 1);
    // Accents and case in names.
    assert_eq!(
        list_users(&mut b, user_query("ZOË1")).await.matches.count,
        10
    );
    let mut f = user_query("");
    f["status"] = json!("suspended");
    f["user_type"] = json!("viewer");
    let p = list_users(&mut b, f).await;
    assert!(
        p.rows
            .iter()
            .all(|r| r.status == Status::Suspended && r.user_type == UserType::Viewer)
    );
    assert_eq!(p.matches.count, 5);
    // Paging forward then back gives the same rows.
    let first = list_users(&mut b, user_query("mixed-case")).await;
    assert_eq!((first.rows.len(), first.matches.count), (25, 30));
    let mut next = user_query("mixed-case");
    next["after"] = json!(first.next.unwrap());
    let second = list_users(&mut b, next).await;
    assert_eq!(second.rows.len(), 5);
    assert!(second.next.is_none());
    let mut back = user_query("mixed-case");
    back["before"] = json!(second.prev.unwrap());
    let again = list_users(&mut b, back).await;
    assert_eq!(again.rows, first.rows);
    // Roles come with the page.
    let mut r = user_query("");
    r["role"] = json!(role);
    assert!(
        list_users(&mut b, r)
            .await
            .rows
            .iter()
            .all(|u| u.roles.iter().any(|x| x.id == role))
    );
}
both!(list_users, the_list_filters_sorts_and_pages);
