//! Form helpers every screen uses: the state a form keeps while it saves
//! (`FormState`), problems shown under their fields, and a failed command split into
//! field problems and a banner. A screen may word a shared error code its own way
//! under `<prefix>.error.<code>` (`problem_text`, `failure_text`).

use crate::api::ApiError;
use crate::i18n::{interpolate, use_i18n, I18n};
use cosabi_core::ValidationError;
use leptos::prelude::*;

/// The problems of one field, under it, as `text` words them, in an element `id`.
fn problems_under(
    errors: RwSignal<Vec<ValidationError>>,
    field: &'static str,
    id: String,
    text: impl Fn(&ValidationError) -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        errors
            .get()
            .into_iter()
            .filter(|e| e.field == field)
            .map(|e| view! { <p class="field-error" id=id.clone() role="alert">{text(&e)}</p> })
            .collect_view()
    }
}

/// The problem with one field, under it, if any; its element id is `error-<field>`.
pub fn field_error(errors: RwSignal<Vec<ValidationError>>, field: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    problems_under(errors, field, format!("error-{field}"), move |e| {
        i18n.error_text(e)
    })
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

/// A validation problem as a sentence. A screen may word a shared code its own way
/// with `<prefix>.error.<code>`; otherwise the common `error.<code>` is used.
pub(crate) fn problem_text(i18n: I18n, prefix: &str, e: &ValidationError) -> String {
    let key = format!("{prefix}.error.{}", e.code);
    let own = i18n.t(&key);
    if own == key {
        return i18n.error_text(e);
    }
    let args: Vec<(&str, String)> = e
        .detail
        .iter()
        .map(|(k, v)| {
            let v = if k == "role" {
                i18n.t(&format!("role.{v}"))
            } else {
                v.clone()
            };
            (k.as_str(), v)
        })
        .collect();
    interpolate(&own, &args)
}

/// The banner for a failed command: field problems of fields the form shows stay
/// under their fields; any other problem (the acta is closed, the record is gone) is
/// said in the banner itself.
pub(crate) fn failure_text(i18n: I18n, prefix: &str, e: &ApiError, shown: &[&str]) -> String {
    let elsewhere: Vec<String> = e
        .errors
        .iter()
        .filter(|v| !shown.contains(&v.field.as_str()))
        .map(|v| problem_text(i18n, prefix, v))
        .collect();
    if elsewhere.is_empty() {
        let key = format!("{prefix}.error.{}", e.code);
        let own = i18n.t(&key);
        if own != key {
            return own;
        }
        i18n.t_with(&format!("error.{}", e.code), &[("code", e.code.clone())])
    } else {
        elsewhere.join(" ")
    }
}

/// Splits a failed command into problems under fields and a banner.
pub(crate) fn show_failure(
    i18n: I18n,
    prefix: &'static str,
    e: ApiError,
    shown: &[&str],
    errors: RwSignal<Vec<ValidationError>>,
    banner: RwSignal<Option<String>>,
) {
    banner.set(Some(failure_text(i18n, prefix, &e, shown)));
    errors.set(e.errors);
}

/// The problem with one field, under it, in the screen's own words where it has
/// them; its element id is `<input_id>-error`.
pub(crate) fn field_problem(
    errors: RwSignal<Vec<ValidationError>>,
    prefix: &'static str,
    field: &'static str,
    input_id: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    problems_under(errors, field, format!("{input_id}-error"), move |e| {
        problem_text(i18n, prefix, e)
    })
}

/// Whether a field has a problem (for the red border).
pub(crate) fn has_problem(errors: RwSignal<Vec<ValidationError>>, field: &str) -> bool {
    errors.get().iter().any(|e| e.field == field)
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
