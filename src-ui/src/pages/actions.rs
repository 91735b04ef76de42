//! The actions screen.

use leptos::prelude::*;

#[component]
pub fn ActionsPage() -> impl IntoView {
    view! { <section class="page" id="page-actions"></section> }
}
