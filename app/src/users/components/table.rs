//! The user table: one row per user, sortable headers, keyset paging, empty and error states.

use leptos::prelude::*;

use super::actions::RowActions;
use super::state::PageState;
use crate::users::model::{RoleTag, Status, UserSummary};
use crate::users::query::{SortKey, UserPage, UserQuery};

/// How many role tags a row shows before "+N".
const TAGS_SHOWN: usize = 2;

#[component]
pub fn UserTable(page: UserPage, state: PageState) -> impl IntoView {
    let query = state.query;
    if page.rows.is_empty() {
        return view! {
            <div class="empty-state" role="status">
                <p><strong>"No users match these filters"</strong></p>
                <a class="btn" href="/">"Clear filters"</a>
            </div>
        }
        .into_any();
    }
    let (next, prev) = (page.next, page.prev);
    view! {
        <div class="table-wrap">
            <table class="table">
                <caption class="sr-only">"Users"</caption>
                <thead>
                    <tr>
                        <SortHeader key=SortKey::Name label="User" query />
                        <SortHeader key=SortKey::Type label="Type" query />
                        <th scope="col">"Roles"</th>
                        <SortHeader key=SortKey::Status label="Status" query />
                        <SortHeader key=SortKey::LastLogin label="Last Login" query />
                        <th scope="col" class="text-right">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    {page.rows.into_iter().map(|u| view! { <Row user=u state /> }).collect_view()}
                </tbody>
            </table>
        </div>
        <nav class="pagination" aria-label="Pages">
            {move || {
                let q = query.get();
                let first = (prev.is_some()).then(|| q.first_page().to_query_string());
                let before = prev.map(|id| UserQuery { after: None, before: Some(id), ..q.clone() }.to_query_string());
                let after = next.map(|id| UserQuery { after: Some(id), before: None, ..q.clone() }.to_query_string());
                view! {
                    {first.map(|h| view! { <a class="btn btn-sm" href=format!("/{h}")>"First page"</a> })}
                    {before.map(|h| view! { <a class="btn btn-sm" href=format!("/{h}") rel="prev">"Previous"</a> })}
                    {after.map(|h| view! { <a class="btn btn-sm" href=format!("/{h}") rel="next">"Next"</a> })}
                }
            }}
        </nav>
    }
    .into_any()
}

/// A column header that sorts by its key; a second click reverses the order.
#[component]
fn SortHeader(key: SortKey, label: &'static str, query: Memo<UserQuery>) -> impl IntoView {
    let aria_sort = move || {
        query.with(|q| match (q.sort == key, q.desc) {
            (false, _) => "none",
            (true, false) => "ascending",
            (true, true) => "descending",
        })
    };
    let href = move || {
        query.with(|q| {
            let desc = q.sort == key && !q.desc;
            format!(
                "/{}",
                UserQuery {
                    sort: key,
                    desc,
                    ..q.first_page()
                }
                .to_query_string()
            )
        })
    };
    view! {
        <th scope="col" aria-sort=aria_sort>
            <a class="sort-btn" href=href>{label}<span class="sr-only">", sort"</span></a>
        </th>
    }
}

#[component]
fn Row(user: UserSummary, state: PageState) -> impl IntoView {
    let name = user.full_name();
    let type_class = format!("badge badge-type-{}", user.user_type.as_str());
    let (status_class, status_label) = match user.status {
        Status::Active => ("badge badge-active", "Active"),
        Status::Suspended => ("badge badge-suspended", "Suspended"),
    };
    let last_login = match &user.last_login {
        Some(t) => view! {
            <time datetime=t.iso.clone() title=t.exact.clone()>{t.relative.clone()}</time>
        }
        .into_any(),
        None => view! { <span class="muted">"Never"</span> }.into_any(),
    };
    view! {
        <tr>
            <td>
                <div class="user-cell">
                    <span class="avatar" style=format!("--avatar-hue: {}", user.avatar_hue()) aria-hidden="true">
                        {user.profile.initials()}
                    </span>
                    <div class="user-text">
                        <span class="user-name">{name}</span>
                        <span class="user-email">{user.profile.email.clone()}</span>
                    </div>
                </div>
            </td>
            <td><span class=type_class>{user.user_type.as_str()}</span></td>
            <td><RoleTags roles=user.roles.clone() /></td>
            <td><span class=status_class>{status_label}</span></td>
            <td class="nowrap">{last_login}</td>
            <td class="text-right"><RowActions user state /></td>
        </tr>
    }
}

#[component]
fn RoleTags(roles: Vec<RoleTag>) -> impl IntoView {
    if roles.is_empty() {
        return view! { <span class="muted">"—"</span> }.into_any();
    }
    let hidden: Vec<String> = roles
        .iter()
        .skip(TAGS_SHOWN)
        .map(|r| r.name.clone())
        .collect();
    let more = (!hidden.is_empty()).then(|| {
        let title = hidden.join(", ");
        view! {
            <span class="tag tag-more" title=title.clone()>
                {format!("+{}", hidden.len())}
                <span class="sr-only">{format!(": {title}")}</span>
            </span>
        }
    });
    view! {
        <span class="tags">
            {roles.into_iter().take(TAGS_SHOWN).map(|r| view! { <span class="tag">{r.name}</span> }).collect_view()}
            {more}
        </span>
    }
    .into_any()
}
