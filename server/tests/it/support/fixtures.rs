//! What the tests start from: tenants and users in the store, signed-in browsers, and the
//! arguments of the user-management server functions.

use app::server::{passwords, session};
use app::store::{NewTenant, Password, SessionRecord, Store, TenantId, UserId, now_ms};
use app::users::model::{NewUser, UserType};
use app::users::query::UserPage;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Browser, TestServer};

/// The product's own query-string encoder (RFC 3986 unreserved characters stay as they are),
/// for the bodies and URLs the tests build by hand.
pub use app::users::query::percent_encode;

/// The password every user of [`tenant_with_users`] has chosen.
pub const PASSWORD: &str = "a long and memorable passphrase";

/// A user to write straight into the store: "Ann Lee", active, no password yet.
pub fn new_user(email: &str, user_type: UserType) -> NewUser {
    NewUser::named("Ann", "Lee", email, user_type)
}

/// A tenant `slug` whose admin, `admin@{slug}.example`, has no password yet.
pub async fn tenant(store: &Store, slug: &str) -> (TenantId, UserId) {
    tenant_with_admin(store, slug, None).await
}

/// A tenant `slug` ("{slug} Inc", UTC) and its admin `admin@{slug}.example` with `password`.
async fn tenant_with_admin(
    store: &Store,
    slug: &str,
    password: Option<&Password>,
) -> (TenantId, UserId) {
    let tenant = NewTenant {
        slug: slug.into(),
        name: format!("{slug} Inc"),
        default_timezone: "UTC".into(),
    };
    let admin = new_user(&format!("admin@{slug}.example"), UserType::TenantAdmin);
    store
        .create_tenant(&tenant, &admin, password)
        .await
        .expect("tenant is created")
}

/// A tenant whose admin has chosen `PASSWORD`, plus an agent with the same password.
pub async fn tenant_with_users(store: &Store, slug: &str) -> (TenantId, UserId, UserId) {
    let chosen = Password {
        hash: passwords::hash_now(PASSWORD).unwrap(),
        temporary: false,
        expires_at: None,
    };
    let (t, admin) = tenant_with_admin(store, slug, Some(&chosen)).await;
    let agent = new_user(&format!("agent@{slug}.example"), UserType::Agent);
    let agent = store
        .create_user(t, None, &agent, Some(&chosen))
        .await
        .unwrap();
    (t, admin, agent)
}

/// A browser signed in as the admin of [`tenant_with_users`]`(store, slug)`.
pub async fn admin_browser(server: &TestServer, slug: &str) -> Browser {
    let mut b = Browser::new(server);
    let r = b
        .sign_in(slug, &format!("admin@{slug}.example"), PASSWORD)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    b
}

/// A browser holding a fresh session of `user`, made in the store (as a sign-in would),
/// without spending a password check.
pub async fn session_for(
    server: &TestServer,
    store: &Store,
    tenant: TenantId,
    user: UserId,
) -> Browser {
    let token = session::new_token();
    let created = store
        .create_session(&SessionRecord {
            token_hash: session::token_hash(&token),
            tenant_id: tenant,
            user_id: user,
            expires_at: now_ms() + 3_600_000,
            password_hash: store.password_hash(tenant, user).await.unwrap(),
        })
        .await
        .unwrap();
    assert!(created, "an active user");
    let mut b = Browser::new(server);
    b.cookie = Some(token);
    b
}

/// Whether the browser's session is live: `viewer` names someone.
pub async fn signed_in(b: &mut Browser) -> bool {
    let r = b.call("viewer", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body != "null"
}

/// The user form of `create_user` and `update_user`: a name and an email, nothing else.
pub fn user_form(first: &str, last: &str, email: &str) -> Value {
    json!({ "first_name": first, "last_name": last, "email": email, "phone": "", "external_id": "",
            "timezone": "", "role_ids": [] })
}

/// The query of `list_users`: a search for `q`, no filter, by name, 25 a page.
pub fn user_query(q: &str) -> Value {
    json!({ "q": q, "status": null, "user_type": null, "role": null, "sort": "name", "desc": false,
            "size": 25, "after": null, "before": null })
}

/// One page of `list_users`, which must succeed.
pub async fn list_users(b: &mut Browser, query: Value) -> UserPage {
    let r = b.call_json("list_users", json!({ "query": query })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

/// The tenant's maintained counts (total, active, suspended), checked against a fresh count.
pub async fn counts(store: &Store, t: TenantId) -> (i64, i64, i64) {
    let c = store.tenant_counts(t).await.unwrap();
    assert_eq!(
        c,
        store.tenant_counts_by_scan(t).await.unwrap(),
        "maintained counts equal a fresh count"
    );
    (c.total, c.active, c.suspended)
}

/// The ids of the tenant's roles.
pub async fn role_ids(store: &Store, t: TenantId) -> Vec<i64> {
    store
        .role_ids(t)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.0)
        .collect()
}
