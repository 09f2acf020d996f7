//! The page's icons, drawn inline (decorative: the buttons carry the names).

use leptos::prelude::*;

fn svg(path: &'static str) -> impl IntoView {
    view! {
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
            <path d=path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
        </svg>
    }
}

/// Edit.
pub fn pencil() -> impl IntoView {
    svg("M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4")
}

/// Reset password.
pub fn lock_reset() -> impl IntoView {
    svg("M7 11V8a5 5 0 0 1 9.6-2M5 11h14v9H5zM12 15v2M20 4v4h-4")
}

/// Suspend.
pub fn person_off() -> impl IntoView {
    svg("M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21v-1a6 6 0 0 1 10-4.5M16 16l5 5M21 16l-5 5")
}

/// Reactivate.
pub fn person_check() -> impl IntoView {
    svg("M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21v-1a6 6 0 0 1 10-4.5M15 19l2 2 4-4")
}

/// Refresh.
pub fn refresh() -> impl IntoView {
    svg("M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7")
}

/// Add.
pub fn plus() -> impl IntoView {
    svg("M12 5v14M5 12h14")
}
