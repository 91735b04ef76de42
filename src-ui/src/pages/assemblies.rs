//! The assemblies screen.

use leptos::prelude::*;

#[component]
pub fn AssembliesPage() -> impl IntoView {
    view! { <section class="page" id="page-assemblies"></section> }
}
