//! The `omnibots` server: the router, start-up and the operator commands.
//!
//! `main.rs` only parses the command line; everything here is callable from tests, which start
//! the real router on port 0 against a fresh database.

pub mod assets;
pub mod commands;
pub mod compress;
pub mod export;
pub mod guard;
pub mod metrics;
pub mod security;

use std::net::SocketAddr;

use app::server::{AppState, Settings};
use app::store::Store;
use app::{App, shell};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Connects to the database of `settings` and applies its migrations.
pub async fn open_store(settings: &Settings) -> Result<Store, String> {
    let store = Store::connect(&settings.database_url).await.map_err(|e| {
        format!(
            "cannot open the database ({}): {e}",
            redact(&settings.database_url)
        )
    })?;
    store
        .migrate()
        .await
        .map_err(|e| format!("cannot apply the database migrations: {e}"))?;
    Ok(store)
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The largest request body accepted (server function arguments are a few KiB at most).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Leptos's route list of the app, generated once per process.
///
/// Generating it renders the app while a process-wide flag of leptos_server 0.8 is set, and
/// every resource whose load starts meanwhile, in any render of the process, then waits
/// forever: its page never answers (leptos-rs/leptos#4773, open). Generated once, before the
/// first router exists, it never overlaps a render; a second router in the same process (the
/// test binary starts one per test) reuses the list.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole application: pages, server functions, static files, health checks.
pub fn router(state: AppState, options: LeptosOptions) -> Router {
    let routes = route_list();
    // Every page but the public ones is a signed-in page, behind the page guard.
    let guard = guard::Guard::new(
        state.clone(),
        routes
            .iter()
            .map(|r| r.path().to_string())
            .filter(|p| !app::PUBLIC_PATHS.contains(&p.as_str())),
    );
    let site = std::sync::Arc::new(security::SiteSecurity::new(
        state.settings.public_origin.as_deref(),
        options.site_addr,
    ));
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            security::provide_request_nonce();
        }
    };
    let health = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .with_state(state.clone());
    let page = {
        let options = options.clone();
        move || shell(options.clone())
    };
    Router::new()
        .leptos_routes_with_context(&options, routes, context.clone(), page)
        .route_layer(axum::middleware::from_fn_with_state(guard, guard::layer))
        .merge(assets::bundle(&options))
        .fallback(leptos_axum::file_and_error_handler_with_context(
            context, shell,
        ))
        .with_state(options)
        .merge(health)
        .merge(export::router(state.clone()))
        .layer(axum::middleware::from_fn(compress::layer))
        // A bug that panics in a handler answers 500, instead of dropping the connection; the
        // panic hook has logged and counted it.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        // Applied to each route after routing, so it sees which route matched.
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            metrics::layer,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_BODY_BYTES,
        ))
        .layer(axum::middleware::from_fn_with_state(site, security::layer))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(log_reply),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// The span of one request: its id, method and path. Never the query, headers (cookies) or
/// body.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        id = %id,
        method = %req.method(),
        path = %req.uri().path(),
    )
}

/// One line per reply: its status and how long it took.
fn log_reply<B>(
    res: &axum::http::Response<B>,
    latency: std::time::Duration,
    _span: &tracing::Span,
) {
    tracing::info!(
        status = res.status().as_u16(),
        latency_ms = latency.as_secs_f64() * 1000.0,
        "reply"
    );
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.store.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

/// Serves on `addr` until ctrl-c or SIGTERM, then finishes in-flight requests; serves the
/// metrics on `metrics_addr` when one is set.
pub async fn serve(
    state: AppState,
    options: LeptosOptions,
    addr: SocketAddr,
    metrics_addr: Option<SocketAddr>,
) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let metrics = match metrics_addr {
        Some(a) => {
            let l = tokio::net::TcpListener::bind(a)
                .await
                .map_err(|e| format!("cannot listen on {a} for the metrics: {e}"))?;
            tracing::info!(addr = %a, "serving the metrics at /metrics");
            Some(l)
        }
        None => None,
    };
    serve_on(listener, metrics, state, options).await
}

/// Serves on already bound listeners (tests bind port 0): the portal, and the metrics if
/// `metrics` is given. Installs the panic hook that logs and counts every panic.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    metrics: Option<tokio::net::TcpListener>,
    state: AppState,
    options: LeptosOptions,
) -> Result<(), String> {
    app::server::metrics::install_panic_hook();
    // Ends with this function, also when its future is dropped (a test's server).
    let _metrics = metrics.map(|l| {
        let app = metrics::router(state.metrics.clone());
        AbortOnDrop(tokio::spawn(async move {
            if let Err(e) = axum::serve(l, app).await {
                tracing::error!(error = %e, "the metrics listener failed");
            }
        }))
    });
    let store = state.store.clone();
    // Bulk jobs are worked by every server; the task ends with this function.
    let _jobs = AbortOnDrop(tokio::spawn(app::server::jobs::work(
        store.clone(),
        app::server::jobs::worker_name(),
    )));
    let app = router(state, assets::detect_hashed_bundle(options));
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| format!("server error: {e}"))?;
    store.close().await;
    Ok(())
}

/// Aborts its task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}
