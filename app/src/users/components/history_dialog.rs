//! A user's History: their changes, newest first (who, when in the viewer's timezone, what
//! changed from what to what), twenty at a time with "Show older".

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{PageState, RowUser};
use crate::error::AppError;
use crate::ui::Modal;
use crate::users::history::{FieldChange, HistoryEntry};
use crate::users::server::user_history;

#[component]
pub fn HistoryDialog(user: RowUser, state: PageState) -> impl IntoView {
    let RowUser { id, name } = user;
    let entries = RwSignal::new(Vec::<HistoryEntry>::new());
    let next = RwSignal::new(None::<i64>);
    let loaded = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let load = move |before: Option<i64>| {
        pending.set(true);
        spawn_local(async move {
            match user_history(id, before).await {
                Ok(page) => {
                    entries.update(|e| e.extend(page.entries));
                    next.set(page.next);
                    loaded.set(true);
                    error.set(None);
                }
                Err(e) => {
                    state.check_session(&e);
                    error.set(Some(e));
                }
            }
            pending.set(false);
        });
    };
    // The dialog opens in the browser only (a click): its first page loads as it opens.
    load(None);
    view! {
        <Modal title=format!("History of {name}") on_close=move |_| state.close() wide=true>
            <div class="modal-body">
                <p class="loading" role="status" hidden=move || loaded.get() || error.with(Option::is_some)>
                    "Loading…"
                </p>
                <div class="form-alert" role="alert" hidden=move || error.with(Option::is_none)>
                    {move || error.get().map(|e| e.to_string())}
                </div>
                <p class="muted" hidden=move || !loaded.get() || entries.with(|e| !e.is_empty())>
                    "No changes recorded."
                </p>
                <ol class="history">
                    {move || entries.get().into_iter().map(|e| view! { <Entry entry=e /> }).collect_view()}
                </ol>
                {move || next.get().map(|before| view! {
                    <button type="button" class="btn btn-sm" disabled=move || pending.get()
                        on:click=move |_| load(Some(before))>
                        {move || if pending.get() { "Loading…" } else { "Show older" }}
                    </button>
                })}
            </div>
            <div class="modal-footer">
                <button type="button" class="btn" on:click=move |_| state.close()>"Close"</button>
            </div>
        </Modal>
    }
}

#[component]
fn Entry(entry: HistoryEntry) -> impl IntoView {
    let HistoryEntry {
        at,
        actor,
        what,
        changes,
        ..
    } = entry;
    view! {
        <li class="history-entry">
            <p class="history-head">
                <strong>{what}</strong>
                <span class="muted">" by " {actor} " · "
                    <time datetime=at.iso title=at.exact>{at.relative}</time>
                </span>
            </p>
            <ChangeList changes />
        </li>
    }
}

/// The fields an entry changed, each from what to what (History and Activity).
#[component]
pub fn ChangeList(changes: Vec<FieldChange>) -> impl IntoView {
    (!changes.is_empty()).then(|| {
        view! {
            <ul class="history-changes">
                {changes.into_iter().map(|c| {
                    // A first value (a creation) has no "before".
                    let before = (!c.from.is_empty()).then(|| view! {
                        <span class="history-from">{c.from}</span>
                        <span aria-hidden="true">" → "</span>
                        <span class="sr-only">" changed to "</span>
                    });
                    let to = if c.to.is_empty() { "(none)".to_string() } else { c.to };
                    view! {
                        <li>
                            <span class="history-field">{c.field} ": "</span>
                            {before}
                            <span class="history-to">{to}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    })
}
