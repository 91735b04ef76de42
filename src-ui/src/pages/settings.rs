//! Ajustes: language, the sync server's address, and the privacy notice.

use leptos::prelude::*;

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! { <section class="page" id="page-settings"></section> }
}

/// The aviso de privacidad; with `on_accept`, shown at first start with an accept button.
#[component]
pub fn PrivacyNotice(on_accept: Option<Callback<()>>) -> impl IntoView {
    let _ = on_accept;
    view! { <section class="page" id="privacy"></section> }
}
