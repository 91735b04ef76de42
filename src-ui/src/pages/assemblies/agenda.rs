//! The agenda (orden del día): one point per line, saved as typed while the acta is
//! a draft, a numbered list once it is closed.

use super::acta::ActaTexts;
use crate::components::autosave::SaveStatus;
use crate::i18n::use_i18n;
use cosabi_core::assembly::AssemblyDetail;
use leptos::prelude::*;

/// The agenda step.
#[component]
pub(super) fn Agenda(
    detail: RwSignal<Option<AssemblyDetail>>,
    can_edit: Signal<bool>,
    texts: ActaTexts,
) -> impl IntoView {
    let i18n = use_i18n();
    let field = texts.agenda;
    view! {
        <div class="card" id="agenda-card">
            <h2>{move || i18n.t("asm.agenda_title")}</h2>
            <Show
                when=move || can_edit.get()
                fallback=move || {
                    let items = detail.get().map(|d| d.assembly.agenda).unwrap_or_default();
                    if items.is_empty() {
                        view! { <p class="muted" id="agenda-empty">{i18n.t("asm.agenda_empty")}</p> }.into_any()
                    } else {
                        view! {
                            <ol class="rec-agenda" id="agenda">
                                {items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}
                            </ol>
                        }.into_any()
                    }
                }
            >
                <label for="agenda-text" class="sr-only">{move || i18n.t("asm.agenda")}</label>
                <textarea id="agenda-text" rows="6" aria-describedby="agenda-hint agenda-status"
                    class:invalid=field.form.invalid("agenda")
                    prop:value=move || field.text.get()
                    on:input=move |ev| field.input(event_target_value(&ev))
                    on:blur=move |_| field.flush()></textarea>
                <p class="hint" id="agenda-hint">{move || i18n.t("asm.agenda_hint")}</p>
                {field.form.problem("agenda", "agenda-text")}
                <SaveStatus field=field id="agenda-status"/>
            </Show>
        </div>
    }
}
