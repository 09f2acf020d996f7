//! A modal dialog on the native `<dialog>`: focus moves in when it opens, Tab and Shift+Tab
//! cycle inside it, Escape closes it, and focus returns to the element that opened it.

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Focusable elements inside a dialog, for keeping Tab inside it.
const FOCUSABLE: &str = "button:not([disabled]), input:not([disabled]):not([type=hidden]), \
                         select:not([disabled]), textarea:not([disabled]), a[href]";

/// Opens the dialog once it is in the document: `showModal` refuses a detached element, and a
/// dialog built inside a `Suspense` (the lazily loaded dialogs, see `users_page.rs`) gets its
/// node before the `Suspense` puts it in the page. Stops if the dialog is gone first.
fn open_when_mounted(dialog: NodeRef<html::Dialog>) {
    let Some(d) = dialog.try_get_untracked().flatten() else {
        return;
    };
    if d.open() {
        return;
    }
    if d.is_connected() {
        let _ = d.show_modal();
    } else {
        request_animation_frame(move || open_when_mounted(dialog));
    }
}

/// A modal dialog. Render it to open it; it calls `on_close` on Escape or the close button.
/// Whoever removes it gives focus back to the opener (see [`focus_later`]).
#[component]
pub fn Modal(
    /// The dialog's heading, which also names it.
    #[prop(into)]
    title: String,
    /// Called when the person closes the dialog (Escape or the close button).
    #[prop(into)]
    on_close: Callback<()>,
    /// Wider layout for forms.
    #[prop(optional)]
    wide: bool,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let heading_id = "modal-title";
    Effect::new(move |_| {
        if dialog.try_get().flatten().is_some() {
            open_when_mounted(dialog);
        }
    });
    // Escape and Tab are handled on keydown, which bubbles: the dialog's own `cancel` event
    // does not, and so never reaches Leptos's delegated listeners.
    let on_key = move |e: ev::KeyboardEvent| {
        if e.key() == "Escape" {
            e.prevent_default();
            on_close.run(());
            return;
        }
        if e.key() != "Tab" {
            return;
        }
        let Some(d) = dialog.try_get_untracked().flatten() else {
            return;
        };
        let Ok(list) = d.query_selector_all(FOCUSABLE) else {
            return;
        };
        let (Some(first), Some(last)) = (list.item(0), list.item(list.length().saturating_sub(1)))
        else {
            return;
        };
        let active = document()
            .active_element()
            .map(|a| a.unchecked_into::<web_sys::Node>());
        let at = |n: &web_sys::Node| active.as_ref().is_some_and(|a| a.is_same_node(Some(n)));
        let target = if e.shift_key() && (at(&first) || !d.contains(active.as_ref())) {
            Some(last)
        } else if !e.shift_key() && (at(&last) || !d.contains(active.as_ref())) {
            Some(first)
        } else {
            None
        };
        if let Some(t) = target.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
            e.prevent_default();
            let _ = t.focus();
        }
    };
    view! {
        <dialog
            node_ref=dialog
            class="modal"
            class:modal-wide=wide
            aria-labelledby=heading_id
            on:keydown=on_key
        >
            <div class="modal-header">
                <h2 id=heading_id>{title}</h2>
                <button type="button" class="icon-btn" aria-label="Close" title="Close" on:click=move |_| on_close.run(())>
                    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                        <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2" stroke-linecap="round" fill="none" />
                    </svg>
                </button>
            </div>
            {children()}
        </dialog>
    }
}

/// Focuses the element with id `id` on the next frame: after a modal dialog has left the page
/// (while one is open, nothing outside it can take focus).
pub fn focus_later(id: String) {
    request_animation_frame(move || {
        if let Some(el) = document()
            .get_element_by_id(&id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
}
