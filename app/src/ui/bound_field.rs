//! A labelled input bound to a signal, with its server-side error next to itself.

use leptos::prelude::*;

use super::feedback::{Feedback, field_message};

/// A labelled input bound to a signal (the dialogs' fields), with its error like [`TextField`](super::TextField).
#[component]
pub fn BoundField(
    /// The field's name in the server function's error.
    #[prop(into)]
    name: String,
    /// What the last reply said, if anything.
    #[prop(into)]
    error: Signal<Option<Feedback>>,
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
) -> impl IntoView {
    let message = field_message(error, name.clone());
    let id = format!("user-{name}");
    let error_id = format!("{id}-error");
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
