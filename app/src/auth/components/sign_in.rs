//! The sign-in page: workspace, email, password.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::auth::server::SignIn;
use crate::error::reply_feedback;
use crate::ui::{FormAlert, TextField};

/// The one sign-in page for every user type. A plain form post, so it works without
/// JavaScript; the server redirects on success.
#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = Signal::derive(move || action.value().with(reply_feedback));
    let workspace = use_query_map().with_untracked(|q| q.get("workspace"));
    view! {
        <Title text="Sign in" />
        <main class="auth-page">
            <section class="auth-card" aria-labelledby="sign-in-title">
                <div class="brand auth-brand">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    <span class="brand-name">"OmniBots"</span>
                </div>
                <h1 id="sign-in-title">"Sign in"</h1>
                <p class="muted">"Tenant Admin Portal"</p>
                <FormAlert error />
                <ActionForm action attr:class="stack" attr:novalidate="">
                    <TextField name="workspace" label="Workspace" hint="Your organisation's workspace name" autocomplete="organization" value=workspace.unwrap_or_default() required=true error />
                    <TextField name="email" label="Email" kind="email" autocomplete="username" required=true error />
                    <TextField name="password" label="Password" kind="password" autocomplete="current-password" required=true error />
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}
