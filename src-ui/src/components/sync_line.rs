//! Where this device's sync stands, in one line people read at a glance: "Todo
//! enviado ✓ hoy 10:32", "Faltan 3 registros y 2 fotos por enviar". Shown on Inicio
//! and at the top of Sincronizar; addresses and byte counts stay under "Detalles".

use crate::i18n::{use_i18n, I18n};
use cosabi_core::views::SyncSummary;
use leptos::prelude::*;

/// A moment as people say it: "hoy 10:32", "ayer 18:05", else "03/12/2026 10:32".
pub fn when_text(i18n: I18n, ms: u64, now_ms: u64) -> String {
    let at = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    let now = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(now_ms as f64));
    let day = |d: &js_sys::Date| (d.get_full_year(), d.get_month(), d.get_date());
    let yesterday = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(now_ms as f64));
    yesterday.set_date(now.get_date() - 1);
    let time = format!("{:02}:{:02}", at.get_hours(), at.get_minutes());
    if day(&at) == day(&now) {
        i18n.t_with("time.today_at", &[("time", time)])
    } else if day(&at) == day(&yesterday) {
        i18n.t_with("time.yesterday_at", &[("time", time)])
    } else {
        crate::components::history::display_time(ms)
    }
}

/// The line and whether all is sent: `(text, all_sent)`.
pub fn status_line(i18n: I18n, s: &SyncSummary, now_ms: u64) -> (String, bool) {
    let last = s
        .last_sync
        .as_deref()
        .map(js_sys::Date::parse)
        .filter(|t| t.is_finite())
        .map(|t| when_text(i18n, t as u64, now_ms));
    let records = s.pending_records as usize;
    let photos = s.photos_pending as usize;
    let pending = match (records, photos) {
        (0, 0) => None,
        (r, 0) => Some(i18n.plural("sync.line_records", r)),
        (0, p) => Some(i18n.plural("sync.line_photos", p)),
        (r, p) => Some(i18n.t_with(
            "sync.line_both",
            &[
                ("records", i18n.plural("sync.n_records", r)),
                ("photos", i18n.plural("sync.n_photos", p)),
            ],
        )),
    };
    match (pending, last) {
        (None, Some(when)) => (i18n.t_with("sync.line_all_sent", &[("when", when)]), true),
        (None, None) if !s.enrolled => (i18n.t("sync.line_no_server"), false),
        (None, None) => (i18n.t("sync.line_never"), false),
        (Some(p), Some(when)) => (
            i18n.t_with("sync.line_pending_since", &[("pending", p), ("when", when)]),
            false,
        ),
        (Some(p), None) => (p, false),
    }
}

/// The status line, with a check mark's colour when everything is sent.
#[component]
pub fn SyncLine(
    #[prop(into)] summary: Signal<Option<SyncSummary>>,
    id: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let line = move || {
        summary
            .get()
            .map(|s| status_line(i18n, &s, js_sys::Date::now() as u64))
    };
    view! {
        <p id=id class="sync-line" class:all-sent=move || line().is_some_and(|(_, ok)| ok) role="status">
            {move || line().map(|(t, _)| t)}
        </p>
    }
}
