//! Top-level pages: the portal's home, no-access and not-found pages, and the guard that
//! resolves who is signed in.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::auth::model::Viewer;
use crate::auth::server::get_viewer;
use crate::error::AppError;
use crate::ui::SignedInHeader;
use crate::users::components::{UsersData, UsersPage};

/// Resolves who is signed in and renders `children` with them. Sends people without a
/// session to sign-in, and people with a temporary password to "Choose a new password".
#[component]
pub fn WithViewer<C, V>(children: C) -> impl IntoView
where
    C: Fn(Viewer) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    // Blocking, so a redirect is decided before the first byte of the page is sent.
    let viewer = Resource::new_blocking(|| (), |_| get_viewer());
    let path = use_location().pathname;
    let children = std::sync::Arc::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match viewer.await {
                        Ok(Some(v)) if v.must_change_password
                            && path.get_untracked() != "/change-password" => {
                            view! { <Redirect path="/change-password" /> }.into_any()
                        }
                        Ok(Some(v)) => children(v).into_any(),
                        Ok(None) | Err(AppError::NotSignedIn) => {
                            view! { <Redirect path="/sign-in" /> }.into_any()
                        }
                        Err(e) => view! { <ErrorPanel error=e /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The portal's landing page: tenant admins see their tenant, everyone else the no-access page.
#[component]
pub fn HomePage() -> impl IntoView {
    // Loaded alongside the sign-in check (a non-admin gets "forbidden" replies, never shown).
    let data = UsersData::new();
    view! {
        <WithViewer let:viewer>
            {if viewer.is_tenant_admin() {
                view! { <UsersPage viewer data /> }.into_any()
            } else {
                view! { <NoAccess viewer /> }.into_any()
            }}
        </WithViewer>
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

/// A failure the page could not recover from by itself.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    view! {
        <div class="error-panel" role="alert">
            <p>{error.to_string()}</p>
            <a class="btn" href="">"Retry"</a>
        </div>
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
