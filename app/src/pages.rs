//! Top-level pages: the portal's home, no-access and not-found pages, and the guard that
//! resolves who is signed in.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth::components::SignedInHeader;
use crate::auth::model::{SignedIn, Viewer};
use crate::ui::ErrorPanel;
use crate::users::components::UsersPage;

/// A signed-in page: `children` get the viewer the server's page guard resolved before the page
/// rendered (`server/src/guard.rs`). Nothing here waits or re-renders: the page is built once.
/// Never put a signed-in page inside a `Suspense` that awaits who is signed in: on the server,
/// a `Suspense` runs its children several times per request, on several threads.
#[component]
pub fn SignedInPage<C, V>(children: C) -> impl IntoView
where
    C: FnOnce(Viewer) -> V + 'static,
    V: IntoView + 'static,
{
    match use_context::<SignedIn>().unwrap_or(SignedIn::Unknown) {
        SignedIn::Viewer(v) if !v.must_change_password || on_path("/change-password") => {
            children(v).into_any()
        }
        SignedIn::CheckFailed(e) => {
            #[cfg(feature = "ssr")]
            crate::server::set_error_status(&e);
            view! { <ErrorPanel message=e.to_string() /> }.into_any()
        }
        _ => {
            // Only a client-side navigation from a public page (or to a page a temporary
            // password may not open) gets here: load the page from the server, whose guard
            // decides. On the server the guard has always run first.
            #[cfg(feature = "ssr")]
            tracing::error!("a signed-in page rendered without its page guard");
            #[cfg(not(feature = "ssr"))]
            let _ = window().location().reload();
            view! { <p class="loading" role="status">"Loading…"</p> }.into_any()
        }
    }
}

/// Whether the router is at `path`.
fn on_path(path: &str) -> bool {
    leptos_router::hooks::use_location()
        .pathname
        .with_untracked(|p| p == path)
}

/// The portal's landing page: tenant admins see their tenant, everyone else the no-access page.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <SignedInPage let:viewer>
            {if viewer.is_tenant_admin() {
                view! { <UsersPage viewer /> }.into_any()
            } else {
                view! { <NoAccess viewer /> }.into_any()
            }}
        </SignedInPage>
    }
}

/// What a signed-in user who is not a tenant admin sees.
#[component]
fn NoAccess(viewer: Viewer) -> impl IntoView {
    view! {
        <Title text="No access" />
        <SignedInHeader viewer />
        <main class="page narrow">
            <h1>"No access to the Tenant Admin Portal"</h1>
            <p>
                "Your account does not have access to the Tenant Admin Portal. "
                "Only tenant admins can manage users. If you need access, ask a tenant admin of your organisation."
            </p>
        </main>
    }
}

/// Any path that is not a page.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <main class="page narrow">
            <h1>"Page not found"</h1>
            <p><a href="/">"Go to the portal"</a></p>
        </main>
    }
}
