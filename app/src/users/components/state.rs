//! What the parts of the User Management page share: the view, the open dialog, the notice
//! above the table, where focus goes back to, and the users chosen for a bulk action.

use std::collections::BTreeSet;

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
    /// Confirm a bulk action on the selection.
    Bulk(BulkKind),
    /// A user's History.
    History(RowUser),
}

/// The bulk actions, as the bar offers them (the role is chosen in the dialog).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkKind {
    Suspend,
    Reactivate,
    AddRole,
    RemoveRole,
}

/// The users chosen for a bulk action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Rows ticked one by one; kept while paging through the same filters.
    Rows(BTreeSet<i64>),
    /// Every user of the view in the URL, `count` of them (or more, when `capped`): held as
    /// the view, not its ids.
    View { count: i64, capped: bool },
}

impl Default for Selection {
    fn default() -> Self {
        Selection::Rows(BTreeSet::new())
    }
}

impl Selection {
    /// How many users are selected.
    pub fn count(&self) -> i64 {
        match self {
            Selection::Rows(ids) => ids.len() as i64,
            Selection::View { count, .. } => *count,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.count() == 0
    }

    /// Whether the user `id` (a row on screen) is selected.
    pub fn has(&self, id: i64) -> bool {
        match self {
            Selection::Rows(ids) => ids.contains(&id),
            Selection::View { .. } => true,
        }
    }

    /// Ticks or unticks one row. Unticking a row of a whole-view selection leaves the other
    /// rows of this page selected (the bar's count says so).
    pub fn set_row(&mut self, id: i64, on: bool, page: &[i64]) {
        if let Selection::View { .. } = self {
            if on {
                return;
            }
            *self = Selection::Rows(page.iter().copied().collect());
        }
        if let Selection::Rows(ids) = self {
            if on {
                ids.insert(id);
            } else {
                ids.remove(&id);
            }
        }
    }

    /// Ticks every row of the page, or, when all of them are ticked already, unticks them.
    pub fn toggle_page(&mut self, page: &[i64]) {
        if page.iter().all(|id| self.has(*id)) {
            match self {
                Selection::View { .. } => *self = Selection::default(),
                Selection::Rows(ids) => page.iter().for_each(|id| {
                    ids.remove(id);
                }),
            }
        } else if let Selection::Rows(ids) = self {
            ids.extend(page);
        }
    }

    /// How many, as the page writes it: "57", "10,000+".
    pub fn count_text(&self) -> String {
        let n = crate::users::format::group_thousands(self.count());
        match self {
            Selection::View { capped: true, .. } => format!("{n}+"),
            _ => n,
        }
    }

    /// "3 users selected", "All 57 users that match are selected".
    pub fn label(&self) -> String {
        let n = self.count_text();
        match self {
            Selection::View {
                count: 1,
                capped: false,
            } => "The 1 user that matches is selected".into(),
            Selection::View { .. } => format!("All {n} users that match are selected"),
            Selection::Rows(ids) if ids.len() == 1 => "1 user selected".into(),
            Selection::Rows(_) => format!("{n} users selected"),
        }
    }
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
    /// The users chosen for a bulk action.
    pub selection: RwSignal<Selection>,
    /// What the last bulk action did (shown above the table).
    pub report: RwSignal<Option<String>>,
    /// Bumped to read the bulk jobs' progress again.
    pub jobs: RwSignal<u32>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_ticked_and_pages_toggled() {
        let mut s = Selection::default();
        assert!(s.is_empty());
        s.set_row(3, true, &[1, 2, 3]);
        assert_eq!(s.label(), "1 user selected");
        s.toggle_page(&[1, 2, 3]);
        assert_eq!(s.count(), 3);
        // Another page adds to it.
        s.toggle_page(&[4, 5]);
        assert_eq!(s.count(), 5);
        // All of a page ticked: the header box unticks that page only.
        s.toggle_page(&[1, 2, 3]);
        assert_eq!(s, Selection::Rows([4, 5].into()));
        s.set_row(4, false, &[4, 5]);
        assert_eq!(s.label(), "1 user selected");
    }

    #[test]
    fn a_whole_view_selection_becomes_rows_when_one_is_unticked() {
        let mut s = Selection::View {
            count: 57,
            capped: false,
        };
        assert!(s.has(99));
        assert_eq!(s.label(), "All 57 users that match are selected");
        s.set_row(2, false, &[1, 2, 3]);
        assert_eq!(s, Selection::Rows([1, 3].into()));
        let mut s = Selection::View {
            count: 10_000,
            capped: true,
        };
        assert_eq!(s.label(), "All 10,000+ users that match are selected");
        s.toggle_page(&[1, 2, 3]);
        assert!(s.is_empty());
    }
}
