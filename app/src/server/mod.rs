//! Server-only services shared by the server functions: settings, the store, password
//! hashing and the session of the current request.

pub mod config;
pub mod env;
pub mod jobs;
pub mod metrics;
pub mod passwords;
pub mod session;
pub mod throttle;

use std::sync::Arc;

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::auth::model::{SignedIn, Viewer};
use crate::error::AppError;
use crate::store::{SessionUser, Store};
pub use config::Settings;
pub use metrics::Metrics;
pub use passwords::Hasher;
pub use throttle::ThrottleRules;

/// Everything a request needs, provided to every server function and page as context.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub hasher: Hasher,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(store: Store, settings: Settings) -> AppState {
        let hasher = Hasher::new(settings.hash_concurrency, settings.hash_queue);
        AppState {
            store,
            settings: Arc::new(settings),
            hasher,
            metrics: Arc::default(),
        }
    }
}

/// The state provided by the router.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from context");
        AppError::Internal
    })
}

/// Sets the HTTP status of a failed reply, so errors travel as typed 4xx (or 500), not a
/// blanket 500. A plain form post (no JavaScript) is left alone: it is answered with a
/// redirect back to the form, which carries the error in its query.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    let wants_html = use_context::<axum::http::request::Parts>().is_some_and(|p| {
        p.headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    });
    if let Err(err) = &result
        && !wants_html
    {
        set_error_status(err);
    }
    result
}

/// Gives the current reply the status of `err`, and `Retry-After` when it ends by itself.
pub fn set_error_status(err: &AppError) {
    if let Some(opts) = use_context::<ResponseOptions>()
        && let Ok(code) = axum::http::StatusCode::from_u16(err.status())
    {
        opts.set_status(code);
        if let Some(seconds) = err.retry_after() {
            opts.insert_header(axum::http::header::RETRY_AFTER, HeaderValue::from(seconds));
        }
    }
}

/// Longest piece of user input a log line carries.
const LOGGABLE_CHARS: usize = 64;

/// User input as a log line may carry it: trimmed, lower-cased, cut to [`LOGGABLE_CHARS`]
/// characters, and escaped (line breaks and other control characters as `\n`, `\u{..}`), so
/// it can neither be long nor start a line of its own.
pub fn loggable(input: &str) -> String {
    let cut: String = input.trim().chars().take(LOGGABLE_CHARS).collect();
    let mut out = cut.to_lowercase().escape_debug().to_string();
    if input.trim().chars().nth(LOGGABLE_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// The session token of the current request's cookie, if any.
pub fn request_token(secure: bool) -> Option<String> {
    let parts = use_context::<axum::http::request::Parts>()?;
    token_in(&parts.headers, secure)
}

/// The session token in `headers`' cookies, if any.
fn token_in(headers: &HeaderMap, secure: bool) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| session::token_from_cookie_header(h, secure))
}

/// Adds a `Set-Cookie` header to the current reply.
pub fn set_cookie_header(value: &str) {
    if let (Some(opts), Ok(v)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(value),
    ) {
        opts.append_header(SET_COOKIE, v);
    }
}

/// How long before a session's idle clock is moved again: bounds writes to one per minute
/// per session instead of one per request.
const TOUCH_EVERY_MS: i64 = 60_000;

/// The signed-in user behind the session cookie in `headers`, or `None`; never resolved from
/// anything else the request says. The one way a request's session is resolved: by the page
/// guard before a page renders, and by [`session_user`] for a server function.
pub async fn resolve_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<SessionUser>, AppError> {
    let Some(token) = token_in(headers, state.settings.secure_cookies) else {
        return Ok(None);
    };
    let idle_ms = state.settings.session_idle.as_millis() as i64;
    let Some(user) = state
        .store
        .session_user(&session::token_hash(&token), idle_ms)
        .await?
    else {
        return Ok(None);
    };
    if crate::store::now_ms() - user.last_seen_at > TOUCH_EVERY_MS {
        state.store.touch_session(user.session_id).await?;
    }
    Ok(Some(user))
}

/// What the page guard found for a page request, carried to the render in the request's
/// extensions (which leptos_axum provides as context with the request's parts).
#[derive(Debug, Clone)]
pub enum PageSession {
    SignedIn(SessionUser),
    /// The sign-in check itself failed (e.g. the database is unreachable).
    CheckFailed(AppError),
}

/// The signed-in user of this request. A page's render reuses what the page guard resolved
/// before rendering; a server function called on its own resolves the cookie.
pub async fn session_user() -> Result<SessionUser, AppError> {
    let parts = use_context::<axum::http::request::Parts>().ok_or_else(|| {
        tracing::error!("request parts missing from context");
        AppError::Internal
    })?;
    match parts.extensions.get::<PageSession>() {
        Some(PageSession::SignedIn(user)) => return Ok(user.clone()),
        Some(PageSession::CheckFailed(e)) => return Err(e.clone()),
        None => {}
    }
    let state = state()?;
    resolve_session(&state, &parts.headers)
        .await?
        .ok_or(AppError::NotSignedIn)
}

/// Who the page guard found for this page request, for the render (see [`SignedIn`]).
pub fn request_signed_in() -> SignedIn {
    match use_context::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<PageSession>().cloned())
    {
        Some(PageSession::SignedIn(user)) => SignedIn::Viewer(Viewer::from(&user)),
        Some(PageSession::CheckFailed(e)) => SignedIn::CheckFailed(e),
        None => SignedIn::Unknown,
    }
}

/// The signed-in user, who must be a tenant admin with a chosen (not temporary) password.
pub async fn require_admin() -> Result<SessionUser, AppError> {
    admin_only(session_user().await?)
}

/// `user`, if a tenant admin with a chosen (not temporary) password: the rule of
/// [`require_admin`], for a handler outside the server functions (the CSV export).
pub fn admin_only(user: SessionUser) -> Result<SessionUser, AppError> {
    if user.password_temporary {
        return Err(AppError::PasswordChangeRequired);
    }
    if user.user_type != crate::users::model::UserType::TenantAdmin {
        return Err(AppError::Forbidden);
    }
    Ok(user)
}

impl From<&SessionUser> for Viewer {
    fn from(u: &SessionUser) -> Viewer {
        Viewer {
            user_id: u.user_id.0,
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            email: u.email.clone(),
            user_type: u.user_type,
            tenant_slug: u.tenant_slug.clone(),
            tenant_name: u.tenant_name.clone(),
            timezone: u
                .timezone
                .clone()
                .unwrap_or_else(|| u.tenant_timezone.clone()),
            must_change_password: u.password_temporary,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::loggable;

    #[test]
    fn logged_input_is_one_short_escaped_line() {
        let long = format!(
            "evil\r\n2026-12-02T00:00:00Z  INFO forged{}",
            "x".repeat(10_000)
        );
        let out = loggable(&long);
        assert!(!out.contains(['\n', '\r']), "{out}");
        assert!(out.starts_with("evil\\r\\n2026"), "{out}");
        assert!(out.chars().count() < 100 && out.ends_with('…'), "{out}");
        assert_eq!(loggable(" Acme "), "acme");
    }
}
