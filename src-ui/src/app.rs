//! The root component: top bar with the language switch, then the first-start screen
//! or the committee screen.

use crate::api;
use crate::i18n::{languages, use_i18n, I18n};
use crate::pages::committee::CommitteePage;
use crate::pages::setup::SetupPage;
use cosabi_core::clinic::Clinic;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// What the app knows about the replica while starting.
#[derive(Clone, PartialEq)]
enum Loaded {
    Loading,
    NoClinic,
    Clinic(Box<Clinic>),
    Failed(api::ApiError),
}

#[component]
pub fn App() -> impl IntoView {
    let i18n = I18n::new();
    provide_context(i18n);
    let state = RwSignal::new(Loaded::Loading);

    spawn_local(async move {
        if let Ok(Some(lang)) = api::get_setting("language").await {
            i18n.set_lang(&lang);
        }
        state.set(match api::get_clinic().await {
            Ok(Some(c)) => Loaded::Clinic(Box::new(c)),
            Ok(None) => Loaded::NoClinic,
            Err(e) => Loaded::Failed(e),
        });
    });

    Effect::new(move |_| {
        let lang = i18n.lang();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", &lang);
        }
    });

    let on_created = Callback::new(move |c: Clinic| state.set(Loaded::Clinic(Box::new(c))));

    view! {
        <header class="topbar">
            <div class="brand">
                <span class="logo" aria-hidden="true">"+"</span>
                <div>
                    <div class="brand-name">{move || i18n.t("app.title")}</div>
                    <div class="brand-sub">{move || i18n.t("app.subtitle")}</div>
                </div>
            </div>
            <LanguageSwitch/>
        </header>
        <main class="content">
            {move || match state.get() {
                Loaded::Loading => view! { <p class="loading">{i18n.t("common.loading")}</p> }.into_any(),
                Loaded::NoClinic => view! { <SetupPage on_created=on_created/> }.into_any(),
                Loaded::Clinic(c) => view! { <CommitteePage clinic=*c/> }.into_any(),
                Loaded::Failed(e) => {
                    let text = i18n.t_with(&format!("error.{}", e.code), &[("code", e.code.clone())]);
                    view! { <p class="banner error" role="alert" id="load-error">{text}</p> }.into_any()
                }
            }}
        </main>
    }
}

/// Picks the interface language; remembered on the device.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let on_change = move |ev| {
        let code = event_target_value(&ev);
        i18n.set_lang(&code);
        spawn_local(async move {
            // Not remembering the choice is no reason to bother the user.
            let _ = api::set_setting("language", &code).await;
        });
    };
    view! {
        <label class="lang">
            <span class="sr-only">{move || i18n.t("lang.label")}</span>
            <select id="lang-switch" on:change=on_change prop:value=move || i18n.lang()>
                {languages()
                    .into_iter()
                    .map(|(code, name)| view! { <option value=code>{name}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}
