//! The minutes (desarrollo de la asamblea): typed while the assembly talks, saved as
//! typed (see `components::autosave`), read-only once the acta is closed.

use super::acta::ActaTexts;
use crate::components::autosave::SaveStatus;
use crate::i18n::use_i18n;
use cosabi_core::assembly::AssemblyDetail;
use leptos::prelude::*;

/// The minutes step.
#[component]
pub(super) fn Minutes(
    detail: RwSignal<Option<AssemblyDetail>>,
    can_edit: Signal<bool>,
    texts: ActaTexts,
) -> impl IntoView {
    let i18n = use_i18n();
    let field = texts.minutes;
    let closed = move || detail.get().is_some_and(|d| d.assembly.is_closed());
    view! {
        <div class="card" id="minutes-form">
            <h2>{move || i18n.t("asm.minutes_title")}</h2>
            <Show when=move || !closed()>
                <p class="hint" id="minutes-hint">{move || i18n.t("asm.minutes_hint")}</p>
            </Show>
            <label for="asm-minutes" class="sr-only">{move || i18n.t("asm.minutes_title")}</label>
            <textarea id="asm-minutes" rows="12" class="rec-minutes"
                aria-describedby="minutes-hint minutes-status"
                readonly=move || !can_edit.get()
                disabled=move || !can_edit.get()
                class:invalid=field.form.invalid("minutes")
                prop:value=move || field.text.get()
                on:input=move |ev| field.input(event_target_value(&ev))
                on:blur=move |_| field.flush()></textarea>
            {field.form.problem("minutes", "asm-minutes")}
            <SaveStatus field=field id="minutes-status"/>
        </div>
    }
}
