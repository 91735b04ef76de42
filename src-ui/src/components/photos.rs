//! Photos of a record: thumbnails, full view on tap, and adding with the camera (phones)
//! or a file (desktop). The shell resizes and compresses before storing.

use leptos::prelude::*;
use uuid::Uuid;

/// The photos of one record, with an "add photo" button when `can_add`.
#[component]
pub fn PhotoStrip(
    /// The owner's table id (`cosabi_core::schema::*.id`).
    owner_table: u16,
    /// The owner's id.
    owner: Uuid,
    /// The photo kind: `receipt`, `before`, `after` or `acta`.
    kind: &'static str,
    /// Whether the signed-in member may add photos here.
    #[prop(into)]
    can_add: Signal<bool>,
) -> impl IntoView {
    let _ = (owner_table, owner, kind, can_add);
    view! { <span></span> }
}
