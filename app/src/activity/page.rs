//! The Activity page: the filters (a GET form, so it works without JavaScript) and a page of
//! the tenant's audit records, newest first, with links to the newer and older pages.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::server::activity;
use super::{ActivityEntry, ActivityPage as Page, ActivityQuery, action_options};
use crate::auth::components::SignedInHeader;
use crate::auth::model::Viewer;
use crate::error::AppError;
use crate::ui::{ErrorPanel, Feedback, TextField};
use crate::users::components::ChangeList;
use crate::users::query::percent_encode;

/// The Activity page of a tenant admin. Built once per request, like the users page: the
/// resource is made here and only awaited inside the `Transition`.
#[component]
pub fn Activity(viewer: Viewer) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Ok(app) = crate::server::state() {
        app.metrics.page_built("activity");
    }
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|m| ActivityQuery::from_pairs(|k| m.get_str(k))));
    let page = Resource::new(
        move || query.get(),
        |q: ActivityQuery| async move {
            let page = activity(q.clone()).await;
            (q, page)
        },
    );
    // The control that asked for the page on screen, focused again once it is there (its
    // element was replaced). Set in the browser only.
    let refocus = RwSignal::new(None::<&'static str>);
    view! {
        <Title text="Activity" />
        <SignedInHeader viewer />
        <main class="page" id="main">
            <div class="page-header">
                <div>
                    <h1>"Activity"</h1>
                    <p class="muted">"Every change made in your organisation, newest first."</p>
                </div>
            </div>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let (shown, result) = page.await;
                    #[cfg(feature = "hydrate")]
                    if let Some(id) = refocus.try_update(Option::take).flatten() {
                        // A page link the new page lacks (the last page has no "Older"):
                        // the one that leads back.
                        let id = match (&result, id) {
                            (Ok(p), "activity-older") if p.older.is_none() => "activity-newer",
                            (Ok(p), "activity-newer" | "activity-newest") if p.newer.is_none() => {
                                "activity-older"
                            }
                            _ => id,
                        };
                        crate::ui::focus_later(id.into());
                    }
                    // The form is rebuilt in place for the new view, and an input someone typed
                    // in no longer follows its `value` attribute: show the view's filters.
                    #[cfg(feature = "hydrate")]
                    {
                        let shown = shown.clone();
                        request_animation_frame(move || show_filters(&shown));
                    }
                    let feedback = result.as_ref().err().map(Feedback::from);
                    let listing = match result {
                        Ok(p) => view! { <Listing page=p query=shown.clone() refocus /> }.into_any(),
                        Err(AppError::Invalid(_)) => view! {
                            <p class="form-alert" role="alert">"Correct the highlighted filters to see the activity."</p>
                        }.into_any(),
                        Err(e) => {
                            // A session that ended meanwhile: to sign-in, as the users page does.
                            #[cfg(feature = "hydrate")]
                            if matches!(e, AppError::NotSignedIn) {
                                let _ = window().location().set_href("/sign-in");
                            }
                            view! { <ErrorPanel message=e.to_string() /> }.into_any()
                        }
                    };
                    view! {
                        <Filters query=shown feedback refocus />
                        {listing}
                    }
                })}
            </Transition>
        </main>
    }
}

/// Puts the filters of `q` in the form's fields (the browser's, once rendered).
#[cfg(feature = "hydrate")]
fn show_filters(q: &ActivityQuery) {
    use wasm_bindgen::JsCast;
    for (id, value) in [
        ("field-actor", &q.actor),
        ("field-action", &q.action),
        ("field-from", &q.from),
        ("field-to", &q.to),
    ] {
        let Some(el) = document().get_element_by_id(id) else {
            continue;
        };
        if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
            if input.value() != *value {
                input.set_value(value);
            }
        } else if let Some(select) = el.dyn_ref::<web_sys::HtmlSelectElement>() {
            select.set_value(value);
            // An action not on the list (the server said so next to the field): "Any action".
            if select.selected_index() < 0 {
                select.set_selected_index(0);
            }
        }
    }
}

/// The filters: actor's email, action, first and last day. A GET form to `/activity`; once
/// hydrated it puts the view in the URL without reloading the page.
#[component]
fn Filters(
    query: ActivityQuery,
    feedback: Option<Feedback>,
    refocus: RwSignal<Option<&'static str>>,
) -> impl IntoView {
    let error = Signal::stored(feedback.clone());
    let action_error = feedback.and_then(|f| f.field("action"));
    let action_invalid = action_error.is_some();
    let navigate = use_navigate();
    let on_submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let value = |id: &str| {
            use wasm_bindgen::JsCast;
            document()
                .get_element_by_id(id)
                .and_then(|el| {
                    el.dyn_ref::<web_sys::HtmlInputElement>()
                        .map(|i| i.value())
                        .or_else(|| {
                            el.dyn_ref::<web_sys::HtmlSelectElement>()
                                .map(|s| s.value())
                        })
                })
                .unwrap_or_default()
                .trim()
                .to_string()
        };
        let query = ActivityQuery {
            actor: value("field-actor"),
            action: value("field-action"),
            from: value("field-from"),
            to: value("field-to"),
            before: None,
            after: None,
        };
        refocus.set(Some("activity-apply"));
        navigate(
            &format!("/activity{}", query.to_query_string()),
            NavigateOptions::default(),
        );
    };
    let filtered = query.is_filtered();
    view! {
        <form class="filter-bar activity-filters" method="get" action="/activity" role="search"
            aria-label="Filter activity" on:submit=on_submit>
            <TextField name="actor" label="Made by (email)" value=query.actor.clone()
                autocomplete="off" error />
            <div class="field" class:field-invalid=action_invalid>
                <label for="field-action">"Action"</label>
                <select id="field-action" name="action"
                    aria-invalid=action_invalid.then_some("true")
                    aria-describedby=action_invalid.then_some("field-action-error")>
                    <option value="" selected=query.action.is_empty()>"Any action"</option>
                    {action_options().map(|(value, label)| {
                        let selected = query.action == value;
                        view! { <option value=value selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
                <p class="field-error" id="field-action-error" role="alert">{action_error}</p>
            </div>
            <TextField name="from" label="From" kind="date" value=query.from.clone() error />
            <TextField name="to" label="To" kind="date" value=query.to.clone() error />
            <div class="actions">
                <button type="submit" class="btn btn-primary" id="activity-apply">"Apply"</button>
                {filtered.then(|| view! { <a class="btn btn-ghost" href="/activity">"Clear"</a> })}
            </div>
        </form>
    }
}

/// A page of entries with the links to the newer and older ones.
#[component]
fn Listing(
    page: Page,
    query: ActivityQuery,
    refocus: RwSignal<Option<&'static str>>,
) -> impl IntoView {
    let Page {
        entries,
        older,
        newer,
    } = page;
    if entries.is_empty() {
        let message = if query.is_filtered() {
            "No activity matches these filters."
        } else if query.before.is_some() || query.after.is_some() {
            "No more activity."
        } else {
            "No activity recorded yet."
        };
        return view! {
            <p class="empty-state" role="status">{message}</p>
            {(query.before.is_some() || query.after.is_some()).then(|| view! {
                <a class="btn" href=format!("/activity{}", query.first_page().to_query_string())>"Newest"</a>
            })}
        }
        .into_any();
    }
    let link = move |id: &'static str, label: &'static str, target: Option<ActivityQuery>| {
        target.map(|q| {
            view! {
                <a class="btn" id=id href=format!("/activity{}", q.to_query_string())
                    on:click=move |_| refocus.set(Some(id))>{label}</a>
            }
        })
    };
    let newest = newer.map(|_| query.first_page());
    let newer = newer.map(|id| ActivityQuery {
        after: Some(id),
        ..query.first_page()
    });
    let older = older.map(|id| ActivityQuery {
        before: Some(id),
        ..query.first_page()
    });
    view! {
        <ol class="history activity" aria-label="Activity, newest first">
            {entries.into_iter().map(|e| view! { <Entry entry=e /> }).collect_view()}
        </ol>
        <nav class="pagination" aria-label="Pages of activity">
            {link("activity-newest", "Newest", newest)}
            {link("activity-newer", "← Newer", newer)}
            {link("activity-older", "Older →", older)}
        </nav>
    }
    .into_any()
}

#[component]
fn Entry(entry: ActivityEntry) -> impl IntoView {
    let ActivityEntry {
        entry,
        actor_email,
        subject,
    } = entry;
    let at = entry.at;
    // Who it was about, as a link to them on the users page; who did it, as a link to
    // everything they did.
    let subject = subject.map(|s| {
        let name = match s.email {
            Some(email) => view! {
                <a href=format!("/?q={}", percent_encode(&email))>{s.name}</a>
            }
            .into_any(),
            None => view! { <span>{s.name}</span> }.into_any(),
        };
        view! { " · " {name} }
    });
    let actor = match actor_email {
        Some(email) => view! {
            <a href=format!("/activity?actor={}", percent_encode(&email))
                title=format!("Everything {} did", entry.actor)>{entry.actor.clone()}</a>
        }
        .into_any(),
        None => view! { <span>{entry.actor}</span> }.into_any(),
    };
    view! {
        <li class="history-entry">
            <p class="history-head">
                <strong>{entry.what}</strong>
                {subject}
                <span class="muted">" by " {actor} " · "
                    <time datetime=at.iso title=at.relative>{at.exact}</time>
                </span>
            </p>
            <ChangeList changes=entry.changes />
        </li>
    }
}
