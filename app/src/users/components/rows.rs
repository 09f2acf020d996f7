//! The table's rows, rendered on the server only: the browser receives them as HTML (in the page,
//! or from `users_table` on a reload) and puts them in the table's body as they are, so the
//! page's hydration data does not carry them a second time and hydration does not walk them.
//! The row buttons act through one listener on the table body (`actions.rs`), reading what
//! they need from their `data-` attributes.

use leptos::prelude::*;

use super::icons;
use crate::users::model::{RoleTag, Status, UserSummary};

/// How many role tags a row shows before "+N".
const TAGS_SHOWN: usize = 2;

/// The `<tr>` of each user, as HTML (escaped by the renderer like any view).
pub fn rows_html(rows: Vec<UserSummary>) -> String {
    rows.into_iter()
        .map(|u| view! { <Row user=u /> })
        .collect_view()
        .to_html()
}

#[component]
fn Row(user: UserSummary) -> impl IntoView {
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
    let select = format!("Select {name}");
    view! {
        <tr>
            <td class="select-col">
                <input type="checkbox" class="row-check" id=format!("select-{}", user.id)
                    data-select=user.id aria-label=select />
            </td>
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
            <td class="text-right"><RowActions user /></td>
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

/// Edit, Reset password, Suspend / Reactivate and History for one user. Each button names the action
/// and the user (for screen readers and as a tooltip), and says what it does to whom in
/// `data-action`, `data-user` and `data-name`, for the table body's listener.
#[component]
fn RowActions(user: UserSummary) -> impl IntoView {
    let name = user.full_name();
    let id = user.id;
    let (toggle, toggle_label, toggle_icon) = match user.status {
        Status::Active => (
            "suspend",
            format!("Suspend {name}"),
            icons::person_off().into_any(),
        ),
        Status::Suspended => (
            "reactivate",
            format!("Reactivate {name}"),
            icons::person_check().into_any(),
        ),
    };
    let button = |action: &'static str, id_prefix: &str, label: String, icon: AnyView| {
        view! {
            <button
                type="button"
                class="icon-btn"
                class:icon-btn-danger=action == "suspend"
                id=format!("{id_prefix}-{id}")
                aria-label=label.clone()
                data-tooltip=label
                data-action=action
                data-user=id
                data-name=name.clone()
            >
                {icon}
            </button>
        }
    };
    view! {
        <div class="icon-btns">
            {button("edit", "edit", format!("Edit {name}"), icons::pencil().into_any())}
            {button("reset", "reset", format!("Reset password of {name}"), icons::lock_reset().into_any())}
            {button(toggle, "status", toggle_label, toggle_icon)}
            {button("history", "history", format!("History of {name}"), icons::history().into_any())}
        </div>
    }
}
