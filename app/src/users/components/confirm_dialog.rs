//! The confirmations of Reset password and Suspend: what will happen, then doing it.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{Dialog, PageState, RowUser};
use crate::error::AppError;
use crate::ui::Modal;
use crate::users::model::Status;
use crate::users::server::{reset_password, set_user_status};

/// The two actions that ask first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    /// A new temporary password, and the user signed out everywhere.
    Reset,
    /// The user suspended, and every session of theirs ended.
    Suspend,
}

/// "Reset password?" or "Suspend?": says what will happen, and does it on confirm.
#[component]
pub fn ConfirmDialog(kind: Confirm, user: RowUser, state: PageState) -> impl IntoView {
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let RowUser { id, name } = user;
    let (title, text, button, busy, class) = match kind {
        Confirm::Reset => (
            format!("Reset the password of {name}?"),
            "Their current password stops working and they are signed out everywhere. \
             A new temporary password is shown once, for you to pass on.",
            "Reset password",
            "Resetting…",
            "btn btn-primary",
        ),
        Confirm::Suspend => (
            format!("Suspend {name}?"),
            "They cannot sign in to any portal until reactivated, and they are signed out everywhere now.",
            "Suspend",
            "Suspending…",
            "btn btn-danger",
        ),
    };
    let confirm = move |_| {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        spawn_local(async move {
            let result = match kind {
                Confirm::Reset => reset_password(id).await.map(|issued| {
                    state.changed();
                    let next = Dialog::Password {
                        issued: Box::new(issued),
                        created: false,
                    };
                    state.dialog.set(Some((next, format!("reset-{id}"))));
                }),
                Confirm::Suspend => set_user_status(id, Status::Suspended.into())
                    .await
                    .map(|_| {
                        state.changed();
                        state.close_after_change();
                    }),
            };
            if let Err(e) = result {
                state.failed_in_dialog(e, pending, error);
            }
        });
    };
    view! {
        <Modal title on_close=move |_| state.close()>
            <div class="modal-body">
                <p>{text}</p>
                <ErrorNote error />
            </div>
            <div class="modal-footer">
                <button type="button" class="btn" on:click=move |_| state.close()>"Cancel"</button>
                <button type="button" class=class aria-busy=move || pending.get().then_some("true")
                    disabled=move || pending.get() on:click=confirm>
                    {move || if pending.get() { busy } else { button }}
                </button>
            </div>
        </Modal>
    }
}

/// A dialog's error message, announced when it appears.
#[component]
fn ErrorNote(error: RwSignal<Option<AppError>>) -> impl IntoView {
    view! {
        <div class="form-alert" role="alert" hidden=move || error.with(|e| e.is_none())>
            {move || error.get().map(|e| e.to_string())}
        </div>
    }
}
