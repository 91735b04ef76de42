//! The web build's start (nothing in the Tauri shell): the service worker that keeps
//! the app's files so it starts with no network, and persistent storage, so the
//! browser does not clear the replica's OPFS files when the phone runs short of space.

use wasm_bindgen::JsValue;

/// The service worker's script and scope, next to `index.html` (`/app/`).
const SERVICE_WORKER: &str = "sw.js";

/// Registers the service worker and asks for persistent storage. Both are best
/// effort: without them the app still runs (online, or until the browser evicts it),
/// and `navigator.serviceWorker` is missing outside a secure context.
pub fn start() {
    if crate::api::worker::in_shell() {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator = window.navigator();
    if js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).unwrap_or(false) {
        let options = web_sys::RegistrationOptions::new();
        options.set_scope("./");
        // A refused registration (no secure context, a broken script) leaves the app
        // working online: nothing to tell the person now.
        let _ = navigator
            .service_worker()
            .register_with_options(SERVICE_WORKER, &options);
    }
    if js_sys::Reflect::has(&navigator, &JsValue::from_str("storage")).unwrap_or(false) {
        if let Ok(asked) = navigator.storage().persist() {
            // Chrome grants it to an installed app or a site used often; the answer
            // changes nothing here, the data is kept either way while there is room.
            drop(asked);
        }
    }
}
