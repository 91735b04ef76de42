//! The sync screen.

use leptos::prelude::*;

#[component]
pub fn SyncPage() -> impl IntoView {
    view! { <section class="page" id="page-sync"></section> }
}
