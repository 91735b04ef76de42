//! First start: register the clinic, or load the demo clinic.

use crate::api;
use crate::i18n::use_i18n;
use crate::pages::{field_error, show_api_error};
use cosabi_core::clinic::{allocation_for, Clinic, NewClinic, STATES};
use cosabi_core::ValidationError;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The first-start screen.
#[component]
pub fn SetupPage(
    /// Called with the clinic once it is saved.
    on_created: Callback<Clinic>,
) -> impl IntoView {
    let i18n = use_i18n();
    let clues = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    // Read from the element on submit (see AddMemberForm for why not a mirror signal).
    let state_select = NodeRef::<leptos::html::Select>::new();
    let municipality = RwSignal::new(String::new());
    let locality = RwSignal::new(String::new());
    let consultorios = RwSignal::new("1".to_owned());
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let banner = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let year = js_sys::Date::new_0().get_full_year() as i32;
    let allocation = move || {
        consultorios
            .get()
            .trim()
            .parse::<u32>()
            .ok()
            .and_then(|n| allocation_for(year, n))
            .map(|a| a.to_string())
            .unwrap_or_else(|| "—".to_owned())
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let input = NewClinic {
            clues: clues.get_untracked(),
            name: name.get_untracked(),
            state: state_select
                .get_untracked()
                .map(|s| s.value())
                .unwrap_or_default(),
            municipality: municipality.get_untracked(),
            locality: locality.get_untracked(),
            // Not a number → 0, which validation reports as out of range.
            consultorios: consultorios.get_untracked().trim().parse().unwrap_or(0),
        };
        busy.set(true);
        spawn_local(async move {
            match api::create_clinic(&input).await {
                Ok(c) => on_created.run(c),
                Err(e) => show_api_error(i18n, e, errors, banner),
            }
            busy.set(false);
        });
    };

    let load_demo = move |_| {
        busy.set(true);
        spawn_local(async move {
            match api::load_demo().await {
                Ok(c) => on_created.run(c),
                Err(e) => show_api_error(i18n, e, errors, banner),
            }
            busy.set(false);
        });
    };

    view! {
        <section class="page setup">
            <h1>{move || i18n.t("setup.title")}</h1>
            <p class="lead">{move || i18n.t("setup.intro")}</p>

            <div class="card demo">
                <h2>{move || i18n.t("setup.demo_title")}</h2>
                <p>{move || i18n.t("setup.demo_text")}</p>
                <button id="load-demo" class="secondary" on:click=load_demo disabled=move || busy.get()>
                    {move || i18n.t("setup.demo_button")}
                </button>
            </div>

            <JoinCommittee on_created=on_created/>

            <form class="card" id="clinic-form" on:submit=submit novalidate=true>
                <h2>{move || i18n.t("setup.form_title")}</h2>
                {move || banner.get().map(|b| view! { <p class="banner error" id="form-error" role="alert">{b}</p> })}

                <label for="clues">{move || i18n.t("field.clues")}</label>
                <input id="clues" name="clues" autocomplete="off" autocapitalize="characters"
                    maxlength="20" placeholder="VZIMB001234"
                    class:invalid=move || errors.get().iter().any(|e| e.field == "clues")
                    bind:value=clues/>
                <p class="hint">{move || i18n.t("field.clues_hint")}</p>
                {field_error(errors, "clues")}

                <label for="clinic-name">{move || i18n.t("field.clinic_name")}</label>
                <input id="clinic-name" name="name" autocomplete="off"
                    class:invalid=move || errors.get().iter().any(|e| e.field == "name")
                    bind:value=name/>
                {field_error(errors, "name")}

                <label for="state">{move || i18n.t("field.state")}</label>
                <select id="state" name="state"
                    class:invalid=move || errors.get().iter().any(|e| e.field == "state")
                    node_ref=state_select>
                    <option value="">{move || i18n.t("field.state_choose")}</option>
                    {STATES.iter().map(|s| view! { <option value=s.code>{s.name}</option> }).collect_view()}
                </select>
                {field_error(errors, "state")}

                <div class="row">
                    <div>
                        <label for="municipality">{move || i18n.t("field.municipality")}</label>
                        <input id="municipality" name="municipality"
                            class:invalid=move || errors.get().iter().any(|e| e.field == "municipality")
                            bind:value=municipality/>
                        {field_error(errors, "municipality")}
                    </div>
                    <div>
                        <label for="locality">{move || i18n.t("field.locality")}</label>
                        <input id="locality" name="locality"
                            class:invalid=move || errors.get().iter().any(|e| e.field == "locality")
                            bind:value=locality/>
                        {field_error(errors, "locality")}
                    </div>
                </div>

                <label for="consultorios">{move || i18n.t("field.consultorios")}</label>
                <input id="consultorios" name="consultorios" type="number" min="1" max="99"
                    inputmode="numeric"
                    class:invalid=move || errors.get().iter().any(|e| e.field == "consultorios")
                    bind:value=consultorios/>
                {field_error(errors, "consultorios")}

                <p class="allocation">
                    <span>{move || i18n.t_with("setup.allocation", &[("year", year.to_string())])}</span>
                    <strong id="allocation">{allocation}</strong>
                </p>

                <button id="create-clinic" type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { i18n.t("common.saving") } else { i18n.t("setup.submit") }}
                </button>
            </form>
        </section>
    }
}

/// A device for a committee that already uses Cosabi elsewhere: enroll it with the
/// code from the municipal office and take the clinic from the first sync.
#[component]
fn JoinCommittee(on_created: Callback<Clinic>) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let on_enrolled = Callback::new(move |_: ()| {
        message.set(Some(i18n.t("setup.join_syncing")));
        spawn_local(async move {
            if let Err(e) = api::views::sync_now().await {
                message.set(Some(i18n.t(&format!("error.{}", e.code))));
                return;
            }
            match api::get_clinic().await {
                Ok(Some(c)) => on_created.run(c),
                _ => message.set(Some(i18n.t("setup.join_empty"))),
            }
        });
    });
    view! {
        <div class="card join">
            <h2>{move || i18n.t("setup.join_title")}</h2>
            <p>{move || i18n.t("setup.join_text")}</p>
            <Show when=move || open.get() fallback=move || view! {
                <button type="button" class="secondary" id="join-committee" on:click=move |_| open.set(true)>
                    {move || i18n.t("setup.join_button")}
                </button>
            }>
                <crate::pages::sync::EnrollForm on_enrolled=on_enrolled/>
            </Show>
            {move || message.get().map(|m| view! { <p class="banner ok" role="status" id="join-message">{m}</p> })}
        </div>
    }
}
