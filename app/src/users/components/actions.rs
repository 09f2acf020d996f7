//! What the row buttons do. The rows are the server's HTML (`rows.rs`), so one click listener on
//! the table body serves them all: it finds the button clicked, reads whom and what from its
//! `data-` attributes, and opens the dialog (focus returns to the button by its id) or
//! reactivates. A change listener does the same for the rows' select boxes.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::state::{Dialog, PageState, RowUser, Selection};
use crate::users::model::Status;
use crate::users::server::{get_user, set_user_status};

/// The table body's click listener.
pub fn on_row_click(ev: leptos::ev::MouseEvent, state: PageState) {
    let Some(button) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| e.closest("button[data-action]").ok().flatten())
    else {
        return;
    };
    let attr = |name: &str| button.get_attribute(name).unwrap_or_default();
    let Ok(id) = attr("data-user").parse::<i64>() else {
        return;
    };
    let user = RowUser {
        id,
        name: attr("data-name"),
    };
    let focus = button.id();
    let open = move |dialog: Dialog| state.dialog.set(Some((dialog, focus)));
    match attr("data-action").as_str() {
        "edit" => edit(state, id, open),
        "reset" => open(Dialog::ConfirmReset(user)),
        "suspend" => open(Dialog::ConfirmSuspend(user)),
        "reactivate" => reactivate(state, id),
        "history" => open(Dialog::History(user)),
        _ => {}
    }
}

/// Edit opens on the user as stored now, read first: the row may be older than the last
/// change, and it holds only what the table shows.
fn edit(state: PageState, id: i64, open: impl FnOnce(Dialog) + 'static) {
    spawn_local(async move {
        match get_user(id).await {
            Ok(user) => open(Dialog::Edit(Box::new(user))),
            Err(e) => state.fail(e),
        }
    });
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

/// The table body's change listener: a row's select box ticked or unticked.
pub fn on_row_select(ev: leptos::ev::Event, state: PageState, page: &[i64]) {
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    let Some(id) = input
        .get_attribute("data-select")
        .and_then(|v| v.parse::<i64>().ok())
    else {
        return;
    };
    let on = input.checked();
    state.selection.update(|s| s.set_row(id, on, page));
}

/// Ticks the select box of each row in `body` that `selection` holds, and unticks the rest.
pub fn show_selection(body: &web_sys::HtmlElement, selection: &Selection) {
    let Ok(boxes) = body.query_selector_all("input[data-select]") else {
        return;
    };
    for i in 0..boxes.length() {
        let Some(input) = boxes
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            continue;
        };
        let id = input
            .get_attribute("data-select")
            .and_then(|v| v.parse::<i64>().ok());
        input.set_checked(id.is_some_and(|id| selection.has(id)));
    }
}
