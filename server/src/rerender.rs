//! Renders a page again when its render panicked or stalled, before anything of it was sent.
//!
//! Leptos 0.8 (reactive_graph 0.2.16, leptos 0.8.23, the newest) keeps the current owner and
//! the current arena of reactive values in thread-locals, and a server render that spans
//! several worker threads now and then reads one of its signals through another arena: the
//! read finds nothing and panics ("you tried to access a reactive value … but it has already
//! been disposed"). On the users page that is about one load in a thousand, more often on
//! PostgreSQL, where the page's data arrives later and the render changes threads more. The
//! signed-in pages render whole before the first byte (`SsrMode::Async`), so a panicked render
//! has sent nothing and a GET can simply be rendered again; two more tries make a visible
//! failure about one in a billion. A render that panics every time (a real bug) still ends in
//! the 500 of the catch-panic layer, and every panic stays in the log.
//!
//! The same holds for the rarer stall of a `Suspense` that never learns its data arrived
//! (leptos issues 4673 and 4851: the reply never ends): a render still unfinished after
//! [`PATIENCE`] is dropped and started again. Renders take milliseconds (p99 under 0.3 s at 64
//! connections on a million users), so only a stalled one waits that long.
//!
//! `server/tests/it/render.rs` loads the signed-in page hundreds of times at once on both
//! databases to prove no load fails.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

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
        let render = CatchPanic(Box::pin(next.clone().run(req)));
        match tokio::time::timeout(PATIENCE, render).await {
            Ok(Some(response)) => return response,
            Ok(None) => tracing::warn!(attempt, "the page's render panicked; rendering it again"),
            Err(_) => tracing::warn!(attempt, "the page's render stalled; rendering it again"),
        }
    }
    next.run(Request::from_parts(head, Body::empty())).await
}

/// A future that ends with `None` when polling it panicked.
struct CatchPanic<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchPanic<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match catch_unwind(AssertUnwindSafe(|| self.0.as_mut().poll(cx))) {
            Ok(Poll::Ready(out)) => Poll::Ready(Some(out)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(None),
        }
    }
}
