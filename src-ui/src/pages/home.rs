//! The home screen.

use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    view! { <section class="page" id="page-home"></section> }
}
