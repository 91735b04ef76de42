//! The history of one record: who changed what, and when, read from the change log.

use leptos::prelude::*;
use uuid::Uuid;

/// A "Historial" disclosure under a record; loads when opened.
#[component]
pub fn HistoryButton(
    /// The record's table id (`cosabi_core::schema::*.id`).
    table: u16,
    /// The record's id.
    row: Uuid,
) -> impl IntoView {
    let _ = (table, row);
    view! { <span></span> }
}
