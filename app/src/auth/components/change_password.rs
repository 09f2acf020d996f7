//! "Choose a new password": the only page open while a password is temporary, and the
//! Change password page at any other time.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::SignedInHeader;
use crate::auth::server::ChangePassword;
use crate::error::reply_feedback;
use crate::pages::SignedInPage;
use crate::ui::{FormAlert, TextField};

/// Asks for the current password and a new one twice. The server checks every rule.
#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    view! {
        <SignedInPage let:viewer>
            <ChangePasswordForm viewer />
        </SignedInPage>
    }
}

#[component]
fn ChangePasswordForm(viewer: crate::auth::model::Viewer) -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || action.value().with(reply_feedback));
    let forced = viewer.must_change_password;
    let (title, intro) = if forced {
        (
            "Choose a new password",
            "You signed in with a temporary password. Choose your own before you continue.",
        )
    } else {
        (
            "Change password",
            "Your other sessions end when you change your password.",
        )
    };
    view! {
        <Title text=title />
        <SignedInHeader viewer />
        <main class="auth-page">
            <section class="auth-card" aria-labelledby="password-title">
                <h1 id="password-title">{title}</h1>
                <p class="muted">{intro}</p>
                <FormAlert error />
                <ActionForm action attr:class="stack" attr:novalidate="">
                    <TextField name="current_password" label=if forced { "Temporary password" } else { "Current password" } kind="password" autocomplete="current-password" required=true error />
                    <TextField name="new_password" label="New password" kind="password" autocomplete="new-password" hint="15 to 128 characters; not a common password. A phrase of a few words works well." required=true error />
                    <TextField name="confirm_password" label="Repeat the new password" kind="password" autocomplete="new-password" required=true error />
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Saving…" } else { "Save password" }}
                    </button>
                    {(!forced).then(|| view! { <a class="btn btn-ghost" href="/">"Cancel"</a> })}
                </ActionForm>
            </section>
        </main>
    }
}
