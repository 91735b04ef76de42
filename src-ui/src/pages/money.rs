//! The money screen.

use leptos::prelude::*;

#[component]
pub fn MoneyPage() -> impl IntoView {
    view! { <section class="page" id="page-money"></section> }
}
