//! The icon buttons of a row: Edit, Reset password, and Suspend or Reactivate.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::icons;
use super::state::{Dialog, PageState};
use crate::users::model::{Status, UserSummary};
use crate::users::server::set_user_status;

/// Edit, Reset password and Suspend / Reactivate for one user. Each button names the action
/// and the user, for screen readers and as a tooltip.
#[component]
pub fn RowActions(user: UserSummary, state: PageState) -> impl IntoView {
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
        match set_user_status(id, Status::Active.into()).await {
            Ok(_) => {
                state.refocus.set(Some(format!("status-{id}")));
                state.changed();
            }
            Err(e) => state.fail(e),
        }
    });
}
