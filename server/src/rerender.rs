//! Renders a page again when its render panicked or stalled, before anything of it was sent.
//!
//! Leptos 0.8 (reactive_graph 0.2.16, leptos 0.8.23, the newest) keeps the current owner and
//! the current arena of reactive values in thread-locals, and a server render that spans
//! several worker threads now and then appears to read one of its signals through another
//! arena (its owner was not cleaned up when it happened): the read finds nothing and panics ("you tried to access a reactive value … but it has already
//! been disposed"). On the users page that is about one load in a thousand, more often on
//! PostgreSQL, where the page's data arrives later and the render changes threads more. The
//! signed-in pages render whole before the first byte (`SsrMode::Async`), so a panicked render
//! has sent nothing and a GET can simply be rendered again; two more tries make a visible
//! failure about one in a billion. A render that panics every time (a real bug) still ends in
//! the 500 of the catch-panic layer, and every panic stays in the log. Other GETs (the streamed
//! sign-in page, static files) are tried again only when they fail before their reply starts.
//!
//! The same holds for the rarer stall of a `Suspense` that never learns its data arrived
//! (leptos issues 4673 and 4851: the reply never ends): a render still unfinished after
//! [`PATIENCE`] is dropped and started again. Renders take milliseconds (p99 about 0.3 s even at
//! 64 connections on a million users), so only a stalled one waits that long.
//!
//! `server/tests/it/render.rs` loads the signed-in page hundreds of times at once on both
//! databases to prove no load fails.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use futures_util::FutureExt;

/// Attempts before the last one, whose panic is left to the catch-panic layer.
const RETRIES: usize = 2;

/// How long a render may take before it counts as stalled.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// The middleware: GET and HEAD requests are rendered again after a panic or a stall.
pub async fn layer(req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    // A GET's body is empty and never read: its head is all a new try needs.
    let (head, _) = req.into_parts();
    for attempt in 1..=RETRIES {
        let req = Request::from_parts(head.clone(), Body::empty());
        let render = AssertUnwindSafe(next.clone().run(req)).catch_unwind();
        match tokio::time::timeout(PATIENCE, render).await {
            Ok(Ok(response)) => return response,
            Ok(Err(_panic)) => {
                tracing::warn!(attempt, "the page's render panicked; rendering it again")
            }
            Err(_) => tracing::warn!(attempt, "the page's render stalled; rendering it again"),
        }
    }
    next.run(Request::from_parts(head, Body::empty())).await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::http::StatusCode;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    /// A page whose first `failures` renders panic (or, with `stall`, never end).
    fn site(calls: Arc<AtomicUsize>, failures: usize, stall: bool) -> Router {
        let page = move || {
            let calls = calls.clone();
            async move {
                if calls.fetch_add(1, Ordering::SeqCst) < failures {
                    if stall {
                        std::future::pending::<()>().await;
                    }
                    panic!("a render that fails (expected in this test)");
                }
                "the page"
            }
        };
        Router::new()
            .route("/", get(page.clone()).post(page))
            .layer(axum::middleware::from_fn(layer))
    }

    async fn send(site: Router, method: Method) -> Result<(StatusCode, String), ()> {
        let req = Request::builder()
            .method(method)
            .uri("/")
            .body(Body::empty())
            .unwrap();
        // A panic that gets through ends the spawned task.
        let res = tokio::spawn(site.oneshot(req))
            .await
            .map_err(|e| assert!(e.is_panic()))?
            .unwrap();
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap();
        Ok((status, String::from_utf8(body.to_vec()).unwrap()))
    }

    #[tokio::test]
    async fn a_get_is_rendered_again_after_panics() {
        let calls = Arc::new(AtomicUsize::new(0));
        let reply = send(site(calls.clone(), 2, false), Method::GET).await;
        assert_eq!(reply, Ok((StatusCode::OK, "the page".to_string())));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_get_that_always_panics_panics_after_three_tries() {
        let calls = Arc::new(AtomicUsize::new(0));
        let reply = send(site(calls.clone(), usize::MAX, false), Method::GET).await;
        assert_eq!(
            reply,
            Err(()),
            "the last panic reaches the catch-panic layer"
        );
        assert_eq!(calls.load(Ordering::SeqCst), RETRIES + 1);
    }

    #[tokio::test]
    async fn a_post_is_never_tried_twice() {
        let calls = Arc::new(AtomicUsize::new(0));
        let reply = send(site(calls.clone(), 1, false), Method::POST).await;
        assert_eq!(reply, Err(()));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_stalled_get_is_rendered_again_after_the_patience() {
        let calls = Arc::new(AtomicUsize::new(0));
        let reply = send(site(calls.clone(), 1, true), Method::GET).await;
        assert_eq!(reply, Ok((StatusCode::OK, "the page".to_string())));
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "the stalled try, then a new one"
        );
    }
}
