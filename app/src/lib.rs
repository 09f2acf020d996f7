//! The OmniBots Tenant Admin Portal: pages, components and server functions.
//!
//! Server-only modules (`server`, `store`) compile only with the `ssr` feature; the rest is
//! shared by the server render and the WebAssembly hydration.

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
use crate::pages::{HomePage, NotFoundPage};

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

/// The routes of the portal.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| format!("{page} · OmniBots Tenant Admin") />
        <Router>
            <Routes fallback=NotFoundPage>
                // Signed-in pages render whole before the first byte, so the redirect to sign-in
                // or to "Choose a new password" is always a real HTTP redirect.
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                <Route path=path!("/sign-in") view=SignInPage />
                <Route path=path!("/change-password") view=ChangePasswordPage ssr=SsrMode::Async />
            </Routes>
        </Router>
    }
}
