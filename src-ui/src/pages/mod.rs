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
