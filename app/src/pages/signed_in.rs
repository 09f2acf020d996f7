//! The wrapper of every signed-in page: the viewer the server's page guard resolved, handed
//! over without waiting.

use leptos::prelude::*;

use crate::auth::model::{SignedIn, Viewer};
use crate::ui::ErrorPanel;

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

/// A page for tenant admins: `children` get the viewer when they are one; anyone else signed
/// in sees the no-access page.
#[component]
pub fn AdminPage<C, V>(children: C) -> impl IntoView
where
    C: FnOnce(Viewer) -> V + 'static,
    V: IntoView + 'static,
{
    view! {
        <SignedInPage let:viewer>
            {if viewer.is_tenant_admin() {
                children(viewer).into_any()
            } else {
                view! { <super::home::NoAccess viewer /> }.into_any()
            }}
        </SignedInPage>
    }
}

/// Whether the router is at `path`.
fn on_path(path: &str) -> bool {
    leptos_router::hooks::use_location()
        .pathname
        .with_untracked(|p| p == path)
}
