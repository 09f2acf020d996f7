//! The bar at the top of every signed-in page: product, tenant, who is signed in,
//! Change password and Sign out.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::auth::model::Viewer;
use crate::auth::server::SignOut;

/// The signed-in header. Sign out is a form post, so it works before hydration too.
#[component]
pub fn SignedInHeader(
    /// Who is signed in.
    viewer: Viewer,
) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <header class="topbar">
            <div class="brand">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                <span class="brand-name">"OmniBots"</span>
                <span class="brand-sub">{viewer.tenant_name.clone()}</span>
            </div>
            <nav class="account" aria-label="Account">
                <span class="signed-in-as">
                    "Signed in as " <strong>{viewer.full_name()}</strong>
                    <span class="muted">" (" {viewer.email.clone()} ")"</span>
                </span>
                <a class="btn btn-ghost" href="/change-password">"Change password"</a>
                <ActionForm action=sign_out attr:class="inline-form">
                    <button type="submit" class="btn btn-ghost">"Sign out"</button>
                </ActionForm>
            </nav>
        </header>
    }
}
