//! Drafts: what a person typed survives the app being closed mid-form. Each form
//! keeps its text fields in the (encrypted) replica as a draft named after the form,
//! saved on every change and restored when the form opens again; a saved record
//! clears it.
//!
//! Local settings, not the webview's localStorage: two app instances (or two data
//! folders) share one webview profile, and a draft belongs to its replica.

use crate::api;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;

#[derive(Clone)]
pub struct Draft {
    key: String,
    fields: Vec<(&'static str, RwSignal<String>)>,
    /// Draft writes sent and not answered yet.
    writing: RwSignal<u32>,
}

impl Draft {
    /// Restores the draft of form `key` into `fields` and keeps it saved.
    pub fn new(key: impl Into<String>, fields: Vec<(&'static str, RwSignal<String>)>) -> Draft {
        Draft::with_defaults(key, fields, Vec::new())
    }

    /// [`Draft::new`] with values an empty field shows at once (today's date, a
    /// quantity of 1); the draft, once read, replaces a field still at its default,
    /// never what the person typed meanwhile.
    pub fn with_defaults(
        key: impl Into<String>,
        fields: Vec<(&'static str, RwSignal<String>)>,
        defaults: Vec<(&'static str, String)>,
    ) -> Draft {
        let draft = Draft {
            key: key.into(),
            fields,
            writing: RwSignal::new(0),
        };
        let defaults: BTreeMap<&'static str, String> = defaults.into_iter().collect();
        for (name, sig) in &draft.fields {
            if let Some(d) = defaults.get(name) {
                if sig.get_untracked().is_empty() {
                    sig.set(d.clone());
                }
            }
        }
        let restored = RwSignal::new(false);
        {
            let d = draft.clone();
            // Once, at creation: the restored values go into the form's own signals.
            spawn_local(async move {
                if let Ok(Some(json)) = api::get_draft(&d.key).await {
                    let saved: BTreeMap<String, String> =
                        serde_json::from_str(&json).unwrap_or_default();
                    for (name, sig) in &d.fields {
                        if let Some(v) = saved.get(*name) {
                            // What the person already typed in this session wins.
                            let now = sig.get_untracked();
                            if now.is_empty() || defaults.get(name) == Some(&now) {
                                sig.set(v.clone());
                            }
                        }
                    }
                }
                restored.set(true);
            });
        }
        {
            let d = draft.clone();
            Effect::new(move |_| {
                let values: BTreeMap<&str, String> = d
                    .fields
                    .iter()
                    .map(|(n, s)| (*n, s.get()))
                    .filter(|(_, v)| !v.is_empty())
                    .collect();
                if !restored.get() {
                    return;
                }
                let json = if values.is_empty() {
                    String::new()
                } else {
                    serde_json::to_string(&values).unwrap_or_default()
                };
                let key = d.key.clone();
                let writing = d.writing;
                writing.update(|n| *n += 1);
                // Fire and forget, per keystroke: a draft that cannot be kept is no
                // reason to interrupt typing.
                spawn_local(async move {
                    let _ = api::set_draft(&key, &json).await;
                    writing.update(|n| *n = n.saturating_sub(1));
                });
            });
        }
        draft
    }

    /// `"kept"` once every change is written to the device, `"writing"` before: for
    /// a form's `data-draft` (what a test waits on before closing the app).
    pub fn state(&self) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        let writing = self.writing;
        move || {
            if writing.get() == 0 {
                "kept"
            } else {
                "writing"
            }
        }
    }

    /// Empties the form and forgets the draft (after the record was saved).
    pub fn clear(&self) {
        for (_, s) in &self.fields {
            s.set(String::new());
        }
    }
}
