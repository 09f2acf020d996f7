//! What the parts of the User Management page share: the view, the open dialog, the notice
//! above the table, and where focus goes back to.

use leptos::prelude::*;

use crate::error::AppError;
use crate::users::model::UserSummary;
use crate::users::query::UserQuery;
use crate::users::server::IssuedPassword;

/// The user a row button acts on, as its `data-` attributes tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowUser {
    pub id: i64,
    pub name: String,
}

/// Which dialog is open.
#[derive(Debug, Clone)]
pub enum Dialog {
    Create,
    /// Edit this user (read afresh when its Edit button is pressed: the row may be older).
    Edit(Box<UserSummary>),
    ConfirmReset(RowUser),
    ConfirmSuspend(RowUser),
    Password {
        issued: Box<IssuedPassword>,
        created: bool,
    },
}

/// What the parts of the page share.
#[derive(Clone, Copy)]
pub struct PageState {
    /// The view in the URL.
    pub query: Memo<UserQuery>,
    /// Bumped to reload the stats and the list in place.
    pub refresh: RwSignal<u32>,
    /// The open dialog and the id of the element focus returns to.
    pub dialog: RwSignal<Option<(Dialog, String)>>,
    /// A failure of a row action (shown above the table).
    pub notice: RwSignal<Option<AppError>>,
    /// The id of a row button to focus once the reloaded table is on the page (its old
    /// element is replaced by the reload).
    pub refocus: RwSignal<Option<String>>,
}

impl PageState {
    /// Something changed: reload the stats and the list.
    pub fn changed(&self) {
        self.notice.set(None);
        self.refresh.update(|n| *n += 1);
    }

    /// Closes the open dialog and gives focus back to the element that opened it.
    pub fn close(&self) {
        let opener = self
            .dialog
            .with_untracked(|d| d.as_ref().map(|(_, id)| id.clone()));
        self.dialog.set(None);
        if let Some(id) = opener {
            crate::ui::focus_later(id);
        }
    }

    /// Closes the dialog after a change: the table reloads, so focus goes back to the opener
    /// again once its new element is there.
    pub fn close_after_change(&self) {
        let opener = self
            .dialog
            .with_untracked(|d| d.as_ref().map(|(_, id)| id.clone()));
        self.refocus.set(opener);
        self.close();
    }

    /// Shows the failure of an action taken outside a dialog.
    pub fn fail(&self, e: AppError) {
        self.check_session(&e);
        self.notice.set(Some(e));
    }

    /// A dialog's action failed: the dialog stays open, ready to try again, and shows why.
    /// (On success the dialog is gone, and its signals with it: touch them only on failure.)
    pub fn failed_in_dialog(
        &self,
        e: AppError,
        pending: RwSignal<bool>,
        error: RwSignal<Option<AppError>>,
    ) {
        pending.set(false);
        self.check_session(&e);
        error.set(Some(e));
    }

    /// A reply saying the session ended sends the person to sign in again.
    pub fn check_session(&self, e: &AppError) {
        if matches!(e, AppError::NotSignedIn) {
            let _ = window().location().set_href("/sign-in");
        }
    }
}
