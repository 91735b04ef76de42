//! Form helpers every screen uses, one way for each thing a form does:
//!
//! - `FormState` keeps a form's field problems and its banner;
//! - `FormState::problem` shows a field's problem under it (element id
//!   `<input_id>-error`), `FormState::invalid` says whether the field has one (for the
//!   `invalid` class);
//! - `FormState::failed` splits a failed command into problems under the fields the
//!   form shows and a banner for the rest;
//! - `FormState::save` makes the form's save a Leptos action (`Save`): its pending
//!   state disables the button, a second tap while it runs does nothing, and a
//!   failure lands in the form and keeps what was typed.
//!
//! A screen may word a shared error code its own way under `<prefix>.error.<code>`
//! (`problem_text`, `failure_text`).

use crate::api::ApiError;
use crate::i18n::{interpolate, use_i18n, I18n};
use cosabi_core::ValidationError;
use leptos::prelude::*;
use std::future::Future;
use std::rc::Rc;

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

/// What every form keeps: the field problems and a banner for the rest. The fields
/// the form shows are the ones it placed a `problem` under.
#[derive(Clone, Copy)]
pub struct FormState {
    pub errors: RwSignal<Vec<ValidationError>>,
    pub banner: RwSignal<Option<String>>,
    /// The screen's prefix for its own wording (`<prefix>.error.<code>`).
    prefix: &'static str,
    shown: StoredValue<Vec<&'static str>>,
    i18n: I18n,
}

impl FormState {
    /// Call in the component's body (it takes the language from context); `prefix`
    /// is the screen's translation prefix.
    pub fn new(prefix: &'static str) -> Self {
        FormState {
            errors: RwSignal::new(Vec::new()),
            banner: RwSignal::new(None),
            prefix,
            shown: StoredValue::new(Vec::new()),
            i18n: use_i18n(),
        }
    }

    /// Whether `field` has a problem (reactive), for the `invalid` class.
    pub fn invalid(self, field: &'static str) -> impl Fn() -> bool + Copy {
        move || {
            self.errors
                .with(|errors| errors.iter().any(|e| e.field == field))
        }
    }

    /// The problem with `field`, under it, in the screen's own words where it has
    /// them; its element id is `<input_id>-error`.
    pub fn problem(self, field: &'static str, input_id: &'static str) -> impl IntoView {
        self.shown.update_value(|shown| {
            if !shown.contains(&field) {
                shown.push(field);
            }
        });
        move || {
            self.errors
                .get()
                .into_iter()
                .filter(|e| e.field == field)
                .map(|e| {
                    let text = problem_text(self.i18n, self.prefix, &e);
                    view! { <p class="field-error" id=format!("{input_id}-error") role="alert">{text}</p> }
                })
                .collect_view()
        }
    }

    /// A failed command: problems of the fields the form shows go under them, the
    /// rest into the banner. What was typed stays.
    pub fn failed(self, e: ApiError) {
        let text = self
            .shown
            .with_value(|shown| failure_text(self.i18n, self.prefix, &e, shown));
        self.banner.set(Some(text));
        self.errors.set(e.errors);
    }

    /// A succeeded command: no problems, no banner.
    pub fn clear(self) {
        self.errors.set(Vec::new());
        self.banner.set(None);
    }

    /// The form's save as an action: `run` makes the command's future from the
    /// input; on success the problems are cleared and `done` gets the result, on
    /// failure they are shown (`failed`) and what was typed stays.
    pub fn save<I, T, Fu>(
        self,
        run: impl Fn(&I) -> Fu + 'static,
        done: impl Fn(T) + 'static,
    ) -> Save<I>
    where
        I: 'static,
        T: 'static,
        Fu: Future<Output = Result<T, ApiError>> + 'static,
    {
        let done = Rc::new(done);
        let action = Action::new_local(move |input: &I| {
            let saved = run(input);
            let done = Rc::clone(&done);
            async move {
                match saved.await {
                    Ok(v) => {
                        self.clear();
                        done(v);
                    }
                    Err(e) => self.failed(e),
                }
            }
        });
        Save {
            action,
            pending: action.pending(),
        }
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

/// A form's save (`FormState::save`): a local action (the command's future is not
/// `Send` in the webview) that runs once at a time.
pub struct Save<I: 'static> {
    action: Action<I, ()>,
    pending: Memo<bool>,
}

impl<I: 'static> Clone for Save<I> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I: 'static> Copy for Save<I> {}

impl<I: 'static> Save<I> {
    /// Saves `input`, unless a save is running: a second tap does nothing. Says
    /// whether the save started.
    pub fn run(self, input: I) -> bool {
        if self.pending.get_untracked() {
            return false;
        }
        self.action.dispatch_local(input);
        true
    }

    /// Whether a save is running (reactive), for the button.
    pub fn pending(self) -> Memo<bool> {
        self.pending
    }
}
