//! The form that calls an assembly or corrects the header of a draft acta.

use super::*;
use crate::api;
use crate::components::date_picker::DatePicker;
use crate::components::draft::Draft;
use crate::components::form::FormState;
use crate::i18n::use_i18n;
use cosabi_core::assembly::{Assembly, AssemblyKind, NewAssembly};
use cosabi_core::format::display_date;
use leptos::prelude::*;
use uuid::Uuid;

/// The agenda and the community count of a draft acta as they are now. They have
/// steps of their own, edited while the header form is open, so correcting the
/// header takes them at save time, never from when the form opened.
pub(super) type CurrentRest = Callback<(), (String, String)>;

/// Registers an assembly, or corrects the header of a draft acta (`editing`, with
/// where its agenda and community count are now).
#[component]
pub(super) fn AssemblyForm(
    editing: Option<(Assembly, CurrentRest)>,
    on_saved: Callback<Uuid>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let date = RwSignal::new(String::new());
    let place = RwSignal::new(String::new());
    let agenda = RwSignal::new(String::new());
    let community = RwSignal::new(String::new());
    let kind_select = NodeRef::<leptos::html::Select>::new();
    let form = FormState::new("asm");

    let current_rest = editing.as_ref().map(|(_, rest)| *rest);
    let editing = editing.map(|(a, _)| a);
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

    let draft = StoredValue::new(draft);
    let save = form.save(
        move |input: &NewAssembly| {
            let input = input.clone();
            async move {
                match editing_id {
                    Some(id) => api::assembly::update_assembly(id, &input).await.map(|_| id),
                    None => api::assembly::create_assembly(&input).await.map(|a| a.id),
                }
            }
        },
        move |id| {
            draft.with_value(|d| {
                if let Some(d) = d {
                    d.clear();
                }
            });
            on_saved.run(id);
        },
    );
    let busy = save.pending();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (agenda, community_attendees) = match current_rest {
            Some(rest) => rest.run(()),
            None => (agenda.get_untracked(), community.get_untracked()),
        };
        let input = NewAssembly {
            kind: kind_select
                .get_untracked()
                .map(|s| s.value())
                .unwrap_or_default(),
            date: date.get_untracked(),
            place: place.get_untracked(),
            agenda,
            community_attendees,
            quorum_percent: quorum_percent.clone(),
            minutes: String::new(),
        };
        save.run(input);
    };
    let is_edit = editing_id.is_some();

    view! {
        <form class="card rec-form" id="assembly-form" on:submit=submit novalidate=true>
            <h2>{move || if is_edit { i18n.t("asm.edit_title") } else { i18n.t("asm.form_title") }}</h2>
            {form.banner_view("assembly-form-error")}

            <label for="asm-kind">{move || i18n.t("asm.kind")}</label>
            <select id="asm-kind" name="kind" node_ref=kind_select
                class:invalid=form.invalid("kind")>
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
            {form.problem("kind", "asm-kind")}

            <label for="asm-date">{move || i18n.t("asm.date")}</label>
            <input id="asm-date" name="date" inputmode="numeric" autocomplete="off"
                placeholder=move || i18n.t("field.date_placeholder")
                class:invalid=form.invalid("date")
                bind:value=date/>
                    <DatePicker value=date for_id="asm-date"/>
            {form.problem("date", "asm-date")}

            <label for="asm-place">{move || i18n.t("asm.place")}</label>
            <input id="asm-place" name="place" autocomplete="off"
                placeholder=move || i18n.t("asm.place_hint")
                class:invalid=form.invalid("place")
                bind:value=place/>
            {form.problem("place", "asm-place")}

            // Once recorded, the agenda and the community count have steps of their own.
            <Show when=move || !is_edit>
                <label for="asm-agenda">{move || i18n.t("asm.agenda")}</label>
                <textarea id="asm-agenda" name="agenda" rows="5"
                    class:invalid=form.invalid("agenda")
                    prop:value=move || agenda.get()
                    on:input=move |ev| agenda.set(event_target_value(&ev))></textarea>
                <p class="hint">{move || i18n.t("asm.agenda_hint")}</p>
                {form.problem("agenda", "asm-agenda")}

                <label for="asm-community">{move || i18n.t("asm.community")}</label>
                <input id="asm-community" name="community" inputmode="numeric" autocomplete="off"
                    class:invalid=form.invalid("community_attendees")
                    bind:value=community/>
                <p class="hint">{move || i18n.t("asm.community_hint")}</p>
                {form.problem("community_attendees", "asm-community")}
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
