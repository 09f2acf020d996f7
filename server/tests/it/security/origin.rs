//! Cross-site requests: every server function is a POST in the list, a POST from another
//! origin (or with no origin at all) is refused and changes nothing, and a GET changes nothing.

use app::store::{Store, TenantId, UserId};
use app::users::model::UserSummary;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, SET_COOKIE};
use serde_json::{Value, json};

use super::{Enc, FUNCTIONS, NEW_PASSWORD, content_type, listed, raw_post};
use crate::both;
use crate::support::{
    Browser, PASSWORD, TestDb, admin_browser, counts, percent_encode, start, tenant_with_users,
    user_form, user_query,
};

const EVIL: &str = "https://evil.example";

fn registered_endpoints() -> Vec<(String, ::http::Method)> {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| (path.to_string(), method))
        .collect()
}

/// Arguments that would succeed (or at least act) for each function, given the agent's row.
fn valid_args(endpoint: &str, agent: &UserSummary) -> (Enc, Vec<u8>) {
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
        "list_users" | "users_table" => json(json!({ "query": user_query("") })),
        "get_user" => json(json!({ "id": agent.id })),
        "create_user" => json(json!({
            "form": user_form("Mallory", "Tester", "mallory@acme.example"), "user_type": "tenant_admin"
        })),
        "update_user" => json(json!({
            "id": agent.id, "version": agent.version,
            "form": user_form("Renamed", "Tester", "agent@acme.example"), "status": "suspended"
        })),
        "reset_password" => json(json!({ "id": agent.id })),
        "set_user_status" => json(json!({ "id": agent.id, "status": "suspended" })),
        "bulk_change" => json(json!({ "action": "suspend", "target": { "users": [agent.id] } })),
        "cancel_bulk_job" => json(json!({ "id": 1 })),
        "user_history" => json(json!({ "id": agent.id, "before": null })),
        "activity" => json(
            json!({ "query": { "actor": "", "action": "", "from": "", "to": "",
            "before": null, "after": null } }),
        ),
        _ => form(&[]),
    }
}

/// What a refused request must not have changed.
#[derive(Debug, PartialEq)]
struct Snapshot {
    counts: (i64, i64, i64),
    agent: UserSummary,
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
            "{path} is not in security/mod.rs FUNCTIONS: add its cross-site and hostile-input cases"
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
