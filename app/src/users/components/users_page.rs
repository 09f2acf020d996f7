//! The User Management page: stat cards, filter bar, match count, the table, and the dialogs.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::bulk::{BulkBar, BulkDialog, JobsPanel};
use super::confirm_dialog::{Confirm, ConfirmDialog};
use super::filter_bar::FilterBar;
use super::history_dialog::HistoryDialog;
use super::icons;
use super::password_dialog::PasswordDialog;
use super::state::{Dialog, PageState, Selection};
use super::table::UserTable;
use super::user_dialog::UserDialog;
use crate::auth::components::SignedInHeader;
use crate::auth::model::Viewer;
use crate::error::AppError;
use crate::ui::ErrorPanel;
use crate::users::format::group_thousands;
use crate::users::model::RoleOption;
use crate::users::query::{Shown, UserQuery};
use crate::users::server::{UserStats, get_user_stats, list_roles, users_table};

/// The view the table shows: the URL's query and the refresh count it was loaded for.
type ViewKey = (UserQuery, u32);

/// The User Management page. Built once per request (and once in the browser): every resource,
/// action and effect of the page is made here, never inside a `Suspense` or `Transition`, whose
/// children only await data and return a view.
#[component]
pub fn UsersPage(viewer: Viewer) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Ok(app) = crate::server::state() {
        app.metrics.page_built("users");
    }
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|m| UserQuery::from_pairs(|k| m.get_str(k))));
    let state = PageState {
        query,
        refresh: RwSignal::new(0),
        dialog: RwSignal::new(None),
        notice: RwSignal::new(None),
        refocus: RwSignal::new(None),
        selection: RwSignal::new(Selection::default()),
        report: RwSignal::new(None),
        jobs: RwSignal::new(0),
    };
    // A selection belongs to its filters: it survives paging and sorting, and clears when
    // the filters change (effects run in the browser only).
    let filters = Memo::new(move |_| query.with(|q| (q.q.clone(), q.status, q.user_type, q.role)));
    Effect::new(move |seen: Option<()>| {
        // Read, not only tracked: a memo nobody has read has no sources yet, so it would never
        // change.
        filters.with(|_| ());
        if seen.is_some() {
            state.selection.set(Selection::default());
            state.report.set(None);
        }
    });
    let wanted = Memo::new(move |_| (query.get(), state.refresh.get()));
    // Each page of users carries the view it was loaded for, so the browser can tell that the
    // table still shows an older one. Its rows are HTML, left out of the hydration data
    // (`Shown`): the page holds them already.
    let page = Resource::new(
        move || wanted.get(),
        |key: ViewKey| async move {
            let page = users_table(key.0.clone()).await.map(Shown);
            (key, page)
        },
    );
    let stats = Resource::new(move || state.refresh.get(), |_| get_user_stats());
    let roles = Resource::new(|| (), |_| list_roles());
    // The view the table shows, set in the browser when a page of users is put on screen. The
    // resource itself is only ever awaited inside its `Transition`, never read synchronously.
    let shown = RwSignal::new(None::<ViewKey>);
    // Refreshing: the table shows another view than the one asked for (it keeps the old rows
    // until the new ones arrive). Derived in the browser only: a server render always shows
    // the view it was asked for.
    let refreshing = Signal::derive(move || {
        cfg!(feature = "hydrate") && shown.with(|s| s.as_ref().is_some_and(|k| *k != wanted.get()))
    });
    // After a change reloaded the table, focus the button that started it once more (its old
    // element was replaced). Effects run in the browser only.
    Effect::new(move |_| {
        if shown.with(|s| s.as_ref() == Some(&wanted.get_untracked()))
            && let Some(id) = state.refocus.try_update(Option::take).flatten()
        {
            crate::ui::focus_later(id);
        }
    });

    view! {
        <Title text="User Management" />
        <icons::IconSprite />
        <SignedInHeader viewer />
        <main class="page" id="main">
            <div class="page-header">
                <div>
                    <h1>"User Management"</h1>
                    <p class="muted">"Create, edit, suspend and reset the passwords of the people in your organisation."</p>
                </div>
                <div class="page-actions">
                    <button type="button" class="btn" aria-busy=move || refreshing.get().then_some("true")
                        on:click=move |_| state.changed()>
                        {icons::refresh()}
                        {move || if refreshing.get() { "Refreshing…" } else { "Refresh" }}
                    </button>
                    // A plain link (it works without JavaScript): the view's every row as CSV.
                    // `rel="external"`: the browser follows it (and saves the download); the
                    // router would take it for a page of the app.
                    <a class="btn" id="export-csv" rel="external"
                        href=move || format!("/users.csv{}", query.with(UserQuery::first_page).to_query_string())>
                        {icons::download()} "Export CSV"
                    </a>
                    <button type="button" class="btn btn-primary" id="add-user"
                        on:click=move |_| state.dialog.set(Some((Dialog::Create, "add-user".into())))>
                        {icons::plus()} "Add User"
                    </button>
                </div>
            </div>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match stats.await {
                        Ok(s) => view! { <StatCards stats=s /> }.into_any(),
                        Err(e) => view! { <ErrorPanel message=e.to_string() /> }.into_any(),
                    }
                })}
            </Transition>
            <FilterBar query roles />
            <div class="form-alert" role="alert" hidden=move || state.notice.with(Option::is_none)>
                {move || state.notice.get().map(|e| e.to_string())}
            </div>
            <p class="bulk-report" id="bulk-report" role="status" tabindex="-1"
                hidden=move || state.report.with(Option::is_none)>
                {move || state.report.get()}
            </p>
            <JobsPanel state />
            // The selection's count, announced as it changes.
            <p class="sr-only" role="status" aria-live="polite">
                {move || state.selection.with(|s| (!s.is_empty()).then(|| s.label()))}
            </p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading users…"</p> }>
                {move || Suspend::new(async move {
                    let (key, result) = page.await;
                    #[cfg(feature = "hydrate")]
                    shown.set(Some(key.clone()));
                    match result {
                        Ok(Shown(p)) => {
                            let ids = p.ids.clone();
                            view! {
                                <p class="match-count" role="status" aria-live="polite">{p.matches.label()}</p>
                                <BulkBar state matches=p.matches page=ids />
                                <div class:is-refreshing=move || wanted.with(|w| *w != key)>
                                    <UserTable page=p state />
                                </div>
                            }.into_any()
                        }
                        Err(e) => {
                            state.check_session(&e);
                            view! {
                                <div class="error-panel" role="alert">
                                    <p>"The users could not be loaded. " {e.to_string()}</p>
                                    <button type="button" class="btn" on:click=move |_| state.changed()>"Retry"</button>
                                </div>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </main>
        {move || state.dialog.get().map(|(dialog, _)| view! {
            <Suspense>
                {move || {
                    let loaded = dialog_view(dialog.clone(), state, roles);
                    #[cfg(feature = "hydrate")]
                    let loaded = send_wrapper::SendWrapper::new(loaded);
                    Suspend::new(loaded)
                }}
            </Suspense>
        })}
    }
}

/// The open dialog. Lazy: in the browser its code (the forms, History, the bulk and confirm
/// dialogs, and what only they use) is a wasm chunk of its own, fetched the first time a dialog
/// opens (`cargo leptos build --split`; docs/PERFORMANCE.md), so the first load carries only
/// the page it shows. No dialog is ever open on the server, so hydration never waits for it.
#[lazy]
fn dialog_view(
    dialog: Dialog,
    state: PageState,
    roles: Resource<Result<Vec<RoleOption>, AppError>>,
) -> AnyView {
    view! { <OpenDialog dialog state roles /> }.into_any()
}

#[component]
fn OpenDialog(
    dialog: Dialog,
    state: PageState,
    roles: Resource<Result<Vec<RoleOption>, AppError>>,
) -> impl IntoView {
    match dialog {
        Dialog::Create | Dialog::Edit(_) => {
            let user = match dialog {
                Dialog::Edit(u) => Some(*u),
                _ => None,
            };
            view! {
                <Suspense>
                    {move || {
                        let user = user.clone();
                        Suspend::new(async move {
                            let roles = roles.await.unwrap_or_default();
                            view! { <UserDialog user roles state /> }
                        })
                    }}
                </Suspense>
            }
            .into_any()
        }
        Dialog::ConfirmReset(user) => {
            view! { <ConfirmDialog kind=Confirm::Reset user state /> }.into_any()
        }
        Dialog::ConfirmSuspend(user) => {
            view! { <ConfirmDialog kind=Confirm::Suspend user state /> }.into_any()
        }
        Dialog::Password { issued, created } => {
            view! { <PasswordDialog issued=*issued created state /> }.into_any()
        }
        Dialog::History(user) => view! { <HistoryDialog user state /> }.into_any(),
        Dialog::Bulk(kind) => view! {
            <Suspense>
                {move || Suspend::new(async move {
                    let roles = roles.await.unwrap_or_default();
                    view! { <BulkDialog kind state roles /> }
                })}
            </Suspense>
        }
        .into_any(),
    }
}

#[component]
fn StatCards(stats: UserStats) -> impl IntoView {
    view! {
        <section class="stats" aria-label="Users">
            <div class="stat-card">
                <span class="stat-label">"Total Users"</span>
                <span class="stat-value">{group_thousands(stats.total)}</span>
            </div>
            <div class="stat-card stat-active">
                <span class="stat-label">"Active"</span>
                <span class="stat-value">{group_thousands(stats.active)}</span>
            </div>
            <div class="stat-card stat-suspended">
                <span class="stat-label">"Suspended"</span>
                <span class="stat-value">{group_thousands(stats.suspended)}</span>
            </div>
        </section>
    }
}
