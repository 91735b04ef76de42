//! Screens, and the small pieces they share.

pub mod actions;
pub mod assemblies;
pub mod committee;
pub mod home;
pub mod money;
pub mod settings;
pub mod setup;
pub mod sync;

use crate::i18n::use_i18n;
use leptos::prelude::*;

pub use crate::components::form::FormState;

/// Why a write is not offered: nobody is signed in (with a button to sign in), or the
/// signed-in member's role does not allow it. Nothing when it is allowed.
#[component]
pub fn PermissionHint(p: cosabi_core::committee::Permission) -> impl IntoView {
    use cosabi_core::committee::Permission;
    let i18n = use_i18n();
    let session = crate::components::session::use_session();
    let key = match p {
        Permission::Committee => "perm.committee",
        Permission::Assembly => "perm.assembly",
        Permission::CloseActa => "perm.close_acta",
        Permission::Action => "perm.action",
        Permission::VerifyAction => "perm.verify_action",
        Permission::Money => "perm.money",
    };
    move || {
        if session.can(p) {
            return ().into_any();
        }
        if session.member.get().is_none() {
            view! {
                <p class="hint perm-hint">
                    {i18n.t(key)}" "
                    <button type="button" class="link" on:click=move |_| session.sheet_open.set(true)>{i18n.t("perm.sign_in")}</button>
                </p>
            }
            .into_any()
        } else {
            view! { <p class="hint perm-hint">{i18n.t(key)}</p> }.into_any()
        }
    }
}
