//! First start: register the clinic, or load the demo clinic.

use crate::api;
use crate::i18n::use_i18n;
use crate::pages::FormState;
use cosabi_core::clinic::{allocation_for, Clinic, NewClinic, STATES};
use leptos::prelude::*;

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
    let form = FormState::new("setup");
    let create = form.save(
        |input: &NewClinic| {
            let input = input.clone();
            async move { api::create_clinic(&input).await }
        },
        move |c| on_created.run(c),
    );
    let demo = form.save(|_: &()| api::load_demo(), move |c| on_created.run(c));
    // Registering and loading the demo exclude each other.
    let busy = move || create.pending().get() || demo.pending().get();

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
        if demo.pending().get_untracked() {
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
        create.run(input);
    };

    let load_demo = move |_| {
        if !create.pending().get_untracked() {
            demo.run(());
        }
    };

    view! {
        <section class="page setup">
            <h1>{move || i18n.t("setup.title")}</h1>
            <p class="lead">{move || i18n.t("setup.intro")}</p>

            <div class="card demo">
                <h2>{move || i18n.t("setup.demo_title")}</h2>
                <p>{move || i18n.t("setup.demo_text")}</p>
                <button id="load-demo" class="secondary" on:click=load_demo disabled=busy>
                    {move || i18n.t("setup.demo_button")}
                </button>
            </div>

            <JoinCommittee on_created=on_created/>

            <form class="card" id="clinic-form" on:submit=submit novalidate=true>
                <h2>{move || i18n.t("setup.form_title")}</h2>
                {form.banner_view("form-error")}

                <label for="clues">{move || i18n.t("field.clues")}</label>
                <input id="clues" name="clues" autocomplete="off" autocapitalize="characters"
                    maxlength="20" placeholder="VZIMB001234"
                    class:invalid=form.invalid("clues")
                    bind:value=clues/>
                <p class="hint">{move || i18n.t("field.clues_hint")}</p>
                {form.problem("clues", "clues")}

                <label for="clinic-name">{move || i18n.t("field.clinic_name")}</label>
                <input id="clinic-name" name="name" autocomplete="off"
                    class:invalid=form.invalid("name")
                    bind:value=name/>
                {form.problem("name", "clinic-name")}

                <label for="state">{move || i18n.t("field.state")}</label>
                <select id="state" name="state"
                    class:invalid=form.invalid("state")
                    node_ref=state_select>
                    <option value="">{move || i18n.t("field.state_choose")}</option>
                    {STATES.iter().map(|s| view! { <option value=s.code>{s.name}</option> }).collect_view()}
                </select>
                {form.problem("state", "state")}

                <div class="row">
                    <div>
                        <label for="municipality">{move || i18n.t("field.municipality")}</label>
                        <input id="municipality" name="municipality"
                            class:invalid=form.invalid("municipality")
                            bind:value=municipality/>
                        {form.problem("municipality", "municipality")}
                    </div>
                    <div>
                        <label for="locality">{move || i18n.t("field.locality")}</label>
                        <input id="locality" name="locality"
                            class:invalid=form.invalid("locality")
                            bind:value=locality/>
                        {form.problem("locality", "locality")}
                    </div>
                </div>

                <label for="consultorios">{move || i18n.t("field.consultorios")}</label>
                <input id="consultorios" name="consultorios" type="number" min="1" max="99"
                    inputmode="numeric"
                    class:invalid=form.invalid("consultorios")
                    bind:value=consultorios/>
                {form.problem("consultorios", "consultorios")}

                <p class="allocation">
                    <span>{move || i18n.t_with("setup.allocation", &[("year", year.to_string())])}</span>
                    <strong id="allocation">{allocation}</strong>
                </p>

                <button id="create-clinic" type="submit" class="primary" disabled=busy>
                    {move || if busy() { i18n.t("common.saving") } else { i18n.t("setup.submit") }}
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
    // The first sync after enrolling brings the clinic.
    let first_sync = Action::new_local(move |_: &()| async move {
        if let Err(e) = api::views::sync_now().await {
            message.set(Some(i18n.t(&format!("error.{}", e.code))));
            return;
        }
        match api::get_clinic().await {
            Ok(Some(c)) => on_created.run(c),
            _ => message.set(Some(i18n.t("setup.join_empty"))),
        }
    });
    let on_enrolled = Callback::new(move |_: ()| {
        message.set(Some(i18n.t("setup.join_syncing")));
        first_sync.dispatch_local(());
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
