//! The form that calls an assembly or corrects the header of a draft acta.

use super::*;
use crate::api;
use crate::components::date_picker::DatePicker;
use crate::components::draft::Draft;
use crate::components::form::{field_problem, has_problem, show_failure};
use crate::i18n::use_i18n;
use cosabi_core::assembly::{Assembly, AssemblyKind, NewAssembly};
use cosabi_core::format::display_date;
use cosabi_core::ValidationError;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// Registers an assembly, or corrects the header of a draft acta (`editing`).
#[component]
pub(super) fn AssemblyForm(
    editing: Option<Assembly>,
    on_saved: Callback<Uuid>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let date = RwSignal::new(String::new());
    let place = RwSignal::new(String::new());
    let agenda = RwSignal::new(String::new());
    let community = RwSignal::new(String::new());
    let kind_select = NodeRef::<leptos::html::Select>::new();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let banner = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let editing_id = editing.as_ref().map(|a| a.id);
    let quorum_percent = editing
        .as_ref()
        .map(|a| a.quorum_percent.to_string())
        .unwrap_or_default();
    let initial_kind = editing
        .as_ref()
        .map(|a| a.kind.clone())
        .unwrap_or_else(|| AssemblyKind::Ordinaria.code().to_owned());
    let draft = match &editing {
        Some(a) => {
            date.set(display_date(&a.date));
            place.set(a.place.clone());
            agenda.set(a.agenda.join("\n"));
            community.set(if a.community_attendees == 0 {
                String::new()
            } else {
                a.community_attendees.to_string()
            });
            None
        }
        None => Some(Draft::new(
            "assembly",
            vec![
                ("date", date),
                ("place", place),
                ("agenda", agenda),
                ("community", community),
            ],
        )),
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let input = NewAssembly {
            kind: kind_select
                .get_untracked()
                .map(|s| s.value())
                .unwrap_or_default(),
            date: date.get_untracked(),
            place: place.get_untracked(),
            agenda: agenda.get_untracked(),
            community_attendees: community.get_untracked(),
            quorum_percent: quorum_percent.clone(),
            minutes: String::new(),
        };
        let draft = draft.clone();
        busy.set(true);
        spawn_local(async move {
            let result = match editing_id {
                Some(id) => api::assembly::update_assembly(id, &input).await.map(|_| id),
                None => api::assembly::create_assembly(&input).await.map(|a| a.id),
            };
            busy.set(false);
            match result {
                Ok(id) => {
                    errors.set(Vec::new());
                    banner.set(None);
                    if let Some(d) = &draft {
                        d.clear();
                    }
                    on_saved.run(id);
                }
                Err(e) => show_failure(
                    i18n,
                    "asm",
                    e,
                    &["kind", "date", "place", "agenda", "community_attendees"],
                    errors,
                    banner,
                ),
            }
        });
    };
    let is_edit = editing_id.is_some();

    view! {
        <form class="card rec-form" id="assembly-form" on:submit=submit novalidate=true>
            <h2>{move || if is_edit { i18n.t("asm.edit_title") } else { i18n.t("asm.form_title") }}</h2>
            {move || banner.get().map(|b| view! { <p class="banner error" id="assembly-form-error" role="alert">{b}</p> })}

            <label for="asm-kind">{move || i18n.t("asm.kind")}</label>
            <select id="asm-kind" name="kind" node_ref=kind_select
                class:invalid=move || has_problem(errors, "kind")>
                {AssemblyKind::ALL
                    .iter()
                    .map(|k| {
                        let code = k.code();
                        view! {
                            <option value=code selected=initial_kind == code>
                                {move || kind_label(i18n, code)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            {field_problem(errors, "asm", "kind", "asm-kind")}

            <label for="asm-date">{move || i18n.t("asm.date")}</label>
            <input id="asm-date" name="date" inputmode="numeric" autocomplete="off"
                placeholder=move || i18n.t("field.date_placeholder")
                class:invalid=move || has_problem(errors, "date")
                bind:value=date/>
                    <DatePicker value=date for_id="asm-date"/>
            {field_problem(errors, "asm", "date", "asm-date")}

            <label for="asm-place">{move || i18n.t("asm.place")}</label>
            <input id="asm-place" name="place" autocomplete="off"
                placeholder=move || i18n.t("asm.place_hint")
                class:invalid=move || has_problem(errors, "place")
                bind:value=place/>
            {field_problem(errors, "asm", "place", "asm-place")}

            // Once recorded, the agenda and the community count have steps of their own.
            <Show when=move || !is_edit>
                <label for="asm-agenda">{move || i18n.t("asm.agenda")}</label>
                <textarea id="asm-agenda" name="agenda" rows="5"
                    class:invalid=move || has_problem(errors, "agenda")
                    prop:value=move || agenda.get()
                    on:input=move |ev| agenda.set(event_target_value(&ev))></textarea>
                <p class="hint">{move || i18n.t("asm.agenda_hint")}</p>
                {field_problem(errors, "asm", "agenda", "asm-agenda")}

                <label for="asm-community">{move || i18n.t("asm.community")}</label>
                <input id="asm-community" name="community" inputmode="numeric" autocomplete="off"
                    class:invalid=move || has_problem(errors, "community_attendees")
                    bind:value=community/>
                <p class="hint">{move || i18n.t("asm.community_hint")}</p>
                {field_problem(errors, "asm", "community_attendees", "asm-community")}
            </Show>

            <div class="rec-actions">
                <button type="submit" class="primary" id="asm-save" disabled=move || busy.get()>
                    {move || if busy.get() {
                        i18n.t("common.saving")
                    } else if is_edit {
                        i18n.t("asm.save_changes")
                    } else {
                        i18n.t("asm.save")
                    }}
                </button>
                <button type="button" class="secondary" id="asm-cancel" on:click=move |_| on_cancel.run(())>
                    {move || i18n.t("common.cancel")}
                </button>
            </div>
        </form>
    }
}
