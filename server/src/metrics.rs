//! Operators' metrics over HTTP: the counting middleware, and the `/metrics` endpoint served on
//! its own listen address (`OMNIBOTS_METRICS_ADDR`, off unless set), never on the portal's.

use std::sync::Arc;
use std::time::Instant;

use app::server::Metrics;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// Counts every reply by the route that matched (its pattern; "other" for static files and
/// unknown paths) and status, and times it to the reply's head.
pub async fn layer(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "other".to_string(), |p| p.as_str().to_string());
    let started = Instant::now();
    let res = next.run(req).await;
    metrics.request(&route, res.status().as_u16(), started.elapsed());
    res
}

/// The metrics listener's router: `GET /metrics` in the Prometheus text format.
pub fn router(metrics: Arc<Metrics>) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let metrics = metrics.clone();
            async move {
                (
                    [(
                        header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    metrics.render(),
                )
                    .into_response()
            }
        }),
    )
}
