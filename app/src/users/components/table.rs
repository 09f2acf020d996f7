//! The user table: sortable headers, the rows (the server's HTML, see `rows.rs`), keyset paging,
//! and the empty state.

use leptos::prelude::*;

use super::actions::{on_row_click, on_row_select, show_selection};
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
    let ids = StoredValue::new(page.ids);
    let selection = state.selection;
    let ticked = move || {
        selection.with(|s| ids.with_value(|ids| ids.iter().filter(|id| s.has(**id)).count()))
    };
    let body = NodeRef::<leptos::html::Tbody>::new();
    // The rows are the server's HTML: tick their boxes as the selection says, whenever either
    // changes (the browser only).
    Effect::new(move |_| {
        let s = selection.get();
        if let Some(body) = body.get() {
            show_selection(&body, &s);
        }
    });
    view! {
        <div class="table-wrap">
            <table class="table">
                <caption class="sr-only">"Users"</caption>
                <thead>
                    <tr>
                        <th scope="col" class="select-col">
                            <input type="checkbox" id="select-page" aria-label="Select every user on this page"
                                prop:checked=move || ticked() == ids.with_value(Vec::len)
                                prop:indeterminate=move || { let n = ticked(); n > 0 && n < ids.with_value(Vec::len) }
                                on:change=move |_| ids.with_value(|ids| selection.update(|s| s.toggle_page(ids))) />
                        </th>
                        <SortHeader key=SortKey::Name label="User" query />
                        <SortHeader key=SortKey::Type label="Type" query />
                        <th scope="col">"Roles"</th>
                        <SortHeader key=SortKey::Status label="Status" query />
                        <SortHeader key=SortKey::LastLogin label="Last Login" query />
                        <th scope="col" class="text-right">"Actions"</th>
                    </tr>
                </thead>
                <tbody node_ref=body inner_html=page.html on:click=move |ev| on_row_click(ev, state)
                    on:change=move |ev| ids.with_value(|ids| on_row_select(ev, state, ids))></tbody>
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
