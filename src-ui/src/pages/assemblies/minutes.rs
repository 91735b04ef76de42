//! The minutes (desarrollo de la asamblea).

use crate::api;
use crate::components::form::{field_problem, has_problem, show_failure};
use crate::components::session::use_session;
use crate::i18n::use_i18n;
use cosabi_core::assembly::AssemblyDetail;
use cosabi_core::ValidationError;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// The minutes text: editable while the acta is a draft, read-only once closed.
#[component]
pub(super) fn Minutes(
    id: Uuid,
    detail: RwSignal<Option<AssemblyDetail>>,
    minutes: RwSignal<String>,
    minutes_saved: RwSignal<String>,
    can_edit: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let banner = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let dirty = move || minutes.get() != minutes_saved.get();
    let closed = move || detail.get().is_some_and(|d| d.assembly.is_closed());

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        notice.set(None);
        let text = minutes.get_untracked();
        spawn_local(async move {
            match api::assembly::save_minutes(id, &text).await {
                Ok(_) => {
                    errors.set(Vec::new());
                    banner.set(None);
                    minutes_saved.set(text.trim().to_owned());
                    if minutes.get_untracked() == text {
                        minutes.set(text.trim().to_owned());
                    }
                    notice.set(Some(i18n.t("asm.minutes_saved")));
                    session.bump();
                }
                Err(e) => show_failure(i18n, "asm", e, &["minutes"], errors, banner),
            }
            busy.set(false);
        });
    };

    view! {
        <form class="card" id="minutes-form" on:submit=submit novalidate=true>
            <h2>{move || i18n.t("asm.minutes_title")}</h2>
            {move || banner.get().map(|b| view! { <p class="banner error" role="alert" id="minutes-error">{b}</p> })}
            <Show when=move || !closed()>
                <p class="hint">{move || i18n.t("asm.minutes_hint")}</p>
            </Show>
            <label for="asm-minutes" class="sr-only">{move || i18n.t("asm.minutes_title")}</label>
            <textarea id="asm-minutes" rows="10" class="rec-minutes"
                readonly=move || !can_edit.get()
                disabled=move || !can_edit.get()
                class:invalid=move || has_problem(errors, "minutes")
                prop:value=move || minutes.get()
                on:input=move |ev| { notice.set(None); minutes.set(event_target_value(&ev)) }></textarea>
            {field_problem(errors, "asm", "minutes", "asm-minutes")}
            <Show when=move || dirty() && can_edit.get()>
                <p class="hint rec-unsaved" id="minutes-unsaved">{move || i18n.t("asm.minutes_unsaved")}</p>
            </Show>
            {move || notice.get().map(|n| view! { <p class="banner ok" role="status" id="minutes-notice">{n}</p> })}
            <Show when=move || !closed()>
                <button type="submit" class="primary" id="minutes-save" disabled=move || busy.get() || !can_edit.get()>
                    {move || if busy.get() { i18n.t("common.saving") } else { i18n.t("asm.minutes_save") }}
                </button>
            </Show>
        </form>
    }
}
