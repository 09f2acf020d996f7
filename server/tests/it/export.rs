//! The CSV export (`GET /users.csv`), on both databases: each view's file holds exactly the rows
//! of that view's pages, in their order, across the export's batches; only a tenant admin gets
//! one, only of their tenant; a formula is neutralised; gzip when accepted; one audit record.

use std::io::Read;

use app::store::{Store, TenantId, UserId};
use app::users::model::Status;
use app::users::query::UserQuery;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_DISPOSITION, CONTENT_ENCODING, CONTENT_TYPE};
use serde_json::json;

use crate::both;
use crate::support::{
    Browser, TestDb, admin_browser, session_for, start, tenant, tenant_with_users, test_settings,
    user_form,
};

/// More users than two of the export's batches, so a walk crosses batch boundaries.
const USERS: u64 = 2_300;

/// The header row the file starts with.
const HEADER: [&str; 11] = [
    "First name",
    "Last name",
    "Email",
    "Type",
    "Roles",
    "Status",
    "Last login",
    "Phone",
    "External ID",
    "Timezone",
    "Created",
];

/// `acme` (its admin, an agent and `USERS` demo users, every fifth suspended) and a neighbour
/// whose users have the same emails.
async fn seed(store: &Store) -> (TenantId, UserId, UserId) {
    let (t, admin, agent) = tenant_with_users(store, "acme").await;
    let roles: Vec<i64> = store
        .role_ids(t)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.0)
        .collect();
    let users: Vec<_> = (0..USERS)
        .map(|i| omnibots::commands::demo_user(i, &roles))
        .collect();
    for chunk in users.chunks(500) {
        store.seed_users(t, chunk).await.unwrap();
    }
    let (other, _) = tenant(store, "other").await;
    let neighbours: Vec<_> = (0..300)
        .map(|i| omnibots::commands::demo_user(i, &[]))
        .collect();
    store.seed_users(other, &neighbours).await.unwrap();
    let all = store
        .list_users(
            t,
            &UserQuery {
                size: 100,
                ..UserQuery::default()
            },
        )
        .await
        .unwrap();
    // Suspensions through the store's own path, spread over the first pages.
    for user in all.rows.iter().step_by(5) {
        if user.id != admin {
            store
                .change_status(t, admin, user.id, Status::Suspended)
                .await
                .unwrap();
        }
    }
    store.analyze_users().await.unwrap();
    (t, admin, agent)
}

/// The records of a CSV file (after its byte order mark), read by an independent RFC 4180
/// reader.
fn records(body: &str) -> Vec<Vec<String>> {
    let body = body
        .strip_prefix('\u{feff}')
        .expect("the file starts with a BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The emails of the view `q`, walked page by page as the table shows them.
async fn paged_emails(store: &Store, t: TenantId, q: &UserQuery) -> Vec<String> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_users(
                t,
                &UserQuery {
                    size: 100,
                    after,
                    before: None,
                    ..q.clone()
                },
            )
            .await
            .unwrap();
        out.extend(page.rows.iter().map(|u| u.profile.email.clone()));
        match page.next {
            Some(n) => after = Some(n),
            None => return out,
        }
    }
}

/// The query of a URL query string (`?a=b&…`), as the page reads it.
fn view(qs: &str) -> UserQuery {
    let pairs: Vec<(String, String)> = qs
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.to_string(), v.replace("%20", " "))
        })
        .collect();
    UserQuery::from_pairs(|k| {
        pairs
            .iter()
            .find(|(pk, _)| pk == k)
            .map(|(_, v)| v.as_str())
    })
}

async fn each_view_exports_exactly_its_pages(db: &TestDb) {
    let (t, ..) = seed(&db.store).await;
    let role = db.store.role_ids(t).await.unwrap()[0].0;
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    let views = [
        String::new(),
        "?sort=email&dir=desc".into(),
        "?status=suspended&sort=last_login&dir=desc".into(),
        "?sort=created".into(),
        "?sort=type&dir=desc".into(),
        "?sort=status".into(),
        // Every user's email holds "demo": a broad search, read through the sort index.
        "?q=demo&sort=email".into(),
        // A rare search, collected from the search index; a word start.
        "?q=smith".into(),
        "?q=li&dir=desc".into(),
        format!("?type=agent&role={role}&sort=last_login"),
        // The page's cursor and size are not the export's business.
        "?size=50&after=3".into(),
    ];
    for qs in &views {
        let r = b.get(&format!("/users.csv{qs}")).await;
        assert_eq!(r.status, StatusCode::OK, "{qs}: {}", r.body);
        assert_eq!(r.headers[CONTENT_TYPE], "text/csv; charset=utf-8");
        let disposition = r.headers[CONTENT_DISPOSITION].to_str().unwrap();
        assert!(
            disposition.starts_with("attachment; filename=\"users-acme-"),
            "{disposition}"
        );
        let rows = records(&r.body);
        assert_eq!(rows[0], HEADER, "{qs}");
        let emails: Vec<String> = rows[1..].iter().map(|r| r[2].clone()).collect();
        let want = paged_emails(&db.store, t, &view(qs).first_page()).await;
        assert!(!want.is_empty(), "{qs} matches someone");
        assert_eq!(emails.len(), want.len(), "{qs}: as many rows as the pages");
        assert_eq!(emails, want, "{qs}: the pages' rows in their order");
        assert!(
            rows[1..].iter().all(|r| r.len() == HEADER.len()),
            "{qs}: every row has every column"
        );
    }
    // The whole tenant: every user once, none of the neighbour's.
    let r = b.get("/users.csv").await;
    let rows = records(&r.body);
    assert_eq!(rows.len() - 1, USERS as usize + 2);
    let mut emails: Vec<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
    emails.sort_unstable();
    emails.dedup();
    assert_eq!(emails.len(), USERS as usize + 2, "no row twice");
    assert!(!emails.contains(&"admin@other.example"));
    // Filtered columns say what the filter asked for.
    let r = b.get("/users.csv?status=suspended&type=agent").await;
    let rows = records(&r.body);
    assert!(rows.len() > 1);
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[5] == "suspended" && r[3] == "agent")
    );
}
both!(views, each_view_exports_exactly_its_pages);

async fn a_row_holds_every_column_and_no_formula(db: &TestDb) {
    let (t, ..) = tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    let roles = db.store.role_ids(t).await.unwrap();
    let mut form = user_form(
        "=HYPERLINK(\"http://evil.example\")",
        "@SUM(A1)",
        "eve@x.example",
    );
    form["phone"] = json!("+49 30 1234567");
    form["external_id"] = json!("-2+3, \"quoted\"");
    form["timezone"] = json!("Asia/Tokyo");
    form["role_ids"] = json!([roles[0].0, roles[1].0]);
    let r = b
        .call_json(
            "create_user",
            json!({ "form": form, "user_type": "supervisor" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = b.get("/users.csv?q=eve").await;
    assert_eq!(r.status, StatusCode::OK);
    // On the wire: each dangerous cell quoted, with a leading apostrophe.
    assert!(
        r.body.contains(
            "\"'=HYPERLINK(\"\"http://evil.example\"\")\",\"'@SUM(A1)\",eve@x.example,supervisor,"
        ),
        "{}",
        r.body
    );
    let rows = records(&r.body);
    assert_eq!(rows.len(), 2);
    let row = &rows[1];
    let mut role_names: Vec<String> = db
        .store
        .roles(t)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.id == roles[0].0 || r.id == roles[1].0)
        .map(|r| r.name)
        .collect();
    role_names.sort();
    assert_eq!(row[0], "'=HYPERLINK(\"http://evil.example\")");
    assert_eq!(row[1], "'@SUM(A1)");
    assert_eq!(row[2], "eve@x.example");
    assert_eq!(row[3], "supervisor");
    assert_eq!(row[4], role_names.join("; "));
    assert_eq!(row[5], "active");
    assert_eq!(row[6], "", "never signed in");
    assert_eq!(row[7], "'+49301234567");
    assert_eq!(row[8], "'-2+3, \"quoted\"");
    assert_eq!(row[9], "Asia/Tokyo");
    // Created just now, in the admin's timezone (the tenant's: UTC), to the second.
    let created = chrono::DateTime::parse_from_rfc3339(&row[10]).unwrap();
    assert_eq!(created.offset().local_minus_utc(), 0);
    let age = chrono::Utc::now().signed_duration_since(created);
    assert!(age.num_seconds().abs() < 120, "{}", row[10]);
}
both!(columns, a_row_holds_every_column_and_no_formula);

async fn only_a_tenant_admin_exports_and_only_their_tenant(db: &TestDb) {
    let (t, admin, agent) = tenant_with_users(&db.store, "acme").await;
    let created = omnibots::commands::create_tenant(
        &db.store,
        &test_settings(&db.url),
        &omnibots::commands::CreateTenant {
            slug: "other".into(),
            name: "Other".into(),
            admin_email: "ada@other.example".into(),
            admin_first_name: "Ada".into(),
            admin_last_name: "Lovelace".into(),
            timezone: "UTC".into(),
        },
    )
    .await
    .unwrap();
    let other = db.store.tenant_by_slug("other").await.unwrap().unwrap().id;
    let server = start(db).await;

    let mut nobody = Browser::new(&server);
    let r = nobody.get("/users.csv").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location().as_deref(), Some("/sign-in"));

    let mut agent_b = session_for(&server, &db.store, t, agent).await;
    let r = agent_b.get("/users.csv").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!r.body.contains("@acme.example"), "{}", r.body);

    // The other tenant's admin still has the temporary password: sent to change it first.
    let mut temp = Browser::new(&server);
    let r = temp
        .sign_in("other", "ada@other.example", &created.temporary_password)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = temp.get("/users.csv").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location().as_deref(), Some("/change-password"));

    let mut b = admin_browser(&server, "acme").await;
    // Whatever the query says, the rows are the admin's tenant's.
    let r = b.get("/users.csv?q=other&tenant=2&tenant_id=2").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(records(&r.body).len(), 1, "only the header: {}", r.body);
    let r = b.get("/users.csv").await;
    let rows = records(&r.body);
    let emails: Vec<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(emails, ["admin@acme.example", "agent@acme.example"]);

    // One audit record per export, with what it sent.
    let audit = exports(&db.store, t).await;
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert_eq!(audit[0].0, admin.0);
    let last: serde_json::Value = serde_json::from_str(&audit[1].1).unwrap();
    assert_eq!(last, json!({ "rows": 2, "view": "", "complete": true }));
    let first: serde_json::Value = serde_json::from_str(&audit[0].1).unwrap();
    assert_eq!(first["rows"], 0);
    assert_eq!(first["view"], "?q=other");
    assert!(exports(&db.store, other).await.is_empty());
}
both!(access, only_a_tenant_admin_exports_and_only_their_tenant);

/// The `users.export` audit records of tenant `t`: actor and changes, oldest first.
async fn exports(store: &Store, t: TenantId) -> Vec<(i64, String)> {
    let sql = "SELECT actor_user_id, changes FROM audit_log
                WHERE tenant_id = $1 AND action = 'users.export' ORDER BY id";
    match store {
        Store::Sqlite(p) => sqlx::query_as(sql).bind(t.0).fetch_all(p).await.unwrap(),
        Store::Postgres(p) => sqlx::query_as(sql).bind(t.0).fetch_all(p).await.unwrap(),
    }
}

async fn the_export_is_gzipped_when_accepted(db: &TestDb) {
    seed(&db.store).await;
    let server = start(db).await;
    let b = admin_browser(&server, "acme").await;
    let plain = fetch(&b, None).await;
    let (status, encoding, wire) = fetch_raw(&b, Some("gzip, deflate, br")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding.as_deref(), Some("gzip"));
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&wire[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain, "the same file, gzipped");
    assert!(
        wire.len() * 3 < plain.len(),
        "{} of {}",
        wire.len(),
        plain.len()
    );
    // Refused, or not offered: sent as it is.
    let (_, encoding, wire) = fetch_raw(&b, Some("gzip;q=0, br")).await;
    assert_eq!(encoding, None);
    assert_eq!(wire, plain);
}
both!(gzip, the_export_is_gzipped_when_accepted);

async fn fetch(b: &Browser, accept: Option<&str>) -> Vec<u8> {
    let (status, encoding, body) = fetch_raw(b, accept).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding, None);
    body
}

async fn fetch_raw(b: &Browser, accept: Option<&str>) -> (StatusCode, Option<String>, Vec<u8>) {
    let (http, base) = b.client();
    let mut req = http.get(format!("{base}/users.csv")).header(
        reqwest::header::COOKIE,
        format!(
            "omnibots_session={}",
            b.cookie.as_deref().unwrap_or_default()
        ),
    );
    if let Some(a) = accept {
        req = req.header(ACCEPT_ENCODING, a);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let encoding = r
        .headers()
        .get(CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap().to_string());
    (status, encoding, r.bytes().await.unwrap().to_vec())
}
