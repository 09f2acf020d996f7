//! The Activity page's route: tenant admins see their tenant's audit records, everyone else the
//! no-access page.

use leptos::prelude::*;

use super::SignedInPage;
use super::home::NoAccess;
use crate::activity::page::Activity;

#[component]
pub fn ActivityPage() -> impl IntoView {
    view! {
        <SignedInPage let:viewer>
            {if viewer.is_tenant_admin() {
                view! { <Activity viewer /> }.into_any()
            } else {
                view! { <NoAccess viewer /> }.into_any()
            }}
        </SignedInPage>
    }
}
