//! Who is using the device. On a shared phone each member picks their name and types
//! a short PIN; every change then records them as its author, and the screens offer
//! only what their role may do (the shell checks again: the UI is not the guard).

use cosabi_core::clinic::Clinic;
use cosabi_core::committee::{Member, Permission, Role};
use cosabi_core::ledger::Balance;
use leptos::prelude::*;

/// The signed-in member and a counter that screens watch to reload after a write or
/// a sync changed the replica.
#[derive(Clone, Copy)]
pub struct Session {
    pub member: RwSignal<Option<Member>>,
    pub clinic: RwSignal<Option<Clinic>>,
    pub data_version: RwSignal<u64>,
    /// Set to open the "who is using" sheet (e.g. from a "sign in to do this" hint).
    pub sheet_open: RwSignal<bool>,
    /// The fiscal year Inicio and Dinero show (this year unless chosen).
    pub year: RwSignal<i32>,
    /// The year's money, kept in view on every screen (reloaded after each write).
    pub balance: RwSignal<Option<Balance>>,
    /// The device shows the demo clinic.
    pub demo: RwSignal<bool>,
}

impl Session {
    pub fn new() -> Self {
        Session {
            member: RwSignal::new(None),
            clinic: RwSignal::new(None),
            data_version: RwSignal::new(0),
            sheet_open: RwSignal::new(false),
            year: RwSignal::new(js_sys::Date::new_0().get_full_year() as i32),
            balance: RwSignal::new(None),
            demo: RwSignal::new(false),
        }
    }

    /// Whether the signed-in member may do this (reactive).
    pub fn can(&self, p: Permission) -> bool {
        self.member
            .get()
            .and_then(|m| Role::from_code(&m.role))
            .is_some_and(|r| p.allows(r))
    }

    /// Tells every screen that the replica changed.
    pub fn bump(&self) {
        self.data_version.update(|v| *v += 1);
    }

    /// Reading this inside an effect or resource makes it reload after `bump`.
    pub fn track(&self) -> u64 {
        self.data_version.get()
    }
}

pub fn use_session() -> Session {
    use_context::<Session>().expect("Session is provided by App")
}

/// Chooses the fiscal year shown: this year and the two before (a committee closes
/// last year's accounts in the first months of the next).
#[component]
pub fn YearSelect() -> impl IntoView {
    let i18n = crate::i18n::use_i18n();
    let session = use_session();
    let this_year = js_sys::Date::new_0().get_full_year() as i32;
    view! {
        <label class="year-select">
            <span class="sr-only">{move || i18n.t("money.fiscal_year")}</span>
            <select id="year-select" prop:value=move || session.year.get().to_string()
                on:change=move |ev| {
                    if let Ok(y) = event_target_value(&ev).parse() {
                        session.year.set(y);
                    }
                }>
                {(this_year - 2..=this_year).rev().map(|y| view! { <option value=y.to_string()>{y}</option> }).collect_view()}
            </select>
        </label>
    }
}
