//! `/metrics`: served on its own address only, with requests and latency by route.

use reqwest::StatusCode;

use crate::both;
use crate::support::{Browser, PASSWORD, TestDb, start, tenant_with_users};

async fn metrics_count_requests_by_route_on_their_own_address(db: &TestDb) {
    tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut b = Browser::new(&server);
    // Never on the portal's address: there it is an unknown page.
    let public = b.get("/metrics").await;
    assert_eq!(public.status, StatusCode::NOT_FOUND);
    assert!(!public.body.contains("omnibots_panics_total"));

    assert_eq!(b.get("/").await.status, StatusCode::FOUND, "not signed in");
    let r = b.sign_in("acme", "admin@acme.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(b.get("/?status=active").await.status, StatusCode::OK);
    assert_eq!(b.get("/sign-in").await.status, StatusCode::OK);

    let m = server.metrics().await;
    // The route's pattern, never the raw path or its query.
    assert_eq!(
        m.value("omnibots_requests_total", "route=\"/\",status=\"302\""),
        1.0
    );
    assert_eq!(
        m.value("omnibots_requests_total", "route=\"/\",status=\"200\""),
        1.0
    );
    assert_eq!(
        m.value(
            "omnibots_requests_total",
            "route=\"/sign-in\",status=\"200\""
        ),
        1.0
    );
    assert_eq!(
        m.value(
            "omnibots_requests_total",
            "route=\"/api/sign_in\",status=\"200\""
        ),
        1.0
    );
    assert_eq!(
        m.value("omnibots_requests_total", "route=\"other\",status=\"404\""),
        1.0
    );
    assert_eq!(
        m.value("omnibots_request_duration_seconds_count", "route=\"/\""),
        2.0
    );
    assert_eq!(
        m.value(
            "omnibots_request_duration_seconds_bucket",
            "route=\"/\",le=\"+Inf\""
        ),
        2.0
    );
    assert!(m.value("omnibots_request_duration_seconds_sum", "route=\"/\"") > 0.0);
    assert_eq!(m.value("omnibots_page_builds_total", "page=\"users\""), 1.0);
}
both!(
    metrics_apart,
    metrics_count_requests_by_route_on_their_own_address
);
