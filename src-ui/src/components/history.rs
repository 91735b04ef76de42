//! The history of one record: who changed what, and when, read from the change log —
//! what a contraloría social volunteer or an auditor needs.

use crate::api;
use crate::i18n::use_i18n;
use cosabi_core::views::HistoryEntry;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// A time in milliseconds since 1970 as dd/mm/aaaa hh:mm, in the device's zone.
pub fn display_time(ms: u64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!(
        "{:02}/{:02}/{} {:02}:{:02}",
        d.get_date(),
        d.get_month() + 1,
        d.get_full_year(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// A stored code (a category, a role…) in words; other values as they are.
pub fn code_text(i18n: crate::i18n::I18n, column: &str, value: &str) -> String {
    let prefix = match column {
        "category" => "category",
        "paid_from" => "paid_from",
        "role" => "role",
        "status" => "status",
        "gender" if value.is_empty() => return i18n.t("gender.none"),
        "pin" | "pin_approval" => "pin_event",
        "gender" => "gender",
        "deleted" => {
            return if value == "1" {
                i18n.t("history.deleted")
            } else {
                i18n.t("history.restored")
            }
        }
        _ => return value.to_owned(),
    };
    let key = format!("{prefix}.{value}");
    let t = i18n.t(&key);
    if t == key {
        value.to_owned()
    } else {
        t
    }
}

/// A field's new value in words: a referenced record by the name the replica
/// found, or a generic word when this device does not have it (never its id); a
/// code in words; anything else as the replica wrote it.
fn value_text(i18n: crate::i18n::I18n, h: &HistoryEntry) -> String {
    let unknown_record = h.refers_to.is_some()
        && h.display.is_empty()
        && h.value != cosabi_core::change::Value::Null;
    if unknown_record {
        i18n.t("history.unknown_record")
    } else {
        code_text(i18n, &h.column, &h.display)
    }
}

/// A "Historial" disclosure under a record; loads when opened.
#[component]
pub fn HistoryButton(
    /// The record's table id (`cosabi_core::schema::*.id`).
    table: u16,
    /// The record's id.
    row: Uuid,
) -> impl IntoView {
    let i18n = use_i18n();
    let items = RwSignal::new(None::<Vec<HistoryEntry>>);
    let open = RwSignal::new(false);
    let toggle = move |_| {
        let now = !open.get_untracked();
        open.set(now);
        if now {
            spawn_local(async move {
                if let Ok(list) = api::views::record_history(table, row).await {
                    items.set(Some(list));
                }
            });
        }
    };
    view! {
        <div class="history">
            <button type="button" class="link history-toggle" aria-expanded=move || open.get().to_string() on:click=toggle>
                {move || if open.get() { i18n.t("history.hide") } else { i18n.t("history.show") }}
            </button>
            <Show when=move || open.get()>
                <ol class="history-list">
                    {move || items.get().unwrap_or_default().into_iter().rev()
                        // The tombstone flag's first write and the owning clinic are
                        // bookkeeping, not something a person changed.
                        .filter(|h| !(h.column == "deleted" && h.display == "0") && h.column != "clinic_id")
                        .map(|h| {
                            let col = h.column.clone();
                            let who = h.author_name.clone().unwrap_or_else(|| i18n.t("history.unknown_author"));
                            let column = {
                                let key = format!("column.{col}");
                                let t = i18n.t(&key);
                                if t == key { col.clone() } else { t }
                            };
                            view! {
                                <li class="history-item">
                                    <span class="history-when muted">{display_time(h.hlc.ms())}</span>
                                    <span class="history-who">{who}</span>
                                    <span class="history-what"><span class="history-col">{column}</span>": "<span class="wrap">{value_text(i18n, &h)}</span></span>
                                </li>
                            }
                        })
                        .collect_view()}
                </ol>
            </Show>
        </div>
    }
}
