//! Screens, and the small pieces they share.

pub mod actions;
pub mod assemblies;
pub mod committee;
pub mod home;
pub mod money;
pub mod settings;
pub mod setup;
pub mod sync;

use crate::api::ApiError;
use crate::i18n::{use_i18n, I18n};
use cosabi_core::ValidationError;
use leptos::prelude::*;

/// The problem with one field, under it, if any.
pub fn field_error(errors: RwSignal<Vec<ValidationError>>, field: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        errors
            .get()
            .into_iter()
            .filter(|e| e.field == field)
            .map(|e| {
                let id = format!("error-{field}");
                view! { <p class="field-error" id=id role="alert">{i18n.error_text(&e)}</p> }
            })
            .collect_view()
    }
}

/// Splits a failed command into field problems and a banner message.
pub fn show_api_error(
    i18n: I18n,
    e: ApiError,
    errors: RwSignal<Vec<ValidationError>>,
    banner: RwSignal<Option<String>>,
) {
    banner.set(Some(
        i18n.t_with(&format!("error.{}", e.code), &[("code", e.code.clone())]),
    ));
    errors.set(e.errors);
}

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

/// What every form keeps: the field problems, a banner for the rest, and whether a
/// save is running (a second tap while it runs does nothing).
#[derive(Clone, Copy)]
pub struct FormState {
    pub errors: RwSignal<Vec<ValidationError>>,
    pub banner: RwSignal<Option<String>>,
    pub busy: RwSignal<bool>,
    i18n: I18n,
}

impl FormState {
    /// Call in the component's body (it takes the language from context).
    pub fn new() -> Self {
        FormState {
            errors: RwSignal::new(Vec::new()),
            banner: RwSignal::new(None),
            busy: RwSignal::new(false),
            i18n: use_i18n(),
        }
    }

    /// Whether `field` has a problem (reactive), for the `invalid` class.
    pub fn invalid(self, field: &'static str) -> impl Fn() -> bool + Copy {
        move || self.errors.get().iter().any(|e| e.field == field)
    }

    /// Runs `save` unless one is running; on success clears the problems and calls
    /// `done`, on failure shows them and keeps what was typed.
    pub fn save<T: 'static>(
        self,
        save: impl std::future::Future<Output = Result<T, ApiError>> + 'static,
        done: impl FnOnce(T) + 'static,
    ) {
        if self.busy.get_untracked() {
            return;
        }
        let i18n = self.i18n;
        self.busy.set(true);
        leptos::task::spawn_local(async move {
            match save.await {
                Ok(v) => {
                    self.errors.set(Vec::new());
                    self.banner.set(None);
                    done(v);
                }
                Err(e) => show_api_error(i18n, e, self.errors, self.banner),
            }
            self.busy.set(false);
        });
    }

    /// The banner, if any, as an alert with `id`.
    pub fn banner_view(self, id: &'static str) -> impl IntoView {
        move || {
            self.banner
                .get()
                .map(|b| view! { <p class="banner error" role="alert" id=id>{b}</p> })
        }
    }
}
