//! Bulk actions: the bar that appears once users are selected (the count, "Select all N users
//! that match", Suspend, Reactivate, Add role…, Remove role…, Clear selection), and the dialog
//! that names the count and asks before acting.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{BulkKind, Dialog, PageState, Selection};
use crate::error::AppError;
use crate::ui::Modal;
use crate::users::bulk::{BulkAction, BulkOutcome, BulkTarget, JobStatus};
use crate::users::format::group_thousands;
use crate::users::model::RoleOption;
use crate::users::query::MatchCount;

/// The bar above the table, shown while users are selected.
#[component]
pub fn BulkBar(
    state: PageState,
    /// How many users match the view.
    matches: MatchCount,
    /// The ids of the page's rows.
    page: Vec<i64>,
) -> impl IntoView {
    let selection = state.selection;
    // Once every row of the page is ticked and more users match, the whole view can be chosen.
    let whole_view = move || {
        let n = matches.count;
        let page_ticked = selection.with(|s| {
            matches!(s, Selection::Rows(_)) && !page.is_empty() && page.iter().all(|id| s.has(*id))
        });
        let capped = matches.capped;
        (page_ticked && (capped || n > page.len() as i64)).then(|| {
            let all = Selection::View { count: n, capped };
            let text = format!("Select all {} users that match", all.count_text());
            view! {
                <button type="button" class="btn-link" id="bulk-select-view"
                    on:click=move |_| selection.set(all.clone())>
                    {text}
                </button>
            }
        })
    };
    let open = move |kind: BulkKind, id: &'static str| {
        move |_: leptos::ev::MouseEvent| {
            state.dialog.set(Some((Dialog::Bulk(kind), id.to_string())))
        }
    };
    view! {
        <div class="bulk-bar" role="region" aria-label="Bulk actions"
            hidden=move || selection.with(Selection::is_empty)>
            <span class="bulk-count">{move || selection.with(Selection::label)}</span>
            {whole_view}
            <div class="bulk-actions">
                <button type="button" class="btn btn-sm btn-danger-outline" id="bulk-suspend"
                    on:click=open(BulkKind::Suspend, "bulk-suspend")>"Suspend"</button>
                <button type="button" class="btn btn-sm" id="bulk-reactivate"
                    on:click=open(BulkKind::Reactivate, "bulk-reactivate")>"Reactivate"</button>
                <button type="button" class="btn btn-sm" id="bulk-add-role"
                    on:click=open(BulkKind::AddRole, "bulk-add-role")>"Add role…"</button>
                <button type="button" class="btn btn-sm" id="bulk-remove-role"
                    on:click=open(BulkKind::RemoveRole, "bulk-remove-role")>"Remove role…"</button>
                <button type="button" class="btn btn-sm btn-ghost"
                    on:click=move |_| selection.set(Selection::default())>"Clear selection"</button>
            </div>
        </div>
    }
}

/// "Suspend 12 users?": what will happen to how many, the role for a role action, then doing
/// it. The report of what was done (and who was skipped, and why) shows above the table.
#[component]
pub fn BulkDialog(kind: BulkKind, state: PageState, roles: Vec<RoleOption>) -> impl IntoView {
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let role = RwSignal::new(String::new());
    let users = state.selection.with_untracked(|s| {
        if s.count() == 1 && matches!(s, Selection::Rows(_)) {
            "1 user".to_string()
        } else {
            format!("{} users", s.count_text())
        }
    });
    let (title, text, button, busy, class) = match kind {
        BulkKind::Suspend => (
            format!("Suspend {users}?"),
            "They cannot sign in until reactivated, and they are signed out everywhere now. \
             You, and the last active tenant admin, are skipped.",
            "Suspend",
            "Suspending…",
            "btn btn-danger",
        ),
        BulkKind::Reactivate => (
            format!("Reactivate {users}?"),
            "They can sign in again with their current password.",
            "Reactivate",
            "Reactivating…",
            "btn btn-primary",
        ),
        BulkKind::AddRole => (
            format!("Add a role to {users}"),
            "Each of them gets the role; those who have it already keep it.",
            "Add role",
            "Adding…",
            "btn btn-primary",
        ),
        BulkKind::RemoveRole => (
            format!("Remove a role from {users}"),
            "Each of them loses the role; those who do not have it are left as they are.",
            "Remove role",
            "Removing…",
            "btn btn-primary",
        ),
    };
    let picks_role = matches!(kind, BulkKind::AddRole | BulkKind::RemoveRole);
    let confirm = move |_| {
        if pending.get_untracked() {
            return;
        }
        let action = match kind {
            BulkKind::Suspend => BulkAction::Suspend,
            BulkKind::Reactivate => BulkAction::Reactivate,
            BulkKind::AddRole | BulkKind::RemoveRole => {
                let Ok(id) = role.get_untracked().parse::<i64>() else {
                    error.set(Some(AppError::field("bulk-role", "Choose a role")));
                    return;
                };
                if kind == BulkKind::AddRole {
                    BulkAction::AddRole(id)
                } else {
                    BulkAction::RemoveRole(id)
                }
            }
        };
        let target = match state.selection.get_untracked() {
            Selection::Rows(ids) => BulkTarget::Users(ids.into_iter().collect()),
            Selection::View { .. } => BulkTarget::View(state.query.get_untracked().first_page()),
        };
        pending.set(true);
        spawn_local(async move {
            match crate::users::server::bulk_change(action, target).await {
                Ok(outcome) => {
                    state.selection.set(Selection::default());
                    state.report.set(Some(match outcome {
                        BulkOutcome::Done(report) => report.summary(action),
                        BulkOutcome::Queued(job) => format!(
                            "{}: started. It runs in the background; its progress shows below.",
                            job.title()
                        ),
                    }));
                    state.dialog.set(None);
                    state.changed();
                    state.jobs.update(|n| *n += 1);
                    crate::ui::focus_later("bulk-report".to_string());
                }
                Err(e) => state.failed_in_dialog(e, pending, error),
            }
        });
    };
    let role_message =
        move || error.with(|e| e.as_ref().and_then(|e| e.field_message("bulk-role")));
    view! {
        <Modal title on_close=move |_| state.close()>
            <div class="modal-body">
                <p>{text}</p>
                {picks_role.then(|| view! {
                    <div class="field">
                        <label for="bulk-role">"Role"</label>
                        <select id="bulk-role" name="role"
                            aria-invalid=move || role_message().map(|_| "true")
                            aria-describedby=move || role_message().map(|_| "bulk-role-error")
                            on:change=move |e| role.set(event_target_value(&e))>
                            <option value="">"Choose a role"</option>
                            {roles.into_iter().map(|r| view! {
                                <option value=r.id.to_string()>{r.name}</option>
                            }).collect_view()}
                        </select>
                        <p class="field-error" id="bulk-role-error" hidden=move || role_message().is_none()>
                            {role_message}
                        </p>
                    </div>
                })}
                <div class="form-alert" role="alert"
                    hidden=move || error.with(|e| e.as_ref().is_none_or(|e| e.field_message("bulk-role").is_some()))>
                    {move || error.get().map(|e| e.to_string())}
                </div>
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

/// The tenant's bulk jobs: running ones with their progress and Cancel, and those that ended
/// lately. Read in the browser only (a job is started there), again every second while one
/// runs; when one ends, the table and the counts reload.
#[component]
pub fn JobsPanel(state: PageState) -> impl IntoView {
    let jobs = LocalResource::new(move || {
        state.jobs.track();
        crate::users::server::bulk_jobs()
    });
    let list = move || jobs.get().and_then(Result::ok).unwrap_or_default();
    Effect::new(move |was_open: Option<bool>| {
        let open = list().iter().any(|j| j.state.is_open());
        if open {
            set_timeout(
                move || state.jobs.update(|n| *n += 1),
                std::time::Duration::from_secs(1),
            );
        }
        if was_open == Some(true) && !open {
            state.changed();
        }
        open
    });
    view! {
        <section class="jobs" aria-label="Bulk jobs" hidden=move || list().is_empty()>
            {move || list().into_iter().map(|job| view! { <JobRow job state /> }).collect_view()}
        </section>
    }
}

#[component]
fn JobRow(job: JobStatus, state: PageState) -> impl IntoView {
    let title = job.title();
    let r = &job.report;
    let g = |n: u64| group_thousands(n as i64);
    let counts = format!(
        "{} of {} worked: {} changed, {} already so, {} skipped, {} failed",
        group_thousands(job.worked()),
        group_thousands(job.total),
        g(r.changed),
        g(r.unchanged),
        g(r.skipped_count),
        g(r.missing),
    );
    let skipped: Vec<String> = r
        .skipped
        .iter()
        .map(|s| format!("{}: {}", s.name, s.reason))
        .collect();
    let id = job.id;
    let open = job.state.is_open();
    let pending = RwSignal::new(false);
    let cancel = move |_| {
        pending.set(true);
        spawn_local(async move {
            if let Err(e) = crate::users::server::cancel_bulk_job(id).await {
                state.fail(e);
            }
            state.jobs.update(|n| *n += 1);
        });
    };
    view! {
        <div class="job" id=format!("job-{id}") data-state=job.state.as_str()>
            <div class="job-head">
                <strong>{title.clone()}</strong>
                {open.then(|| view! {
                    <button type="button" class="btn btn-sm" disabled=move || pending.get()
                        on:click=cancel>"Cancel"</button>
                })}
            </div>
            <progress max=job.total.max(1) value=job.worked().min(job.total.max(1)) aria-label=title></progress>
            <p class="job-counts">{counts}</p>
            {(!skipped.is_empty()).then(|| view! {
                <ul class="job-skipped">
                    {skipped.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}
                </ul>
            })}
        </div>
    }
}
