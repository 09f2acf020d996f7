//! The vendored reactive_graph patch (vendor/reactive_graph-0.2.16-restore-arena): polling
//! another request's `Sandboxed` future on a thread leaves that thread's arena as it was. With
//! reactive_graph 0.2.16 as released, the thread kept the other request's arena, and a read of
//! this request's signal outside a `Sandboxed` future found nothing (or another value).
//! Its own test binary: it sets the thread's current owner.

use futures_util::FutureExt;
use leptos::prelude::*;
use leptos::reactive::owner::Sandboxed;

#[test]
fn polling_another_requests_future_leaves_this_threads_arena_alone() {
    // Request A: its root owner, and so its arena, is current, with a signal in it.
    let a = Owner::new_root(None);
    let signal = RwSignal::new("a's value".to_string());
    // Request B: another root owner with its own arena, and a future made while B was current.
    let _b = Owner::new_root(None);
    let b_future = Sandboxed::new(async {});
    a.set();
    assert_eq!(signal.try_get_untracked().as_deref(), Some("a's value"));
    // The worker thread polls B's future (between two polls of A's work).
    assert!(b_future.now_or_never().is_some());
    assert_eq!(
        signal.try_get_untracked().as_deref(),
        Some("a's value"),
        "read through request A's arena, not B's"
    );
}
