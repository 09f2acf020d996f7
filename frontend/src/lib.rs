//! The WebAssembly entry point: hydrates the server-rendered page.

/// Called by the hydration script. Marks `<body data-hydrated>` when done, which browser tests
/// wait for before they click.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The server functions that redirect (sign-in, sign-out, changing the password) change who
    // is signed in, and the viewer belongs to the document: load the next page from the server,
    // whose page guard decides, rather than navigating in place. Set before the router would
    // set its own (in-place) hook; the first one set is kept.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|location: &str| {
        let _ = leptos::prelude::window().location().set_href(location);
    });
    leptos::mount::hydrate_body(app::App);
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
