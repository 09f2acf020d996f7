//! The wasm, JS and CSS bundle under `/pkg`: served precompressed (brotli or gzip, whichever
//! the browser accepts, from the `.br`/`.gz` files `cargo leptos build --release --precompress`
//! writes) and, when cargo-leptos gave the files hashed names, cached for a year.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::CACHE_CONTROL;
use leptos::prelude::LeptosOptions;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// A year, immutable: a hashed name changes whenever the content does.
const HASHED: &str = "public, max-age=31536000, immutable";
/// Unhashed names (a debug build) must be revalidated on every use.
const UNHASHED: &str = "no-cache";

/// `hash.txt`, which cargo-leptos writes next to the server binary when it hashed the names.
fn hash_file(options: &LeptosOptions) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join(options.hash_file.as_ref()))
}

/// Turns hashed names on when cargo-leptos produced them (the release build does), so the
/// binary needs no extra setting; off otherwise (Leptos would fail without the hash file).
pub fn detect_hashed_bundle(mut options: LeptosOptions) -> LeptosOptions {
    options.hash_files = hash_file(&options).is_some_and(|p| p.is_file());
    options
}

/// The `/pkg` routes.
pub fn bundle<S: Clone + Send + Sync + 'static>(options: &LeptosOptions) -> Router<S> {
    let dir = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let cache = if options.hash_files { HASHED } else { UNHASHED };
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    Router::new().nest_service(
        &format!("/{}", options.site_pkg_dir),
        tower::ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::overriding(
                CACHE_CONTROL,
                HeaderValue::from_static(cache),
            ))
            .service(files),
    )
}
