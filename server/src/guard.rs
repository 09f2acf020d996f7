//! The page guard: decides who is signed in before a signed-in page renders.
//!
//! Every page route but the public ones (`app::PUBLIC_PATHS`) passes through [`layer`] (server
//! functions and static files do not: they answer for themselves), which
//! resolves the session cookie once: no session is a 302 to `/sign-in`, a temporary password
//! a 302 to `/change-password` (the one page it may open), and otherwise the session goes into
//! the request's extensions. leptos_axum hands the request's parts to the render as context,
//! so the page (`app::pages::SignedInPage`) and the server functions it calls while rendering
//! read that one resolution (`app::server::session_user`) instead of resolving it again.
//!
//! The page is then built once, at route level. It used to be built inside a `Suspense` that
//! awaited the sign-in check; on the server a `Suspense` runs its children several times per
//! request, on several threads, and Leptos 0.8 then now and then read one request's reactive
//! values through another's arena: a panic ("already been disposed"), a stalled reply, or, had
//! the slot been alive, another request's value. `server/tests/it/render.rs` holds the page to
//! one build per request, for two tenants at once.

use std::collections::HashSet;
use std::sync::Arc;

use app::server::{AppState, PageSession, resolve_session};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The page a temporary password may open.
const CHANGE_PASSWORD: &str = "/change-password";

/// What the guard needs: the state, and the route patterns of the signed-in pages.
#[derive(Clone)]
pub struct Guard {
    state: AppState,
    pages: Arc<HashSet<String>>,
}

impl Guard {
    pub fn new(state: AppState, signed_in_pages: impl IntoIterator<Item = String>) -> Guard {
        Guard {
            state,
            pages: Arc::new(signed_in_pages.into_iter().collect()),
        }
    }
}

/// The middleware of the routes: it acts on the signed-in pages, by the route that matched.
pub async fn layer(State(guard): State<Guard>, mut req: Request, next: Next) -> Response {
    let is_page = req
        .extensions()
        .get::<MatchedPath>()
        .is_some_and(|p| guard.pages.contains(p.as_str()));
    if !is_page {
        return next.run(req).await;
    }
    let session = match resolve_session(&guard.state, req.headers()).await {
        Ok(None) => return see_other("/sign-in"),
        Ok(Some(user)) if user.password_temporary && req.uri().path() != CHANGE_PASSWORD => {
            return see_other(CHANGE_PASSWORD);
        }
        Ok(Some(user)) => PageSession::SignedIn(user),
        // The page renders the failure (with its status); the cause is already logged.
        Err(e) => PageSession::CheckFailed(e),
    };
    req.extensions_mut().insert(session);
    next.run(req).await
}

/// A redirect to `path` (302, as a browser following a sign-in link expects; never cached).
fn see_other(path: &'static str) -> Response {
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, HeaderValue::from_static(path)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response()
}
