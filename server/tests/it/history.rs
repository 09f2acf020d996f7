//! A user's History (`user_history`), on both databases: every kind of change with its before
//! and after, newest first, role names instead of ids, never a password or hash, keyset pages,
//! and only the admin's own tenant.

use app::error::AppError;
use app::users::history::HistoryPage;
use reqwest::StatusCode;
use serde_json::json;

use crate::both;
use crate::support::{
    Browser, TestDb, admin_browser, role_ids, start, tenant_with_users, user_form,
};

async fn history(b: &mut Browser, id: i64, before: Option<i64>) -> Result<HistoryPage, AppError> {
    let r = b
        .call_json("user_history", json!({ "id": id, "before": before }))
        .await;
    if r.status == StatusCode::OK {
        assert!(!r.body.contains("argon2"), "no hash: {}", r.body);
        Ok(serde_json::from_str(&r.body).unwrap())
    } else {
        Err(r.error())
    }
}

async fn history_shows_each_change_newest_first(db: &TestDb) {
    let (t, ..) = tenant_with_users(&db.store, "acme").await;
    let roles = role_ids(&db.store, t).await;
    let names: std::collections::HashMap<i64, String> = db
        .store
        .roles(t)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    let mut form = user_form("Ann", "Lee", "ann@acme.example");
    form["role_ids"] = json!([roles[0]]);
    let r = b
        .call_json("create_user", json!({ "form": form, "user_type": "agent" }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let created: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let password = created["temporary_password"].as_str().unwrap().to_string();
    let id = created["user"]["id"].as_i64().unwrap();
    let version = created["user"]["version"].as_i64().unwrap();
    form["email"] = json!("ann.lee@acme.example");
    form["role_ids"] = json!([roles[1]]);
    let r = b
        .call_json(
            "update_user",
            json!({ "id": id, "version": version, "form": form, "status": "active" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for status in ["suspended", "active"] {
        let r = b
            .call_json("set_user_status", json!({ "id": id, "status": status }))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let r = b.call_json("reset_password", json!({ "id": id })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let reset: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let second_password = reset["temporary_password"].as_str().unwrap().to_string();

    let page = history(&mut b, id, None).await.unwrap();
    let whats: Vec<&str> = page.entries.iter().map(|e| e.what.as_str()).collect();
    assert_eq!(
        whats,
        [
            "Password reset",
            "Reactivated",
            "Suspended",
            "Edited",
            "Created"
        ]
    );
    assert_eq!(page.next, None);
    assert!(
        page.entries.iter().all(|e| e.actor == "Ann Lee"),
        "the admin acted: {page:?}"
    );
    let edited = &page.entries[3];
    let change = |field: &str| {
        edited
            .changes
            .iter()
            .find(|c| c.field == field)
            .unwrap_or_else(|| panic!("{field} in {edited:?}"))
            .clone()
    };
    assert_eq!(change("Email").from, "ann@acme.example");
    assert_eq!(change("Email").to, "ann.lee@acme.example");
    assert_eq!(change("Roles").from, names[&roles[0]]);
    assert_eq!(change("Roles").to, names[&roles[1]]);
    assert_eq!(edited.changes.len(), 2, "only what changed: {edited:?}");
    let suspended = &page.entries[2];
    assert_eq!(suspended.changes[0].field, "Status");
    assert_eq!(
        (
            suspended.changes[0].from.as_str(),
            suspended.changes[0].to.as_str()
        ),
        ("active", "suspended")
    );
    let created = &page.entries[4];
    assert_eq!(created.changes[0].field, "First name");
    assert_eq!(created.changes[0].to, "Ann");
    assert!(
        created
            .changes
            .iter()
            .any(|c| c.field == "Roles" && c.to == names[&roles[0]])
    );
    assert!(page.entries[0].changes.is_empty(), "a reset shows no value");
    let body = serde_json::to_string(&page).unwrap();
    for secret in [&password, &second_password] {
        assert!(!body.contains(secret.as_str()), "no password in History");
    }
    // Times in the admin's timezone (the tenant's, UTC).
    assert!(
        page.entries[0].at.iso.ends_with("+00:00"),
        "{:?}",
        page.entries[0].at
    );
}
both!(changes, history_shows_each_change_newest_first);

async fn history_pages_back_and_stays_in_the_tenant(db: &TestDb) {
    let (_t, _admin, agent) = tenant_with_users(&db.store, "acme").await;
    tenant_with_users(&db.store, "globex").await;
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    for i in 0..25 {
        let status = if i % 2 == 0 { "suspended" } else { "active" };
        let r = b
            .call_json(
                "set_user_status",
                json!({ "id": agent.0, "status": status }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let first = history(&mut b, agent.0, None).await.unwrap();
    assert_eq!(first.entries.len(), 20);
    let before = first.next.expect("older entries");
    let second = history(&mut b, agent.0, Some(before)).await.unwrap();
    // 25 status changes and the creation.
    assert_eq!(second.entries.len(), 6);
    assert_eq!(second.next, None);
    assert_eq!(second.entries.last().unwrap().what, "Created");
    let mut ids: Vec<i64> = first
        .entries
        .iter()
        .chain(&second.entries)
        .map(|e| e.id)
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "newest first, no overlap"
    );
    ids.dedup();
    assert_eq!(ids.len(), 26);

    // Another tenant's admin: not found, nothing shown.
    let mut other = admin_browser(&server, "globex").await;
    assert_eq!(
        history(&mut other, agent.0, None).await.unwrap_err(),
        AppError::NotFound
    );
}
both!(paging, history_pages_back_and_stays_in_the_tenant);
