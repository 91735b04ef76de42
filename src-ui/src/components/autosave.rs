//! Free text saved as it is typed, without a "Guardar" button and without a synced
//! change per keystroke.
//!
//! Every change goes at once to the device's local draft store (`draft.<key>`, a
//! local setting inside the encrypted replica, never synced), so a closed app or a
//! dead battery loses nothing. The record itself — a synced change — is written only
//! after a pause in typing (`PAUSE_MS`), when the field loses focus, or when the
//! screen asks (`flush`, on a step change). Once the record holds what was typed, the
//! draft is emptied. When the field opens again and a draft differs from the record,
//! the draft is what was typed last: it is shown and written.

use crate::api;
use crate::api::ApiError;
use crate::components::form::FormState;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// How long typing must pause before the record is written.
pub const PAUSE_MS: u64 = 1_500;

/// Where the typed text is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaveState {
    /// Nothing typed since the record was read.
    Idle,
    /// Typed and kept on the device; the record is written at the next pause.
    Pending,
    /// The record is being written.
    Saving,
    /// The record holds what is on screen.
    Saved,
    /// The record refused it (the problems are in `form`); the draft keeps it.
    Failed,
}

type SaveFn = Box<dyn Fn(String) -> Pin<Box<dyn Future<Output = Result<(), ApiError>>>>>;

/// One autosaved text field. `Copy`: every part is a reactive handle.
#[derive(Clone, Copy)]
pub struct Autosave {
    /// What is on screen.
    pub text: RwSignal<String>,
    /// Where the text is, for the quiet status line.
    pub state: RwSignal<SaveState>,
    /// The record's problems with the last text written, shown under the field.
    pub form: FormState,
    /// Whether the device's draft store holds the last keystroke.
    kept: RwSignal<bool>,
    /// What the record holds, trimmed (`None` until it is read).
    saved: RwSignal<Option<String>>,
    /// Bumped by every keystroke; a pause timer only fires for its own.
    generation: StoredValue<u64>,
    writing: StoredValue<bool>,
    draft_key: StoredValue<String>,
    save: StoredValue<SaveFn, LocalStorage>,
}

impl Autosave {
    /// A field whose draft is kept under `draft_key` and whose record is written by
    /// `save`; a refusal is worded with the screen's `prefix`. Call `loaded` with the
    /// record's value whenever it is read.
    pub fn new<F, Fut>(draft_key: String, prefix: &'static str, save: F) -> Autosave
    where
        F: Fn(String) -> Fut + 'static,
        Fut: Future<Output = Result<(), ApiError>> + 'static,
    {
        Autosave {
            text: RwSignal::new(String::new()),
            state: RwSignal::new(SaveState::Idle),
            form: FormState::new(prefix),
            kept: RwSignal::new(true),
            saved: RwSignal::new(None),
            generation: StoredValue::new(0),
            writing: StoredValue::new(false),
            draft_key: StoredValue::new(draft_key),
            save: StoredValue::new_local(Box::new(move |t: String| {
                Box::pin(save(t)) as Pin<Box<dyn Future<Output = Result<(), ApiError>>>>
            }) as SaveFn),
        }
    }

    /// The record was read. The first time, a draft left by a closed app wins and is
    /// written; later, the screen follows the record unless something is being typed.
    /// A record that can no longer change (`editable` false) is shown as it is, and a
    /// draft left for it is dropped.
    pub fn loaded(self, value: String, editable: bool) {
        let value = value.trim().to_owned();
        if !editable {
            if self.saved.get_untracked().as_deref() != Some(value.as_str())
                || self.text.get_untracked() != value
            {
                self.saved.set(Some(value.clone()));
                self.text.set(value);
                self.state.set(SaveState::Idle);
                self.clear_draft();
            }
            return;
        }
        match self.saved.get_untracked() {
            None => {
                self.saved.set(Some(value.clone()));
                self.text.set(value.clone());
                let key = self.draft_key.get_value();
                // Once per field: a draft left by a closed app wins over the record.
                spawn_local(async move {
                    if let Ok(Some(draft)) = api::get_draft(&key).await {
                        let unchanged = self.text.get_untracked().trim() == value;
                        if !draft.is_empty() && draft.trim() != value && unchanged {
                            self.text.set(draft);
                            self.state.set(SaveState::Pending);
                            self.flush();
                        }
                    }
                });
            }
            Some(before) => {
                if self.text.get_untracked().trim() == before {
                    self.text.set(value.clone());
                }
                self.saved.set(Some(value));
            }
        }
    }

    /// A keystroke: kept on the device now, written to the record after a pause.
    pub fn input(self, typed: String) {
        self.text.set(typed.clone());
        self.state.set(SaveState::Pending);
        self.kept.set(false);
        self.generation.update_value(|g| *g += 1);
        let mine = self.generation.get_value();
        let key = self.draft_key.get_value();
        // Fire and forget, per keystroke: a draft that cannot be kept is no reason to
        // interrupt typing.
        spawn_local(async move {
            if api::set_draft(&key, &typed).await.is_ok()
                && self.generation.try_get_value() == Some(mine)
            {
                self.kept.set(true);
            }
        });
        set_timeout(
            move || {
                if self.generation.try_get_value() == Some(mine) {
                    self.flush();
                }
            },
            Duration::from_millis(PAUSE_MS),
        );
    }

    /// Writes the record now if it does not hold what is on screen (on blur, on a
    /// step change, after a pause). One write at a time; text typed during a write
    /// is written after it.
    pub fn flush(self) {
        let Some(saved) = self.saved.get_untracked() else {
            return;
        };
        let typed = self.text.get_untracked();
        if typed.trim() == saved {
            if self.state.get_untracked() == SaveState::Pending {
                self.state.set(SaveState::Saved);
                self.clear_draft();
            }
            return;
        }
        if self.writing.get_value() {
            return;
        }
        self.writing.set_value(true);
        self.state.set(SaveState::Saving);
        let write = self.save.with_value(|save| save(typed.clone()));
        // Not an action: the writes are chained by `writing` and a pause timer, and
        // text typed during one is written after it.
        spawn_local(async move {
            let result = write.await;
            self.writing.set_value(false);
            match result {
                Ok(()) => {
                    self.form.clear();
                    self.saved.set(Some(typed.trim().to_owned()));
                    if self.text.get_untracked() == typed {
                        self.state.set(SaveState::Saved);
                        self.clear_draft();
                    } else {
                        self.flush();
                    }
                }
                Err(e) => {
                    self.form.failed(e);
                    self.state.set(SaveState::Failed);
                }
            }
        });
    }

    fn clear_draft(self) {
        let key = self.draft_key.get_value();
        // Fire and forget: an emptied draft only saves space.
        spawn_local(async move {
            let _ = api::set_draft(&key, "").await;
        });
    }
}

/// The quiet line under an autosaved field: "Guardando…", "Guardado".
#[component]
pub fn SaveStatus(
    /// The field.
    field: Autosave,
    /// Element id of the line.
    id: &'static str,
) -> impl IntoView {
    let i18n = crate::i18n::use_i18n();
    view! {
        <p class="save-status" id=id role="status" aria-live="polite"
            data-state=move || format!("{:?}", field.state.get()).to_lowercase()
            data-draft=move || if field.kept.get() { "kept" } else { "typing" }>
            {move || match field.state.get() {
                SaveState::Idle | SaveState::Failed => String::new(),
                SaveState::Pending | SaveState::Saving => i18n.t("autosave.saving"),
                SaveState::Saved => i18n.t("autosave.saved"),
            }}
        </p>
    }
}
