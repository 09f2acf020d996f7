//! The filter bar: Search, Status, User Type, Role, sort and page size. A plain GET form, so
//! it works before the wasm loads and without JavaScript; once hydrated, every change updates
//! the URL (and so the list) in place, Search after a short pause.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use crate::error::AppError;
use crate::users::model::{RoleOption, Status, UserType};
use crate::users::query::{PAGE_SIZES, SortKey, UserQuery};

/// How long Search waits after the last keystroke.
const SEARCH_PAUSE_MS: u64 = 300;

/// Navigates to the view `q` (its first page) without reloading the page.
pub fn navigator() -> impl Fn(UserQuery) + Clone + 'static {
    let navigate = use_navigate();
    move |q: UserQuery| {
        navigate(
            &format!("/{}", q.first_page().to_query_string()),
            NavigateOptions::default(),
        )
    }
}

#[component]
pub fn FilterBar(
    /// The view in the URL.
    query: Memo<UserQuery>,
    /// The tenant's roles, for the Role filter.
    roles: Resource<Result<Vec<RoleOption>, AppError>>,
) -> impl IntoView {
    let go = navigator();
    let search = NodeRef::<leptos::html::Input>::new();
    // Back, Forward and Clear change the URL: show its search text, unless it is what the
    // person is typing (trimmed), so the caret never jumps.
    Effect::new(move |_| {
        let q = query.get().q;
        if let Some(input) = search.get()
            && input.value().trim() != q
        {
            input.set_value(&q);
        }
    });
    let pending = StoredValue::new(None::<leptos::prelude::TimeoutHandle>);
    let on_search = {
        let go = go.clone();
        move |_| {
            if let Some(h) = pending.get_value() {
                h.clear();
            }
            let go = go.clone();
            let handle = set_timeout_with_handle(
                move || {
                    let Some(input) = search.get_untracked() else {
                        return;
                    };
                    let text = input.value().trim().to_string();
                    let current = query.get_untracked();
                    if text != current.q {
                        go(UserQuery { q: text, ..current });
                    }
                },
                std::time::Duration::from_millis(SEARCH_PAUSE_MS),
            )
            .ok();
            pending.set_value(handle);
        }
    };
    let on_submit = {
        let go = go.clone();
        move |e: leptos::ev::SubmitEvent| {
            e.prevent_default();
            let text = search
                .get_untracked()
                .map(|i| i.value().trim().to_string())
                .unwrap_or_default();
            go(UserQuery {
                q: text,
                ..query.get_untracked()
            });
        }
    };
    let change = move |apply: fn(&mut UserQuery, &str)| {
        let go = go.clone();
        move |e: leptos::ev::Event| {
            let mut q = query.get_untracked();
            apply(&mut q, &event_target_value(&e));
            go(q);
        }
    };
    view! {
        <form class="filter-bar" method="get" action="/" role="search" aria-label="Filter users" on:submit=on_submit>
            <div class="field field-search">
                <label for="filter-q">"Search"</label>
                <input
                    id="filter-q"
                    node_ref=search
                    type="search"
                    name="q"
                    placeholder="Name or email"
                    autocomplete="off"
                    maxlength="200"
                    value=move || query.with_untracked(|q| q.q.clone())
                    on:input=on_search
                />
            </div>
            <div class="field">
                <label for="filter-status">"Status"</label>
                <select id="filter-status" name="status" on:change=change(|q, v| q.status = Status::parse(v))>
                    <option value="" selected=move || query.with(|q| q.status.is_none())>"All"</option>
                    <option value="active" selected=move || query.with(|q| q.status == Some(Status::Active))>"Active"</option>
                    <option value="suspended" selected=move || query.with(|q| q.status == Some(Status::Suspended))>"Suspended"</option>
                </select>
            </div>
            <div class="field">
                <label for="filter-type">"User Type"</label>
                <select id="filter-type" name="type" on:change=change(|q, v| q.user_type = UserType::parse(v))>
                    <option value="" selected=move || query.with(|q| q.user_type.is_none())>"All"</option>
                    {UserType::ALL.into_iter().map(|t| view! {
                        <option value=t.as_str() selected=move || query.with(|q| q.user_type == Some(t))>{t.as_str()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-role">"Role"</label>
                <select id="filter-role" name="role" on:change=change(|q, v| q.role = v.parse().ok())>
                    <option value="" selected=move || query.with(|q| q.role.is_none())>"All"</option>
                    <Transition>
                        {move || Suspend::new(async move {
                            roles.await.unwrap_or_default().into_iter().map(|r| {
                                let id = r.id;
                                view! {
                                    <option value=id.to_string() selected=move || query.with(|q| q.role == Some(id))>{r.name}</option>
                                }
                            }).collect_view()
                        })}
                    </Transition>
                </select>
            </div>
            <div class="field">
                <label for="filter-sort">"Sort by"</label>
                <select id="filter-sort" name="sort" on:change=change(|q, v| q.sort = SortKey::parse(v).unwrap_or_default())>
                    {SortKey::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str() selected=move || query.with(|q| q.sort == k)>{k.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field field-compact">
                <label for="filter-dir">"Order"</label>
                <select id="filter-dir" name="dir" on:change=change(|q, v| q.desc = v == "desc")>
                    <option value="asc" selected=move || query.with(|q| !q.desc)>"Ascending"</option>
                    <option value="desc" selected=move || query.with(|q| q.desc)>"Descending"</option>
                </select>
            </div>
            <div class="field field-compact">
                <label for="filter-size">"Per page"</label>
                <select id="filter-size" name="size" on:change=change(|q, v| q.size = v.parse().unwrap_or(25))>
                    {PAGE_SIZES.into_iter().map(|s| view! {
                        <option value=s.to_string() selected=move || query.with(|q| q.page_size() == s)>{s}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="actions">
                <button type="submit" class="btn">"Apply"</button>
                <a class="btn btn-ghost" href="/" aria-disabled=move || (!query.with(UserQuery::is_filtered)).then_some("true")>"Clear filters"</a>
            </div>
        </form>
    }
}
