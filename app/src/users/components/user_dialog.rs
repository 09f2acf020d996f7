//! The Add User and Edit dialogs: one form, filled in for Edit, where the user type is shown
//! but cannot change.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{Dialog, PageState};
use crate::error::AppError;
use crate::ui::{BoundField, Feedback, FormAlert, Modal, field_message};
use crate::users::model::{RoleOption, Status, UserInput, UserSummary, UserType};
use crate::users::server::{create_user, list_timezones, update_user};

/// The form's values, one signal per field.
#[derive(Clone, Copy)]
struct Fields {
    first_name: RwSignal<String>,
    last_name: RwSignal<String>,
    email: RwSignal<String>,
    phone: RwSignal<String>,
    external_id: RwSignal<String>,
    timezone: RwSignal<String>,
    user_type: RwSignal<Option<UserType>>,
    status: RwSignal<Status>,
    roles: RwSignal<Vec<i64>>,
    version: RwSignal<i64>,
}

impl Fields {
    fn new(user: Option<&UserSummary>) -> Fields {
        let s = |v: Option<&str>| RwSignal::new(v.unwrap_or_default().to_string());
        Fields {
            first_name: s(user.map(|u| u.profile.first_name.as_str())),
            last_name: s(user.map(|u| u.profile.last_name.as_str())),
            email: s(user.map(|u| u.profile.email.as_str())),
            phone: s(user.and_then(|u| u.profile.phone.as_deref())),
            external_id: s(user.and_then(|u| u.profile.external_id.as_deref())),
            timezone: s(user.and_then(|u| u.profile.timezone.as_deref())),
            user_type: RwSignal::new(user.map(|u| u.user_type)),
            status: RwSignal::new(user.map_or(Status::Active, |u| u.status)),
            roles: RwSignal::new(
                user.map(|u| u.roles.iter().map(|r| r.id).collect())
                    .unwrap_or_default(),
            ),
            version: RwSignal::new(user.map_or(0, |u| u.version)),
        }
    }

    /// Puts a fresh copy of the user into the form (after a stale save).
    fn reload(&self, u: &UserSummary) {
        self.first_name.set(u.profile.first_name.clone());
        self.last_name.set(u.profile.last_name.clone());
        self.email.set(u.profile.email.clone());
        self.phone.set(u.profile.phone.clone().unwrap_or_default());
        self.external_id
            .set(u.profile.external_id.clone().unwrap_or_default());
        self.timezone
            .set(u.profile.timezone.clone().unwrap_or_default());
        self.status.set(u.status);
        self.roles.set(u.roles.iter().map(|r| r.id).collect());
        self.version.set(u.version);
    }

    fn input(&self) -> UserInput {
        UserInput {
            first_name: self.first_name.get_untracked(),
            last_name: self.last_name.get_untracked(),
            email: self.email.get_untracked(),
            phone: self.phone.get_untracked(),
            external_id: self.external_id.get_untracked(),
            timezone: self.timezone.get_untracked(),
            role_ids: self.roles.get_untracked(),
        }
    }
}

/// Add User (`user` is `None`) or Edit.
#[component]
pub fn UserDialog(
    user: Option<UserSummary>,
    roles: Vec<RoleOption>,
    state: PageState,
) -> impl IntoView {
    let editing = user.as_ref().map(|u| u.id);
    let fields = Fields::new(user.as_ref());
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let timezones = Resource::new(|| (), |_| list_timezones());
    let field_error = Signal::derive(move || error.with(|e| e.as_ref().map(Feedback::from)));
    let title = match &user {
        Some(u) => format!("Edit {}", u.full_name()),
        None => "Add User".to_string(),
    };

    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        let form = fields.input();
        spawn_local(async move {
            let result = match editing {
                None => {
                    let user_type = fields.user_type.get_untracked().map(Into::into);
                    create_user(form, user_type).await.map(|issued| {
                        state.changed();
                        state.dialog.set(Some((
                            Dialog::Password {
                                issued: Box::new(issued),
                                created: true,
                            },
                            "add-user".into(),
                        )));
                    })
                }
                Some(id) => {
                    let status = fields.status.get_untracked().into();
                    update_user(id, fields.version.get_untracked(), form, status, None)
                        .await
                        .map(|_| {
                            state.changed();
                            state.close();
                        })
                }
            };
            if let Err(e) = result {
                if let AppError::Conflict(fresh) = &e {
                    fields.reload(fresh);
                }
                state.failed_in_dialog(e, pending, error);
            }
        });
    };

    view! {
        <Modal title on_close=move |_| state.close() wide=true>
            <form class="modal-body" novalidate on:submit=submit id="user-form">
                <FormAlert error=field_error />
                <div class="form-grid">
                    <BoundField name="first_name" label="First Name" value=fields.first_name required=true autocomplete="off" error=field_error />
                    <BoundField name="last_name" label="Last Name" value=fields.last_name required=true autocomplete="off" error=field_error />
                    <BoundField name="email" label="Email" kind="email" value=fields.email required=true autocomplete="off" error=field_error />
                    <BoundField name="phone" label="Phone Number" kind="tel" value=fields.phone autocomplete="off" error=field_error />
                    <BoundField name="external_id" label="External ID" value=fields.external_id autocomplete="off" error=field_error />
                    <TimezoneField value=fields.timezone timezones error=field_error />
                </div>
                {match user.as_ref() {
                    None => view! { <UserTypeChoice value=fields.user_type error=field_error /> }.into_any(),
                    Some(u) => view! {
                        <div class="field">
                            <span class="field-label" id="user-type-label">"User Type"</span>
                            <p aria-labelledby="user-type-label">
                                <span class=format!("badge badge-type-{}", u.user_type.as_str())>{u.user_type.as_str()}</span>
                                " " <span class="muted">"The user type cannot be changed after creation."</span>
                            </p>
                        </div>
                        <StatusField value=fields.status />
                    }.into_any(),
                }}
                <RolesField roles value=fields.roles error=field_error />
            </form>
            <div class="modal-footer">
                <button type="button" class="btn" on:click=move |_| state.close()>"Cancel"</button>
                <button type="submit" form="user-form" class="btn btn-primary"
                    aria-busy=move || pending.get().then_some("true") disabled=move || pending.get()>
                    {move || match (editing.is_some(), pending.get()) {
                        (false, false) => "Create",
                        (false, true) => "Creating…",
                        (true, false) => "Save",
                        (true, true) => "Saving…",
                    }}
                </button>
            </div>
        </Modal>
    }
}

#[component]
fn TimezoneField(
    value: RwSignal<String>,
    timezones: Resource<Result<Vec<String>, AppError>>,
    error: Signal<Option<Feedback>>,
) -> impl IntoView {
    let msg = field_message(error, "timezone".into());
    view! {
        <div class="field" class:field-invalid=move || msg.get().is_some()>
            <label for="user-timezone">"Timezone"</label>
            <select id="user-timezone" name="timezone"
                aria-invalid=move || msg.get().is_some().then_some("true")
                aria-describedby=move || msg.get().is_some().then_some("user-timezone-error")
                on:change=move |e| value.set(event_target_value(&e))>
                <option value="" selected=move || value.with(String::is_empty)>"Tenant default"</option>
                <Suspense fallback=|| view! { <option disabled>"Loading…"</option> }>
                    {move || Suspend::new(async move {
                        timezones.await.unwrap_or_default().into_iter().map(|tz| {
                            let selected = {
                                let tz = tz.clone();
                                move || value.with(|v| *v == tz)
                            };
                            let label = tz.clone();
                            view! { <option value=tz selected=selected>{label}</option> }
                        }).collect_view()
                    })}
                </Suspense>
            </select>
            <p class="field-error" id="user-timezone-error">{move || msg.get()}</p>
        </div>
    }
}

#[component]
fn UserTypeChoice(
    value: RwSignal<Option<UserType>>,
    error: Signal<Option<Feedback>>,
) -> impl IntoView {
    let legend = view! { "User Type" <span aria-hidden="true">" *"</span> }.into_any();
    let choices = UserType::ALL
        .into_iter()
        .map(|t| {
            view! {
                <label class="check">
                    <input type="radio" name="user_type" value=t.as_str()
                        prop:checked=move || value.get() == Some(t)
                        on:change=move |_| value.set(Some(t)) />
                    <span>
                        <span class=format!("badge badge-type-{}", t.as_str())>{t.as_str()}</span>
                        " " <span class="muted">{t.access()}</span>
                    </span>
                </label>
            }
        })
        .collect_view();
    check_group(
        legend,
        "user-type-error",
        field_message(error, "user_type".into()),
        choices.into_any(),
    )
}

#[component]
fn StatusField(value: RwSignal<Status>) -> impl IntoView {
    view! {
        <div class="field">
            <label for="user-status">"Status"</label>
            <select id="user-status" name="status"
                on:change=move |e| value.set(Status::parse(&event_target_value(&e)).unwrap_or(Status::Active))>
                <option value="active" selected=move || value.get() == Status::Active>"Active"</option>
                <option value="suspended" selected=move || value.get() == Status::Suspended>"Suspended"</option>
            </select>
        </div>
    }
}

#[component]
fn RolesField(
    roles: Vec<RoleOption>,
    value: RwSignal<Vec<i64>>,
    error: Signal<Option<Feedback>>,
) -> impl IntoView {
    let choices = roles
        .into_iter()
        .map(|r| {
            let id = r.id;
            view! {
                <label class="check" title=r.description.clone()>
                    <input type="checkbox" name="role_ids" value=id.to_string()
                        prop:checked=move || value.with(|v| v.contains(&id))
                        on:change=move |e| {
                            let on = event_target_checked(&e);
                            value.update(|v| {
                                v.retain(|x| *x != id);
                                if on { v.push(id); }
                            });
                        } />
                    <span>{r.name}</span>
                </label>
            }
        })
        .collect_view();
    let legend = view! { "Roles" }.into_any();
    check_group(
        legend,
        "user-roles-error",
        field_message(error, "role_ids".into()),
        choices.into_any(),
    )
}

/// A fieldset of checkboxes or radio buttons with its legend and the message of its field,
/// tied to it by `aria-describedby` while shown.
fn check_group(
    legend: AnyView,
    error_id: &'static str,
    msg: Memo<Option<String>>,
    choices: AnyView,
) -> impl IntoView {
    view! {
        <fieldset class="field" class:field-invalid=move || msg.get().is_some()
            aria-describedby=move || msg.get().is_some().then_some(error_id)>
            <legend>{legend}</legend>
            <div class="check-list">{choices}</div>
            <p class="field-error" id=error_id>{move || msg.get()}</p>
        </fieldset>
    }
}
