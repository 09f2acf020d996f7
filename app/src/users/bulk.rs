//! Work on many users at once: what a bulk action does, which users it is for, and what it
//! did. The same rules hold as one user at a time (`store/bulk.rs`).

use serde::{Deserialize, Serialize};

use crate::users::query::UserQuery;

/// At most this many users are changed by one request (a page's worth).
pub const BULK_AT_ONCE: usize = 100;

/// What a bulk action does to each selected user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    Suspend,
    Reactivate,
    /// Grants the role (of the tenant) to each user who lacks it.
    AddRole(i64),
    /// Takes the role from each user who holds it.
    RemoveRole(i64),
}

impl BulkAction {
    /// The audit log's action for one user changed.
    pub fn audit_action(self) -> &'static str {
        match self {
            BulkAction::Suspend => "user.suspend",
            BulkAction::Reactivate => "user.reactivate",
            BulkAction::AddRole(_) | BulkAction::RemoveRole(_) => "user.update",
        }
    }
}

/// Which users a bulk action is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkTarget {
    /// Rows chosen one by one, by id.
    Users(Vec<i64>),
    /// Every user of a filtered view ("Select all N users that match"), held as the view,
    /// not as its ids.
    View(UserQuery),
}

/// A user a bulk action left alone, and why (the same words as one at a time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedUser {
    pub id: i64,
    pub name: String,
    pub reason: String,
}

/// What a bulk action did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkReport {
    /// Users changed (one audit record each).
    pub changed: u64,
    /// Users already as asked (already suspended, already holding the role…).
    pub unchanged: u64,
    /// Users the rules kept from changing: oneself, the last active tenant admin (a job keeps
    /// the first few; `skipped_count` counts them all).
    pub skipped: Vec<SkippedUser>,
    pub skipped_count: u64,
    /// Users selected who are no longer there (deleted meanwhile, or never of this tenant).
    pub missing: u64,
}

impl BulkReport {
    /// "3 users suspended", "1 user changed; 1 skipped: …" — for the page's status line.
    pub fn summary(&self, action: BulkAction) -> String {
        let done = match action {
            BulkAction::Suspend => "suspended",
            BulkAction::Reactivate => "reactivated",
            BulkAction::AddRole(_) => "given the role",
            BulkAction::RemoveRole(_) => "taken off the role",
        };
        let users = |n: u64| {
            format!(
                "{} user{}",
                crate::users::format::group_thousands(n as i64),
                if n == 1 { "" } else { "s" }
            )
        };
        let mut parts = vec![format!("{} {done}", users(self.changed))];
        if self.unchanged > 0 {
            parts.push(format!("{} already so", users(self.unchanged)));
        }
        for s in &self.skipped {
            parts.push(format!("{} skipped: {}", s.name, s.reason));
        }
        let unlisted = self.skipped_count.saturating_sub(self.skipped.len() as u64);
        if unlisted > 0 {
            parts.push(format!("{} more skipped", users(unlisted)));
        }
        if self.missing > 0 {
            parts.push(format!("{} no longer there", users(self.missing)));
        }
        let text = parts.join("; ");
        if text.ends_with('.') {
            text
        } else {
            text + "."
        }
    }
}

/// Where a bulk job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for a server to take it.
    Queued,
    Running,
    Done,
    Cancelled,
    /// Stopped by something no retry mends (its role was deleted meanwhile).
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Cancelled => "cancelled",
            JobState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<JobState> {
        [
            JobState::Queued,
            JobState::Running,
            JobState::Done,
            JobState::Cancelled,
            JobState::Failed,
        ]
        .into_iter()
        .find(|j| j.as_str() == s)
    }

    /// Whether it may still change users.
    pub fn is_open(self) -> bool {
        matches!(self, JobState::Queued | JobState::Running)
    }
}

/// A bulk action on a whole view, worked in the background, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobStatus {
    pub id: i64,
    pub action: BulkAction,
    pub state: JobState,
    /// Users of the view when it was queued.
    pub total: i64,
    /// What it did so far, as one request reports it.
    pub report: BulkReport,
}

impl JobStatus {
    /// Users worked so far (changed, already so, skipped or gone).
    pub fn worked(&self) -> i64 {
        let r = &self.report;
        (r.changed + r.unchanged + r.missing) as i64 + r.skipped_count as i64
    }

    /// "Suspending 12,345 users", "Suspended 12,345 users", "Stopped suspending…".
    pub fn title(&self) -> String {
        let (doing, done) = match self.action {
            BulkAction::Suspend => ("Suspending", "Suspended"),
            BulkAction::Reactivate => ("Reactivating", "Reactivated"),
            BulkAction::AddRole(_) => ("Adding a role to", "Added a role to"),
            BulkAction::RemoveRole(_) => ("Removing a role from", "Removed a role from"),
        };
        let users = format!(
            "{} user{}",
            crate::users::format::group_thousands(self.total),
            if self.total == 1 { "" } else { "s" }
        );
        match self.state {
            JobState::Queued | JobState::Running => format!("{doing} {users}"),
            JobState::Done => format!("{done} {users}"),
            JobState::Cancelled => format!("Cancelled: {} {users}", doing.to_lowercase()),
            JobState::Failed => format!("Stopped: {} {users}", doing.to_lowercase()),
        }
    }
}

/// What `bulk_change` did: the change itself, or, for more users than one request changes,
/// a job queued to do it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkOutcome {
    Done(BulkReport),
    Queued(JobStatus),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_what_happened_to_whom() {
        let report = BulkReport {
            changed: 2,
            unchanged: 1,
            skipped: vec![SkippedUser {
                id: 1,
                name: "Ann Lee".into(),
                reason: "You cannot suspend yourself.".into(),
            }],
            skipped_count: 1,
            missing: 0,
        };
        assert_eq!(
            report.summary(BulkAction::Suspend),
            "2 users suspended; 1 user already so; Ann Lee skipped: You cannot suspend yourself."
        );
        assert_eq!(
            BulkReport {
                changed: 1,
                ..BulkReport::default()
            }
            .summary(BulkAction::AddRole(3)),
            "1 user given the role."
        );
    }
}
