//! The tenant-isolation matrix, on both databases. It is built from the list of server
//! functions the server registered, so a new function without a case here fails the test.
//! For every function: without a session, with a session of a user who is not a tenant admin,
//! and with a tenant admin's session of tenant B sending ids of tenant A (users, roles). Tenant
//! A's rows are compared before and after: nothing of A may change, and no reply may carry
//! anything of A.

use std::collections::BTreeSet;

use app::error::AppError;
use app::store::{Store, TenantId, UserId};
use app::users::bulk::{BulkOutcome, JobStatus};
use app::users::model::{RoleOption, UserType};
use app::users::query::{TablePage, UserPage};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::{
    Browser, PASSWORD, Reply, TestDb, new_user, role_ids, session_for, start, tenant_with_users,
};

/// Who may call a server function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone (sign-in).
    Public,
    /// Answers without a session too, with nothing (who am I, sign out).
    Optional,
    /// Any signed-in user (change password).
    Session,
    /// Tenant admins only.
    Admin,
}

/// Every server function of the product and who may call it. A registered function missing
/// here, or an entry here that is not registered, fails the matrix.
const CASES: &[(&str, Access)] = &[
    ("/api/sign_in", Access::Public),
    ("/api/sign_out", Access::Optional),
    ("/api/viewer", Access::Optional),
    ("/api/change_password", Access::Session),
    ("/api/user_stats", Access::Admin),
    ("/api/list_users", Access::Admin),
    ("/api/users_table", Access::Admin),
    ("/api/get_user", Access::Admin),
    ("/api/list_roles", Access::Admin),
    ("/api/list_timezones", Access::Admin),
    ("/api/create_user", Access::Admin),
    ("/api/update_user", Access::Admin),
    ("/api/reset_password", Access::Admin),
    ("/api/set_user_status", Access::Admin),
    ("/api/bulk_change", Access::Admin),
    ("/api/bulk_jobs", Access::Admin),
    ("/api/cancel_bulk_job", Access::Admin),
    ("/api/user_history", Access::Admin),
    ("/api/activity", Access::Admin),
];

/// The ids of tenant A that B's requests name, and B's own.
struct Ids {
    a_admin: UserId,
    a_agent: UserId,
    a_agent_version: i64,
    a_role: i64,
    a_roles: Vec<i64>,
    b: TenantId,
    b_admin: UserId,
    b_agent: UserId,
    b_users: Vec<i64>,
    b_roles: Vec<i64>,
    /// A bulk job of A (over a view that matches nobody).
    a_job: i64,
    /// A's newest audit record.
    a_audit: i64,
}

fn form(email: &str, role_ids: &[i64]) -> Value {
    json!({ "first_name": "Mallory", "last_name": "Crossley", "email": email, "phone": "",
            "external_id": "", "timezone": "", "role_ids": role_ids })
}

fn activity(actor: &str, before: Option<i64>) -> Value {
    json!({ "query": { "actor": actor, "action": "", "from": "", "to": "", "before": before,
            "after": null } })
}

fn query(q: &str, role: Option<i64>, after: Option<i64>, before: Option<i64>) -> Value {
    json!({ "query": { "q": q, "status": null, "user_type": null, "role": role, "sort": "name",
            "desc": false, "size": 100, "after": after, "before": before } })
}

/// The request each function gets in the matrix: ids of tenant A wherever it takes one.
async fn call(b: &mut Browser, path: &str, ids: &Ids) -> Reply {
    let endpoint = path.strip_prefix("/api/").unwrap();
    match endpoint {
        "sign_in" => {
            b.sign_in("acme", "admin@acme.example", "not the password of acme")
                .await
        }
        "sign_out" | "viewer" | "user_stats" | "list_roles" | "list_timezones" => {
            b.call(endpoint, &[]).await
        }
        "change_password" => {
            b.call(
                endpoint,
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "globex chose this long passphrase"),
                    ("confirm_password", "globex chose this long passphrase"),
                ],
            )
            .await
        }
        "list_users" | "users_table" => {
            b.call_json(endpoint, query("", Some(ids.a_role), None, None))
                .await
        }
        "get_user" => b.call_json(endpoint, json!({ "id": ids.a_agent.0 })).await,
        "create_user" => {
            b.call_json(
                endpoint,
                json!({ "form": form("mallory@globex.example", &[ids.a_role]), "user_type": "agent" }),
            )
            .await
        }
        "update_user" => {
            b.call_json(
                endpoint,
                json!({ "id": ids.a_agent.0, "version": ids.a_agent_version,
                        "form": form("mallory@globex.example", &[]), "status": "suspended" }),
            )
            .await
        }
        "reset_password" => b.call_json(endpoint, json!({ "id": ids.a_agent.0 })).await,
        "set_user_status" => {
            b.call_json(
                endpoint,
                json!({ "id": ids.a_admin.0, "status": "suspended" }),
            )
            .await
        }
        "bulk_change" => {
            b.call_json(
                endpoint,
                json!({ "action": "suspend",
                        "target": { "users": [ids.a_admin.0, ids.a_agent.0] } }),
            )
            .await
        }
        "bulk_jobs" => b.call(endpoint, &[]).await,
        "cancel_bulk_job" => b.call_json(endpoint, json!({ "id": ids.a_job })).await,
        "user_history" => {
            b.call_json(endpoint, json!({ "id": ids.a_agent.0, "before": null }))
                .await
        }
        "activity" => b.call_json(endpoint, activity("admin@acme.example", None)).await,
        other => panic!("no isolation case for the server function {other}"),
    }
}

/// More requests of B naming A's ids, beyond the one per function of [`call`].
async fn more_cross_tenant_calls(
    b: &mut Browser,
    ids: &Ids,
    b_agent_version: i64,
) -> Vec<(String, Reply)> {
    let mut out = Vec::new();
    for (what, args) in [
        ("list by A's name", query("zebediah", None, None, None)),
        (
            "list after A's user",
            query("", None, Some(ids.a_agent.0), None),
        ),
        (
            "list before A's user",
            query("", None, None, Some(ids.a_agent.0)),
        ),
    ] {
        out.push((
            what.to_string(),
            b.call_json("list_users", args.clone()).await,
        ));
        let table = b.call_json("users_table", args).await;
        out.push((format!("{what}, as the table"), table));
    }
    for (what, status) in [("suspend", "suspended"), ("reactivate", "active")] {
        out.push((
            format!("{what} A's agent"),
            b.call_json(
                "set_user_status",
                json!({ "id": ids.a_agent.0, "status": status }),
            )
            .await,
        ));
    }
    out.push((
        "activity after A's record".into(),
        b.call_json("activity", activity("", Some(ids.a_audit)))
            .await,
    ));
    out.push((
        "reset A's admin".into(),
        b.call_json("reset_password", json!({ "id": ids.a_admin.0 }))
            .await,
    ));
    out.push((
        "edit B's agent with A's role".into(),
        b.call_json(
            "update_user",
            json!({ "id": ids.b_agent.0, "version": b_agent_version,
                    "form": form("agent@globex.example", &[ids.a_role]), "status": "active" }),
        )
        .await,
    ));
    out.push((
        "bulk: B's users given A's role".into(),
        b.call_json(
            "bulk_change",
            json!({ "action": { "add_role": ids.a_role },
                    "target": { "users": [ids.b_agent.0] } }),
        )
        .await,
    ));
    out.push((
        "bulk: the view of A's role".into(),
        b.call_json(
            "bulk_change",
            json!({ "action": "suspend", "target": { "view": query("", Some(ids.a_role), None, None)["query"] } }),
        )
        .await,
    ));
    // An email that exists in A is free in B: the user is created in B, A is untouched.
    out.push((
        "create with an email of A".into(),
        b.call_json(
            "create_user",
            json!({ "form": form("zebediah@acme.example", &[]), "user_type": "viewer" }),
        )
        .await,
    ));
    out
}

/// Every row of tenant A, as text: the tenant row and its counters, users (every column),
/// roles, role grants, sessions and audit records.
async fn snapshot(store: &Store, a: TenantId) -> Vec<String> {
    let tables: &[(&str, &[&str], &str)] = &[
        (
            "tenants",
            &[
                "id",
                "slug",
                "name",
                "default_timezone",
                "total_users",
                "active_users",
            ],
            "id = $1",
        ),
        (
            "users",
            &[
                "id",
                "first_name",
                "last_name",
                "email",
                "email_norm",
                "phone",
                "external_id",
                "timezone",
                "user_type",
                "status",
                "password_hash",
                "password_temporary",
                "password_expires_at",
                "last_login_at",
                "updated_at",
                "version",
            ],
            "tenant_id = $1",
        ),
        (
            "roles",
            &["id", "name", "description", "permissions"],
            "tenant_id = $1",
        ),
        ("user_roles", &["user_id", "role_id"], "tenant_id = $1"),
        (
            "sessions",
            &["id", "token_hash", "user_id", "last_seen_at", "expires_at"],
            "tenant_id = $1",
        ),
        (
            "audit_log",
            &["id", "actor_user_id", "target_user_id", "action", "changes"],
            "tenant_id = $1",
        ),
    ];
    let mut out = Vec::new();
    for (table, cols, filter) in tables {
        let row = cols
            .iter()
            .map(|c| format!("COALESCE(CAST({c} AS TEXT), '-')"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let sql = format!("SELECT '{table}|' || {row} FROM {table} WHERE {filter} ORDER BY 1");
        let rows: Vec<String> = match store {
            Store::Sqlite(p) => sqlx::query_scalar(&sql)
                .bind(a.0)
                .fetch_all(p)
                .await
                .unwrap(),
            Store::Postgres(p) => sqlx::query_scalar(&sql)
                .bind(a.0)
                .fetch_all(p)
                .await
                .unwrap(),
        };
        out.extend(rows);
    }
    out
}

/// Asserts a reply carries nothing of tenant A.
fn nothing_of_a(what: &str, r: &Reply, ids: &Ids) {
    for word in ["acme", "Zebediah", "zebediah"] {
        assert!(
            !r.body.contains(word),
            "{what}: the reply names {word}: {}",
            r.body
        );
    }
    if r.status != StatusCode::OK {
        return;
    }
    if let Ok(page) = serde_json::from_str::<UserPage>(&r.body) {
        for row in &page.rows {
            assert!(
                ids.b_users.contains(&row.id) || row.profile.email.ends_with("@globex.example"),
                "{what}: a row not of B: {row:?}"
            );
            for role in &row.roles {
                assert!(ids.b_roles.contains(&role.id), "{what}: {role:?}");
            }
        }
    }
    if let Ok(page) = serde_json::from_str::<TablePage>(&r.body) {
        for id in [ids.a_admin.0, ids.a_agent.0] {
            let attribute = format!("data-user=\"{id}\"");
            assert!(
                !page.html.contains(&attribute),
                "{what}: a row of A: {}",
                page.html
            );
        }
    }
    if let Ok(roles) = serde_json::from_str::<Vec<RoleOption>>(&r.body) {
        for role in &roles {
            assert!(
                ids.b_roles.contains(&role.id) && !ids.a_roles.contains(&role.id),
                "{what}: {role:?}"
            );
        }
    }
}

async fn every_server_function_keeps_tenants_apart(db: &TestDb) {
    // Tenant A ("acme") has more users than B, with a distinctive name and roles.
    let (a, a_admin, a_agent) = tenant_with_users(&db.store, "acme").await;
    let (b, b_admin, b_agent) = tenant_with_users(&db.store, "globex").await;
    let a_roles = role_ids(&db.store, a).await;
    let b_roles = role_ids(&db.store, b).await;
    let mut z = new_user("zebediah@acme.example", UserType::Viewer);
    z.profile.first_name = "Zebediah".into();
    db.store.create_user(a, None, &z, None).await.unwrap();
    let server = start(db).await;
    // A's admin is signed in throughout: B must not end or touch that session.
    let mut a_browser = session_for(&server, &db.store, a, a_admin).await;
    // Give A's agent a role so the role filter has something of A to leak.
    let grant = a_browser
        .call_json(
            "update_user",
            json!({ "id": a_agent.0, "version": 1, "status": "active",
                    "form": { "first_name": "Agent", "last_name": "Acme", "email": "agent@acme.example",
                              "phone": "", "external_id": "", "timezone": "", "role_ids": [a_roles[0]] } }),
        )
        .await;
    assert_eq!(grant.status, StatusCode::OK, "{}", grant.body);
    // A bulk job of A's, over a view that matches nobody (so its work changes nothing of A).
    let nobody = app::users::query::UserQuery {
        q: "no such person anywhere".into(),
        ..Default::default()
    };
    let a_job = db
        .store
        .queue_job(a, a_admin, app::users::bulk::BulkAction::Suspend, &nobody)
        .await
        .unwrap()
        .id;
    let ids = Ids {
        a_admin,
        a_agent,
        a_agent_version: db.store.user(a, a_agent).await.unwrap().version,
        a_role: a_roles[0],
        a_roles: a_roles.clone(),
        b,
        b_admin,
        b_agent,
        b_users: vec![b_admin.0, b_agent.0],
        b_roles,
        a_job,
        a_audit: db
            .store
            .scalar(
                &app::store::Sql::new("SELECT max(id) FROM audit_log WHERE tenant_id = $1").bind(a),
            )
            .await
            .unwrap(),
    };

    // The matrix covers exactly the registered server functions.
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    let covered: BTreeSet<String> = CASES.iter().map(|(p, _)| p.to_string()).collect();
    assert!(registered.len() >= 12, "{registered:?}");
    assert_eq!(
        registered, covered,
        "every registered server function needs an isolation case (and only those)"
    );

    let before = snapshot(&db.store, a).await;
    let b_counts = db.store.tenant_counts(b).await.unwrap();
    for (path, access) in CASES {
        // 1. Without a session.
        let mut anon = Browser::new(&server);
        let r = call(&mut anon, path, &ids).await;
        nothing_of_a(&format!("{path} signed out"), &r, &ids);
        match access {
            Access::Public => assert_eq!(r.error(), AppError::SignInFailed, "{path}"),
            Access::Optional => assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body),
            Access::Session | Access::Admin => {
                assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}: {}", r.body);
                assert_eq!(r.error(), AppError::NotSignedIn, "{path}");
            }
        }
        assert!(anon.cookie.is_none(), "{path}: no session was handed out");

        // 2. A signed-in user of B who is not a tenant admin.
        let mut agent = session_for(&server, &db.store, b, b_agent).await;
        let r = call(&mut agent, path, &ids).await;
        nothing_of_a(&format!("{path} as B's agent"), &r, &ids);
        match access {
            Access::Admin => {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
                assert_eq!(r.error(), AppError::Forbidden, "{path}");
            }
            Access::Public => assert_eq!(r.error(), AppError::SignInFailed, "{path}"),
            Access::Optional | Access::Session => {
                assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body)
            }
        }

        // 3. B's tenant admin with A's ids.
        let mut admin = session_for(&server, &db.store, b, ids.b_admin).await;
        let r = call(&mut admin, path, &ids).await;
        nothing_of_a(&format!("{path} as B's admin"), &r, &ids);
        let expected_err = match path.strip_prefix("/api/").unwrap() {
            "sign_in" => Some(AppError::SignInFailed),
            "create_user" | "list_users" | "users_table" => None,
            "update_user" | "reset_password" | "set_user_status" | "get_user"
            | "cancel_bulk_job" | "user_history" => Some(AppError::NotFound),
            // A's admin is no one in B.
            "activity" => Some(AppError::field(
                "actor",
                "No one in your organisation has this email",
            )),
            _ => None,
        };
        match (&expected_err, path.strip_prefix("/api/").unwrap()) {
            (Some(err), _) => {
                assert_eq!(&r.error(), err, "{path}");
                assert_eq!(r.status.as_u16(), err.status(), "{path}");
            }
            (None, "create_user") => {
                let err = r.error();
                assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
                assert!(err.field_message("role_ids").is_some(), "{err:?}");
            }
            (None, "list_users") => {
                let page: UserPage = serde_json::from_str(&r.body).unwrap();
                assert!(page.rows.is_empty(), "A's role filters nothing in");
            }
            (None, "users_table") => {
                let page: TablePage = serde_json::from_str(&r.body).unwrap();
                assert_eq!(page.rows, 0, "A's role filters nothing in");
                assert!(!page.html.contains("<tr"), "{}", page.html);
            }
            (None, "user_stats") => {
                let stats: Value = serde_json::from_str(&r.body).unwrap();
                assert_eq!(stats["total"], b_counts.total, "B's own counts");
            }
            (None, "bulk_change") => {
                let done: BulkOutcome = serde_json::from_str(&r.body).unwrap();
                let BulkOutcome::Done(report) = done else {
                    panic!("{path}: {}", r.body)
                };
                assert_eq!((report.changed, report.missing), (0, 2), "{report:?}");
            }
            (None, "bulk_jobs") => {
                let jobs: Vec<JobStatus> = serde_json::from_str(&r.body).unwrap();
                assert!(jobs.is_empty(), "{jobs:?}");
            }
            (None, "viewer") => {
                let v: Value = serde_json::from_str(&r.body).unwrap();
                assert_eq!(v["tenant_slug"], "globex");
            }
            (None, _) => assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body),
        }
        assert_eq!(
            snapshot(&db.store, a).await,
            before,
            "{path}: nothing of A changed"
        );
    }

    let mut admin = session_for(&server, &db.store, ids.b, ids.b_admin).await;
    // (B's agent changed their password in the matrix: a new version.)
    let b_agent_version = db.store.user(b, b_agent).await.unwrap().version;
    for (what, r) in more_cross_tenant_calls(&mut admin, &ids, b_agent_version).await {
        if what != "create with an email of A" {
            // (That reply echoes the email B sent, which only looks like A's.)
            nothing_of_a(&what, &r, &ids);
        }
        match what.as_str() {
            "edit B's agent with A's role" | "bulk: B's users given A's role" => {
                assert!(
                    r.error().field_message("role_ids").is_some(),
                    "{what}: {}",
                    r.body
                )
            }
            "create with an email of A" => {
                assert_eq!(r.status, StatusCode::OK, "{what}: {}", r.body);
                let v: Value = serde_json::from_str(&r.body).unwrap();
                let id = UserId(v["user"]["id"].as_i64().unwrap());
                assert!(db.store.user(b, id).await.is_ok(), "made in B");
                assert!(db.store.user(a, id).await.is_err(), "not in A");
            }
            "bulk: the view of A's role" => {
                assert!(
                    matches!(r.error(), AppError::NotAllowed(_)),
                    "{what}: no user of B holds it: {}",
                    r.body
                )
            }
            "activity after A's record" => {
                assert_eq!(r.status, StatusCode::OK, "{what}: {}", r.body);
                let page: app::activity::ActivityPage = serde_json::from_str(&r.body).unwrap();
                assert!(!page.entries.is_empty(), "B's newest records instead");
            }
            w if w.starts_with("list") => {
                assert_eq!(r.status, StatusCode::OK, "{what}: {}", r.body)
            }
            _ => {
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{what}: {}", r.body);
                assert_eq!(r.error(), AppError::NotFound, "{what}");
            }
        }
    }
    assert_eq!(snapshot(&db.store, a).await, before, "nothing of A changed");
    // A's own session still works.
    assert_eq!(a_browser.stats().await.status, StatusCode::OK);
}
both!(isolation_matrix, every_server_function_keeps_tenants_apart);
