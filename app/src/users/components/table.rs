//! The user table: sortable headers, the rows (the server's HTML, see `rows.rs`), keyset paging,
//! and the empty state.

use leptos::prelude::*;

use super::actions::on_row_click;
use super::state::PageState;
use crate::users::query::{SortKey, TablePage, UserQuery};

#[component]
pub fn UserTable(page: TablePage, state: PageState) -> impl IntoView {
    let query = state.query;
    if page.rows == 0 {
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
                <tbody inner_html=page.html on:click=move |ev| on_row_click(ev, state)></tbody>
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
