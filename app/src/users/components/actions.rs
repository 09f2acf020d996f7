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
    let (edit, reset) = (user.clone(), user.clone());
    view! {
        <div class="icon-btns">
            {icon_button(format!("edit-{id}"), edit_label, false, icons::pencil().into_any(), move |focus| {
                open(Dialog::Edit(edit.clone()), focus)
            })}
            {icon_button(format!("reset-{id}"), reset_label, false, icons::lock_reset().into_any(), move |focus| {
                open(Dialog::ConfirmReset(reset.clone()), focus)
            })}
            {icon_button(
                format!("status-{id}"),
                toggle_label,
                suspending,
                if suspending { icons::person_off().into_any() } else { icons::person_check().into_any() },
                move |focus| {
                    if suspending {
                        open(Dialog::ConfirmSuspend(user.clone()), focus);
                    } else {
                        reactivate(state, id);
                    }
                },
            )}
        </div>
    }
}

/// One icon button named by `label` (for screen readers and as a tooltip); `on_click` gets the
/// button's id, where focus returns after a dialog.
fn icon_button(
    id: String,
    label: String,
    danger: bool,
    icon: AnyView,
    on_click: impl Fn(String) + 'static,
) -> impl IntoView {
    let focus = id.clone();
    view! {
        <button
            type="button"
            class="icon-btn"
            class:icon-btn-danger=danger
            id=id
            aria-label=label.clone()
            data-tooltip=label
            on:click=move |_| on_click(focus.clone())
        >
            {icon}
        </button>
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
