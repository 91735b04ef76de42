//! The assemblies screen: the list of assemblies, the form to call one, and each
//! assembly's acta — attendance and quorum, agenda, agreements, minutes, closing
//! (final), amendments after closing, and the photo of the signed printout. One
//! module per part of the acta.
//!
//! Also holds the small helpers the actions screen shares (the "who may do this"
//! hint, names and one-line texts).

mod acta;
mod agenda;
mod agreements;
mod assembly_form;
mod attendance;
mod closing;
mod list;
mod minutes;

use crate::api;
use crate::components::session::use_session;
use crate::i18n::{use_i18n, I18n};
use cosabi_core::committee::{Member, Permission};
use cosabi_core::ids::MemberId;
use leptos::prelude::*;
use uuid::Uuid;

pub(crate) use crate::components::form::{failure_text, FormState};
use acta::AssemblyView;
use agenda::Agenda;
use agreements::Agreements;
use assembly_form::AssemblyForm;
use attendance::Attendance;
use closing::{Amendments, CloseActa};
use list::AssemblyList;
use minutes::Minutes;

/// An RFC 3339 time as dd/mm/aaaa hh:mm in the device's zone; as stored otherwise.
pub(super) fn stamp(at: &str) -> String {
    let ms = js_sys::Date::parse(at);
    if ms.is_finite() && ms >= 0.0 {
        crate::components::history::display_time(ms as u64)
    } else {
        at.to_owned()
    }
}

/// The text for `key`, or `fallback` when no translation exists (codes from a newer
/// app version are shown as they are).
pub(crate) fn t_or(i18n: I18n, key: &str, fallback: &str) -> String {
    let t = i18n.t(key);
    if t == key {
        fallback.to_owned()
    } else {
        t
    }
}

/// Why a write is not offered here: nobody is signed in (with a button that opens the
/// "who is using" sheet), or the signed-in member's role may not do it (`denied`, a
/// translation key saying who may). Nothing when it is allowed.
#[component]
pub(crate) fn MayHint(
    /// What the write needs.
    permission: Permission,
    /// Shown when nobody is signed in.
    signed_out: &'static str,
    /// Shown when the signed-in member may not do it.
    denied: &'static str,
    /// Element id of the hint.
    id: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    move || {
        if session.can(permission) {
            return ().into_any();
        }
        match session.member.get() {
            None => view! {
                <div class="rec-hint" id=id>
                    <p>{i18n.t(signed_out)}</p>
                    <button type="button" class="secondary rec-signin" id=format!("{id}-sign-in")
                        on:click=move |_| session.sheet_open.set(true)>
                        {i18n.t("asm.sign_in")}
                    </button>
                </div>
            }
            .into_any(),
            Some(m) => {
                let role = i18n.t(&format!("role.{}", m.role));
                view! { <p class="rec-hint" id=id>{i18n.t_with(denied, &[("role", role)])}</p> }
                    .into_any()
            }
        }
    }
}

/// A member's name by id, from a loaded list (the id itself when unknown here).
pub(crate) fn member_name(members: &[Member], id: MemberId) -> String {
    members
        .iter()
        .find(|m| m.id == id)
        .map(|m| m.name.clone())
        .unwrap_or_else(|| id.to_string())
}

/// A text with no line breaks and at most `max` characters, for a select option.
pub(crate) fn one_line(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
}

/// The committee (names, roles and genders), read again whenever the replica changes.
pub(super) fn committee() -> Signal<Vec<Member>> {
    let session = use_session();
    let loaded = LocalResource::new(move || {
        session.track();
        api::list_members()
    });
    Signal::derive(move || loaded.get().and_then(|l| l.ok()).unwrap_or_default())
}

pub(super) fn kind_label(i18n: I18n, code: &str) -> String {
    t_or(i18n, &format!("asm.kind.{code}"), code)
}

// ---- The screen -------------------------------------------------------------------

#[component]
pub fn AssembliesPage() -> impl IntoView {
    let selected = RwSignal::new(None::<Uuid>);
    Effect::new(move |_| {
        selected.track();
        window().scroll_to_with_x_and_y(0.0, 0.0);
    });
    view! {
        <section class="page records" id="page-assemblies">
            {move || match selected.get() {
                None => view! { <AssemblyList selected=selected/> }.into_any(),
                Some(id) => view! { <AssemblyView id=id selected=selected/> }.into_any(),
            }}
        </section>
    }
}
