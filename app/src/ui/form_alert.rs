//! The form-level message of a failed reply.

use leptos::prelude::*;

use super::feedback::Feedback;

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
