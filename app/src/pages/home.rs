//! The portal's landing page, and what someone without access sees there.

use leptos::prelude::*;
use leptos_meta::Title;

use super::AdminPage;
use crate::auth::components::SignedInHeader;
use crate::auth::model::Viewer;
use crate::users::components::UsersPage;

/// The portal's landing page: tenant admins see their tenant, everyone else the no-access page.
#[component]
pub fn HomePage() -> impl IntoView {
    view! { <AdminPage let:viewer><UsersPage viewer /></AdminPage> }
}

/// What a signed-in user who is not a tenant admin sees.
#[component]
pub(crate) fn NoAccess(viewer: Viewer) -> impl IntoView {
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
