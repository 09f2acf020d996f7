//! A labelled text input that shows its server-side error next to itself.

use leptos::prelude::*;

use super::feedback::{Feedback, field_message};

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
