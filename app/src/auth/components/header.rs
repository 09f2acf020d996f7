//! The bar at the top of every signed-in page: product, tenant, the sections (for a tenant
//! admin), who is signed in, Change password and Sign out.

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
    let path = leptos_router::hooks::use_location().pathname;
    let section = move |href: &'static str, label: &'static str| {
        view! {
            <a href=href aria-current=move || path.with(|p| p == href).then_some("page")>{label}</a>
        }
    };
    view! {
        <header class="topbar">
            <div class="brand">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                <span class="brand-name">"OmniBots"</span>
                <span class="brand-sub">{viewer.tenant_name.clone()}</span>
            </div>
            {viewer.is_tenant_admin().then(|| view! {
                <nav class="sections" aria-label="Sections">
                    {section("/", "Users")}
                    {section("/activity", "Activity")}
                </nav>
            })}
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
