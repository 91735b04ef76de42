//! Ajustes: language, the sync server's address, and the privacy notice (aviso de
//! privacidad), which is also shown once at first start.

use crate::api;
use crate::i18n::{languages, use_i18n};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let server = RwSignal::new(String::new());
    let saved = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // The address on record fills the field once it is read.
    let status = LocalResource::new(api::views::sync_status);
    Effect::new(move |_| {
        if let Some(Ok(st)) = status.get() {
            server.set(st.server.unwrap_or_default());
        }
    });
    let save = Action::new_local(move |s: &String| {
        let s = s.clone();
        async move {
            match api::views::set_sync_server(&s).await {
                Ok(()) => saved.set(true),
                Err(e) => error.set(Some(i18n.api_error_text(&e))),
            }
        }
    });
    let save_server = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let s = server
            .get_untracked()
            .trim()
            .trim_end_matches('/')
            .to_owned();
        save.dispatch(s);
    };
    let on_lang = move |ev| {
        let code = event_target_value(&ev);
        i18n.set_lang(&code);
        // Fire and forget: the language is already shown; keeping it is a preference.
        spawn_local(async move {
            let _ = api::set_preference(cosabi_core::settings::Preference::Language, &code).await;
        });
    };
    view! {
        <section class="page" id="page-settings">
            <crate::nav::PageTitle screen=crate::nav::Screen::Settings/>
            <div class="columns">
                <div>
                    <div class="card">
                        <h2 id="settings-lang-title">{move || i18n.t("settings.language")}</h2>
                        // The card's title names the list (axe: select-name).
                        <select id="settings-lang" aria-labelledby="settings-lang-title" on:change=on_lang prop:value=move || i18n.lang()>
                            {languages().into_iter().map(|(code, name)| view! { <option value=code>{name}</option> }).collect_view()}
                        </select>
                    </div>
                    <form class="card form" id="server-form" on:submit=save_server>
                        <h2>{move || i18n.t("settings.server")}</h2>
                        <p class="muted">{move || i18n.t("settings.server_lead")}</p>
                        <label for="settings-server">{move || i18n.t("sync.server")}</label>
                        <input id="settings-server" inputmode="url" autocomplete="off" bind:value=server on:input=move |_| { saved.set(false); error.set(None); }/>
                        <button type="submit" class="secondary" id="settings-server-save">{move || i18n.t("common.save")}</button>
                        {move || error.get().map(|e| view! { <p class="banner error" role="alert" id="settings-server-error">{e}</p> })}
                        <Show when=move || saved.get()>
                            <p class="banner ok" role="status">{move || i18n.t("settings.saved")}</p>
                        </Show>
                    </form>
                    <div class="card">
                        <h2>{move || i18n.t("settings.about")}</h2>
                        <p class="muted">{move || i18n.t_with("settings.version", &[("version", env!("CARGO_PKG_VERSION").to_owned())])}</p>
                    </div>
                </div>
                <PrivacyNotice on_accept=None/>
            </div>
        </section>
    }
}

/// The aviso de privacidad; with `on_accept`, shown at first start with an accept button.
#[component]
pub fn PrivacyNotice(on_accept: Option<Callback<()>>) -> impl IntoView {
    let i18n = use_i18n();
    let sections = ["what", "why", "where", "who", "rights"];
    view! {
        <article class="card privacy" id="privacy">
            <h2>{move || i18n.t("privacy.title")}</h2>
            <p>{move || i18n.t("privacy.lead")}</p>
            {sections.into_iter().map(|s| view! {
                <h3>{move || i18n.t(&format!("privacy.{s}.title"))}</h3>
                <p>{move || i18n.t(&format!("privacy.{s}.text"))}</p>
            }).collect_view()}
            {on_accept.map(|cb| view! {
                <button type="button" class="primary" id="privacy-accept" on:click=move |_| cb.run(())>
                    {move || i18n.t("privacy.accept")}
                </button>
            })}
        </article>
    }
}
