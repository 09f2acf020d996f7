//! The Activity page (`activity`, `GET /activity`), on both databases: every audit record of
//! the admin's tenant and none of another's, newest first; each filter (actor, action, days in
//! the viewer's timezone) and its errors next to the field; keyset pages over records made in
//! the same millisecond, older and back newer; the page itself, and who may open it.

use app::activity::ActivityPage;
use app::error::AppError;
use app::store::{Sql, Store, TenantId, UserId};
use reqwest::StatusCode;
use serde_json::json;

use crate::both;
use crate::support::{Browser, TestDb, admin_browser, start, tenant_with_users, user_form};

async fn activity(b: &mut Browser, query: serde_json::Value) -> Result<ActivityPage, AppError> {
    let r = b.call_json("activity", json!({ "query": query })).await;
    if r.status == StatusCode::OK {
        assert!(!r.body.contains("argon2"), "no hash: {}", r.body);
        Ok(serde_json::from_str(&r.body).unwrap())
    } else {
        Err(r.error())
    }
}

/// The query of a view: every field, so the server function gets a whole `ActivityQuery`.
fn view(actor: &str, action: &str, from: &str, to: &str) -> serde_json::Value {
    json!({ "actor": actor, "action": action, "from": from, "to": to, "before": null, "after": null })
}

/// Writes an audit record of tenant `t` made at `at` (ms), as the store would.
async fn record(store: &Store, t: TenantId, actor: UserId, target: UserId, action: &str, at: i64) {
    let sql = Sql::new(
        "INSERT INTO audit_log (tenant_id, actor_user_id, target_user_id, action, changes, created_at)
         VALUES ($1, $2, $3, $4, '{}', $5)",
    )
    .bind(t)
    .bind(actor)
    .bind(target)
    .bind(action)
    .bind(at);
    store.rows(&sql).await.unwrap();
}

async fn activity_lists_the_tenants_changes_and_filters_them(db: &TestDb) {
    let (_t, admin, agent) = tenant_with_users(&db.store, "acme").await;
    tenant_with_users(&db.store, "globex").await;
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    for status in ["suspended", "active"] {
        let r = b
            .call_json(
                "set_user_status",
                json!({ "id": agent.0, "status": status }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let form = user_form("Bo", "Chen", "bo@acme.example");
    let r = b
        .call_json("create_user", json!({ "form": form, "user_type": "agent" }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Another tenant's change: never on acme's page.
    let mut other = admin_browser(&server, "globex").await;
    let r = other
        .call_json(
            "set_user_status",
            json!({ "id": agent.0, "status": "suspended" }),
        )
        .await;
    assert_ne!(
        r.status,
        StatusCode::OK,
        "another tenant's user: {}",
        r.body
    );

    let page = activity(&mut b, view("", "", "", "")).await.unwrap();
    let whats: Vec<&str> = page.entries.iter().map(|e| e.entry.what.as_str()).collect();
    // The agent's and the workspace's creation came first (the fixtures, by the operator).
    assert_eq!(
        whats[..3],
        ["Created", "Reactivated", "Suspended"],
        "newest first: {whats:?}"
    );
    assert!(whats.contains(&"Created with the workspace"), "{whats:?}");
    assert_eq!((page.newer, page.older), (None, None), "one page");
    let suspended = &page.entries[2];
    assert_eq!(suspended.entry.actor, "Ann Lee");
    assert_eq!(suspended.actor_email.as_deref(), Some("admin@acme.example"));
    let subject = suspended.subject.as_ref().expect("about the agent");
    assert_eq!(subject.email.as_deref(), Some("agent@acme.example"));
    assert_eq!(page.entries[0].subject.as_ref().unwrap().name, "Bo Chen");
    let body = serde_json::to_string(&page).unwrap();
    assert!(!body.contains("globex"), "only acme's records: {body}");

    // By action.
    let page = activity(&mut b, view("", "user.suspend", "", ""))
        .await
        .unwrap();
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.entries[0].entry.what, "Suspended");
    // By actor, any letter case; someone who did nothing has no activity.
    let page = activity(&mut b, view("ADMIN@acme.example", "", "", ""))
        .await
        .unwrap();
    assert_eq!(page.entries.len(), 3, "{page:?}");
    assert!(page.entries.iter().all(|e| e.entry.actor == "Ann Lee"));
    let page = activity(&mut b, view("agent@acme.example", "", "", ""))
        .await
        .unwrap();
    assert!(page.entries.is_empty());
    let page = activity(&mut b, view("admin@acme.example", "user.create", "", ""))
        .await
        .unwrap();
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.entries[0].subject.as_ref().unwrap().name, "Bo Chen");

    // Each wrong filter is an error next to its field, and nothing else is listed.
    let err = activity(
        &mut b,
        view("admin@globex.example", "user.eat", "soon", "2026-13-01"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.field_message("actor").as_deref(),
        Some("No one in your organisation has this email"),
        "another tenant's admin is no one here"
    );
    assert_eq!(
        err.field_message("action").as_deref(),
        Some("Choose an action from the list")
    );
    assert_eq!(
        err.field_message("from").as_deref(),
        Some("Enter a date like 2026-11-30")
    );
    assert_eq!(
        err.field_message("to").as_deref(),
        Some("Enter a date like 2026-11-30")
    );
    let err = activity(&mut b, view("", "", "2026-11-30", "2026-11-29"))
        .await
        .unwrap_err();
    assert_eq!(
        err.field_message("to").as_deref(),
        Some("The last day cannot be before the first")
    );
    let _ = admin;
}
both!(filters, activity_lists_the_tenants_changes_and_filters_them);

async fn a_day_is_the_viewers_day(db: &TestDb) {
    let (t, admin, agent) = tenant_with_users(&db.store, "acme").await;
    // The admin reads times in Berlin (UTC+1 in January).
    let sql = Sql::new("UPDATE users SET timezone = 'Europe/Berlin' WHERE id = $1").bind(admin);
    db.store.rows(&sql).await.unwrap();
    // 2026-01-10T12:00Z, 2026-01-11T22:30Z (23:30 in Berlin), 2026-01-11T23:30Z (00:30 on the
    // 12th in Berlin), 2026-01-13T12:00Z.
    let times = [
        1_768_046_400_000,
        1_768_170_600_000,
        1_768_174_200_000,
        1_768_305_600_000,
    ];
    for at in times {
        record(&db.store, t, admin, agent, "user.update", at).await;
    }
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    let at = |p: &ActivityPage| -> Vec<String> {
        p.entries.iter().map(|e| e.entry.at.iso.clone()).collect()
    };
    let page = activity(&mut b, view("", "", "2026-01-11", "2026-01-11"))
        .await
        .unwrap();
    assert_eq!(at(&page), ["2026-01-11T23:30:00+01:00"]);
    let page = activity(&mut b, view("", "user.update", "2026-01-12", ""))
        .await
        .unwrap();
    assert_eq!(
        at(&page),
        ["2026-01-13T13:00:00+01:00", "2026-01-12T00:30:00+01:00"],
        "from the 12th on, Berlin's 12th"
    );
    let page = activity(&mut b, view("", "user.update", "", "2026-01-10"))
        .await
        .unwrap();
    assert_eq!(at(&page), ["2026-01-10T13:00:00+01:00"]);
}
both!(days, a_day_is_the_viewers_day);

async fn activity_pages_older_and_back_newer(db: &TestDb) {
    let (t, admin, agent) = tenant_with_users(&db.store, "acme").await;
    let (g, g_admin, g_agent) = tenant_with_users(&db.store, "globex").await;
    // 130 records, three to a millisecond (the keyset must break ties by id), after the
    // fixtures' own (which are older: made now, these are in the future).
    let base = app::store::now_ms() + 60_000;
    for i in 0..130 {
        record(&db.store, t, admin, agent, "user.suspend", base + i / 3).await;
    }
    record(&db.store, g, g_admin, g_agent, "user.suspend", base + 1).await;
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    let all = |pages: &[&ActivityPage]| -> Vec<i64> {
        pages
            .iter()
            .flat_map(|p| p.entries.iter().map(|e| e.entry.id))
            .collect()
    };
    let suspensions = view("", "user.suspend", "", "");
    let first = activity(&mut b, suspensions.clone()).await.unwrap();
    assert_eq!((first.entries.len(), first.newer), (50, None));
    let mut q = suspensions.clone();
    q["before"] = json!(first.older.expect("older"));
    let second = activity(&mut b, q.clone()).await.unwrap();
    assert_eq!(second.entries.len(), 50);
    q["before"] = json!(second.older.expect("older"));
    let third = activity(&mut b, q.clone()).await.unwrap();
    assert_eq!((third.entries.len(), third.older), (30, None));
    let ids = all(&[&first, &second, &third]);
    // Newest first: ids rise with time here, so they fall throughout, with no repeat.
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    assert_eq!(ids.len(), 130);

    // Back newer from the last page: the same pages.
    let mut q = suspensions.clone();
    q["after"] = json!(third.newer.expect("newer"));
    let back = activity(&mut b, q.clone()).await.unwrap();
    assert_eq!(all(&[&back]), all(&[&second]));
    assert_eq!(back.older, second.older);
    q["after"] = json!(back.newer.expect("newer"));
    let top = activity(&mut b, q).await.unwrap();
    assert_eq!(all(&[&top]), all(&[&first]));
    assert_eq!(top.newer, None, "the newest page again");

    // Another tenant's record as a cursor starts at the newest, and shows nothing of theirs.
    let theirs: i64 = db
        .store
        .scalar(&Sql::new("SELECT max(id) FROM audit_log WHERE tenant_id = $1").bind(g))
        .await
        .unwrap();
    let mut q = suspensions;
    q["before"] = json!(theirs);
    let page = activity(&mut b, q).await.unwrap();
    assert_eq!(all(&[&page]), all(&[&first]));
}
both!(paging, activity_pages_older_and_back_newer);

async fn the_page_shows_the_view_and_only_to_admins(db: &TestDb) {
    let (_t, _admin, agent) = tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    let r = b
        .call_json(
            "set_user_status",
            json!({ "id": agent.0, "status": "suspended" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let before = server.metrics().await;
    let r = b.get("/activity?action=user.suspend").await;
    assert_eq!(r.status, StatusCode::OK);
    let built =
        |m: &crate::support::Scrape| m.value("omnibots_page_builds_total", "page=\"activity\"");
    assert_eq!(
        built(&server.metrics().await) - built(&before),
        1.0,
        "built once"
    );
    assert!(r.body.contains("<h1>Activity</h1>"), "{}", r.body);
    assert!(r.body.contains("Suspended"), "{}", r.body);
    assert!(
        r.body.contains(r#"href="/?q=agent%40acme.example""#),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(r#"aria-current="page""#),
        "the section is marked"
    );
    // A wrong filter: the page, with the message next to the field.
    let r = b.get("/activity?from=yesterday").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("Enter a date like 2026-11-30"),
        "{}",
        r.body
    );
    assert!(r.body.contains(r#"aria-invalid="true""#), "{}", r.body);
    let r = b
        .call_json(
            "set_user_status",
            json!({ "id": agent.0, "status": "active" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Signed out: to sign-in. An agent: no access, and the server function refuses.
    let mut anon = Browser::new(&server);
    let r = anon.get("/activity").await;
    assert_eq!(r.status, StatusCode::FOUND);
    let mut agent_b = Browser::new(&server);
    let r = agent_b
        .sign_in("acme", "agent@acme.example", crate::support::PASSWORD)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = agent_b.get("/activity").await;
    assert!(r.body.contains("No access"), "{}", r.body);
    assert!(!r.body.contains("Suspended"), "{}", r.body);
    assert_eq!(
        activity(&mut agent_b, view("", "", "", ""))
            .await
            .unwrap_err(),
        AppError::Forbidden
    );
}
both!(page, the_page_shows_the_view_and_only_to_admins);
