//! The OmniBots Tenant Admin Portal: pages, components and server functions.
//!
//! Server-only modules (`server`, `store`) compile only with the `ssr` feature; the rest is
//! shared by the server render and the WebAssembly hydration.

pub mod activity;
pub mod auth;
pub mod error;
pub mod pages;
pub mod ui;
pub mod users;

#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod store;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::auth::components::{ChangePasswordPage, SignInPage};
use crate::pages::{ActivityPage, HomePage, NotFoundPage};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                // `/pkg/omnibots.<hash>.css` when cargo-leptos hashed the bundle's names.
                <HashedStylesheet options=options.clone() id="leptos" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The pages anyone may open. Every other route is a signed-in page: the server's page guard
/// resolves its session before it renders (redirecting to sign-in or to "Choose a new
/// password"), so a route missing from this list fails closed.
pub const PUBLIC_PATHS: &[&str] = &["/sign-in"];

/// The routes of the portal.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Who is signed in, as the page guard resolved it for this document: serialized into the
    // page by the server, read back while hydrating, and kept for client-side navigation.
    let signed_in = leptos::server::SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        let found = server::request_signed_in();
        #[cfg(not(feature = "ssr"))]
        let found = auth::model::SignedIn::Unknown;
        found
    });
    provide_context(signed_in.into_inner());
    view! {
        <Title formatter=|page: String| format!("{page} · OmniBots Tenant Admin") />
        <Router>
            <Routes fallback=NotFoundPage>
                // Signed-in pages render whole before the first byte (their status, e.g. of a
                // failed sign-in check, is known before it is sent).
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                <Route path=path!("/activity") view=ActivityPage ssr=SsrMode::Async />
                <Route path=path!("/sign-in") view=SignInPage />
                <Route path=path!("/change-password") view=ChangePasswordPage ssr=SsrMode::Async />
            </Routes>
        </Router>
    }
}
