//! A failure a page could not recover from by itself, with a way to try again.

use leptos::prelude::*;

/// The message of a failure and a Retry link that loads the page again.
#[component]
pub fn ErrorPanel(
    /// What failed, in words for the person.
    #[prop(into)]
    message: String,
) -> impl IntoView {
    view! {
        <div class="error-panel" role="alert">
            <p>{message}</p>
            <a class="btn" href="">"Retry"</a>
        </div>
    }
}
