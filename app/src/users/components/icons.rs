//! The page's icons (decorative: the buttons carry the names). Their shapes are defined once per
//! page, in [`IconSprite`]; each icon is a `<use>` of one, a few dozen bytes a row instead of
//! the whole path three times a row. A page that draws icons renders the sprite once (the users
//! page does, at its top).

use leptos::prelude::*;

/// The shapes: `(name, path)`, drawn on a 24 × 24 grid with a 2-pixel round stroke.
const SHAPES: [(&str, &str); 8] = [
    ("pencil", "M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4"),
    (
        "lock-reset",
        "M7 11V8a5 5 0 0 1 9.6-2M5 11h14v9H5zM12 15v2M20 4v4h-4",
    ),
    (
        "person-off",
        "M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21v-1a6 6 0 0 1 10-4.5M16 16l5 5M21 16l-5 5",
    ),
    (
        "person-check",
        "M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21v-1a6 6 0 0 1 10-4.5M15 19l2 2 4-4",
    ),
    ("refresh", "M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7"),
    ("plus", "M12 5v14M5 12h14"),
    ("download", "M12 4v11M7 10l5 5 5-5M5 20h14"),
    ("history", "M3 12a9 9 0 1 0 3-6.7M3 4v5h5M12 8v4l3 2"),
];

/// The icons' shapes, once per page (hidden; `<use>` draws them in the colour of the text
/// around each icon).
#[component]
pub fn IconSprite() -> impl IntoView {
    view! {
        <svg class="icon-sprite" aria-hidden="true" focusable="false">
            {SHAPES
                .iter()
                .map(|(name, path)| {
                    view! {
                        <symbol id=format!("icon-{name}") viewBox="0 0 24 24">
                            <path d=*path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
                        </symbol>
                    }
                })
                .collect_view()}
        </svg>
    }
}

fn icon(href: &'static str) -> impl IntoView {
    view! {
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
            <use href=href />
        </svg>
    }
}

/// Edit.
#[cfg(feature = "ssr")]
pub fn pencil() -> impl IntoView {
    icon("#icon-pencil")
}

/// Reset password.
#[cfg(feature = "ssr")]
pub fn lock_reset() -> impl IntoView {
    icon("#icon-lock-reset")
}

/// Suspend.
#[cfg(feature = "ssr")]
pub fn person_off() -> impl IntoView {
    icon("#icon-person-off")
}

/// Reactivate.
#[cfg(feature = "ssr")]
pub fn person_check() -> impl IntoView {
    icon("#icon-person-check")
}

/// Refresh.
pub fn refresh() -> impl IntoView {
    icon("#icon-refresh")
}

/// Add.
pub fn plus() -> impl IntoView {
    icon("#icon-plus")
}

/// Export (a download).
pub fn download() -> impl IntoView {
    icon("#icon-download")
}

/// History.
#[cfg(feature = "ssr")]
pub fn history() -> impl IntoView {
    icon("#icon-history")
}
