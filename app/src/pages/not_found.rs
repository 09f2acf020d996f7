//! Any path that is not a page: a 404 with a way back.

use leptos::prelude::*;
use leptos_meta::Title;

/// Any path that is not a page.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <main class="page narrow">
            <h1>"Page not found"</h1>
            <p><a href="/">"Go to the portal"</a></p>
        </main>
    }
}
