//! The temporary password, shown once, with Copy.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::PageState;
use crate::ui::Modal;
use crate::users::server::IssuedPassword;

#[component]
pub fn PasswordDialog(
    issued: IssuedPassword,
    /// True after Add User, false after Reset password.
    created: bool,
    state: PageState,
) -> impl IntoView {
    let IssuedPassword {
        user,
        temporary_password: password,
        expires_in_hours,
    } = issued;
    let copied = RwSignal::new(None::<bool>);
    let title = if created {
        "User created"
    } else {
        "Password reset"
    };
    let to_copy = password.clone();
    let copy = move |_| {
        let text = to_copy.clone();
        spawn_local(async move {
            let clipboard = window().navigator().clipboard();
            let ok = wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text))
                .await
                .is_ok();
            copied.set(Some(ok));
        });
    };
    view! {
        <Modal title on_close=move |_| state.close()>
            <div class="modal-body">
                <p>
                    "Temporary password for " <strong>{user.full_name()}</strong>
                    " (" {user.profile.email.clone()} "):"
                </p>
                <div class="secret">
                    <label class="sr-only" for="temporary-password">"Temporary password"</label>
                    <input id="temporary-password" class="mono" type="text" readonly value=password
                        on:focus=|e| { event_target::<web_sys::HtmlInputElement>(&e).select(); } />
                    <button type="button" class="btn" on:click=copy>"Copy"</button>
                </div>
                <p class="copied" role="status">
                    {move || match copied.get() {
                        Some(true) => "Copied",
                        Some(false) => "Could not copy: select the password and copy it by hand",
                        None => "",
                    }}
                </p>
                <div class="notice notice-warning">
                    <p>
                        <strong>"This password will not be shown again."</strong>
                        " Copy it now and share it securely. They choose their own password at first sign-in; "
                        {format!("unused, it expires in {expires_in_hours} hours.")}
                    </p>
                </div>
            </div>
            <div class="modal-footer">
                <button type="button" class="btn btn-primary" on:click=move |_| state.close()>"Done"</button>
            </div>
        </Modal>
    }
}
