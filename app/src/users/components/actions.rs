//! The icon buttons of a row, and the confirmations of Reset password and Suspend.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::icons;
use super::users_page::{Dialog, PageState};
use crate::error::AppError;
use crate::ui::Modal;
use crate::users::model::{Status, UserRow};
use crate::users::server::{reset_password, set_user_status};

/// Edit, Reset password and Suspend / Reactivate for one user. Each button names the action
/// and the user, for screen readers and as a tooltip.
#[component]
pub fn RowActions(user: UserRow, state: PageState) -> impl IntoView {
    let name = user.full_name();
    let id = user.id;
    let open = move |dialog: Dialog, focus: String| state.dialog.set(Some((dialog, focus)));
    let edit_label = format!("Edit {name}");
    let reset_label = format!("Reset password of {name}");
    let (toggle_label, suspending) = match user.status {
        Status::Active => (format!("Suspend {name}"), true),
        Status::Suspended => (format!("Reactivate {name}"), false),
    };
    let (u1, u2, u3) = (user.clone(), user.clone(), user);
    view! {
        <div class="icon-btns">
            <button
                type="button"
                class="icon-btn"
                id=format!("edit-{id}")
                aria-label=edit_label.clone()
                data-tooltip=edit_label
                on:click=move |_| open(Dialog::Edit(u1.clone()), format!("edit-{id}"))
            >
                {icons::pencil()}
            </button>
            <button
                type="button"
                class="icon-btn"
                id=format!("reset-{id}")
                aria-label=reset_label.clone()
                data-tooltip=reset_label
                on:click=move |_| open(Dialog::ConfirmReset(u2.clone()), format!("reset-{id}"))
            >
                {icons::lock_reset()}
            </button>
            <button
                type="button"
                class="icon-btn"
                class:icon-btn-danger=suspending
                id=format!("status-{id}")
                aria-label=toggle_label.clone()
                data-tooltip=toggle_label
                on:click=move |_| {
                    if suspending {
                        open(Dialog::ConfirmSuspend(u3.clone()), format!("status-{id}"));
                    } else {
                        reactivate(state, u3.id);
                    }
                }
            >
                {if suspending { icons::person_off().into_any() } else { icons::person_check().into_any() }}
            </button>
        </div>
    }
}

/// Reactivating needs no confirmation.
fn reactivate(state: PageState, id: i64) {
    spawn_local(async move {
        match set_user_status(id, Status::Active.as_str().into()).await {
            Ok(_) => {
                state.refocus.set(Some(format!("status-{id}")));
                state.changed();
            }
            Err(e) => state.fail(e),
        }
    });
}

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
pub fn ConfirmDialog(kind: Confirm, user: UserRow, state: PageState) -> impl IntoView {
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let name = user.full_name();
    let id = user.id;
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
                        issued,
                        created: false,
                    };
                    state.dialog.set(Some((next, format!("reset-{id}"))));
                }),
                Confirm::Suspend => set_user_status(id, Status::Suspended.as_str().into())
                    .await
                    .map(|_| {
                        state.changed();
                        state.close_after_change();
                    }),
            };
            // On success the dialog is gone, and its signals with it: touch them only on failure.
            if let Err(e) = result {
                pending.set(false);
                state.check_session(&e);
                error.set(Some(e));
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
pub fn ErrorNote(error: RwSignal<Option<AppError>>) -> impl IntoView {
    view! {
        <div class="form-alert" role="alert" hidden=move || error.with(|e| e.is_none())>
            {move || error.get().map(|e| e.to_string())}
        </div>
    }
}
