//! The signed-in page renders whole on every request, also many at once.
//!
//! The users page is rendered on the server behind the sign-in check's `Suspense`; a view
//! whose reactive state was disposed before its deferred part rendered panicked the worker,
//! and the reply was a 500 or never ended (seen about once in a thousand loads, more often on
//! PostgreSQL, where the sign-in check answers later). This loads the page often enough to
//! catch that again.

use reqwest::StatusCode;

use crate::both;
use crate::http::{Browser, PASSWORD, start, tenant_with_users};
use crate::support::TestDb;

const CLIENTS: usize = 6;
const LOADS_EACH: usize = 60;

async fn the_users_page_renders_whole_every_time(db: TestDb) -> TestDb {
    tenant_with_users(&db.store, "acme").await;
    let server = start(&db).await;
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let mut b = Browser::new(&server);
        let r = b.sign_in("acme", "admin@acme.example", PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        tasks.push(tokio::spawn(async move {
            for i in 0..LOADS_EACH {
                // Some loads carry a view in the URL, so the list's filters render too.
                let path = if i % 2 == 0 {
                    "/"
                } else {
                    "/?q=adm&status=active&sort=email"
                };
                let page = b.get(path).await;
                assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
                assert!(page.body.contains("User Management"), "{path}");
                assert!(
                    page.body.contains("admin@acme.example"),
                    "{path}: the table"
                );
            }
        }));
    }
    for t in tasks {
        t.await.expect("every load answered");
    }
    db
}
both!(
    users_page_renders_whole,
    the_users_page_renders_whole_every_time
);
