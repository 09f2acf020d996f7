//! The Activity page's route: tenant admins see their tenant's audit records, everyone else the
//! no-access page.

use leptos::prelude::*;

use super::AdminPage;
use crate::activity::page::Activity;

#[component]
pub fn ActivityPage() -> impl IntoView {
    view! { <AdminPage let:viewer><Activity viewer /></AdminPage> }
}
