//! A labelled form field that shows its server-side error next to itself.

use leptos::prelude::*;

/// What the last reply said about a form: one message for the whole form, or one message per
/// field. Pages turn their own error type into this; the kit knows none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Feedback {
    /// A message for the form as a whole (shown by [`FormAlert`]).
    pub form: Option<String>,
    /// `(field name, message)` pairs.
    pub fields: Vec<(String, String)>,
}

impl Feedback {
    /// The message of one field, if there is one.
    pub fn field(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, m)| m.clone())
    }
}

/// The message of the field `name` in what the last reply said, if it has one.
pub fn field_message(error: Signal<Option<Feedback>>, name: String) -> Memo<Option<String>> {
    Memo::new(move |_| error.with(|e| e.as_ref().and_then(|e| e.field(&name))))
}

/// A labelled `<input>` whose error, when the last reply had one for `name`, is shown below it
/// and announced through `aria-invalid` and `aria-describedby`.
#[component]
pub fn TextField(
    /// The form name, which is also the server function's argument name.
    #[prop(into)]
    name: String,
    /// The visible label.
    #[prop(into)]
    label: String,
    /// The input type: `text`, `email`, `password`…
    #[prop(into, default = "text".into())]
    kind: String,
    /// The browser's autocomplete hint.
    #[prop(into, optional)]
    autocomplete: Option<String>,
    /// Initial value.
    #[prop(into, optional)]
    value: Option<String>,
    /// A hint shown under the label.
    #[prop(into, optional)]
    hint: Option<String>,
    #[prop(optional)] required: bool,
    /// What the last reply said, if anything.
    #[prop(into)]
    error: Signal<Option<Feedback>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let message = field_message(error, name.clone());
    let has_hint = hint.is_some();
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if message.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field-invalid=move || message.get().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id.clone()>{h}</p> })}
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                value=value
                required=required
                aria-invalid=move || message.get().is_some().then_some("true")
                aria-describedby=described_by
            />
            <p class="field-error" id=error_id role="alert">
                {move || message.get()}
            </p>
        </div>
    }
}

/// The form-level message of a failed reply (anything that is not a field error).
#[component]
pub fn FormAlert(
    /// What the last reply said, if anything.
    #[prop(into)]
    error: Signal<Option<Feedback>>,
) -> impl IntoView {
    let text = move || error.with(|e| e.as_ref().and_then(|e| e.form.clone()));
    view! {
        <div class="form-alert" role="alert" hidden=move || text().is_none()>
            {text}
        </div>
    }
}

/// A labelled input bound to a signal (the dialogs' fields), with its error like [`TextField`].
#[component]
pub fn BoundField(
    /// The field's name in the server function's error.
    #[prop(into)]
    name: String,
    /// The visible label.
    #[prop(into)]
    label: String,
    /// The value, read and written as the person types.
    value: RwSignal<String>,
    /// The input type.
    #[prop(into, default = "text".into())]
    kind: String,
    #[prop(into, optional)] autocomplete: Option<String>,
    #[prop(optional)] required: bool,
    /// What the last reply said, if anything.
    #[prop(into)]
    error: Signal<Option<Feedback>>,
) -> impl IntoView {
    let id = format!("user-{name}");
    let error_id = format!("{id}-error");
    let message = field_message(error, name.clone());
    view! {
        <div class="field" class:field-invalid=move || message.get().is_some()>
            <label for=id.clone()>{label}{required.then_some(view! { <span aria-hidden="true">" *"</span> })}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                bind:value=value
                aria-invalid=move || message.get().is_some().then_some("true")
                aria-describedby={
                    let error_id = error_id.clone();
                    move || message.get().is_some().then(|| error_id.clone())
                }
            />
            <p class="field-error" id=error_id.clone()>{move || message.get()}</p>
        </div>
    }
}
