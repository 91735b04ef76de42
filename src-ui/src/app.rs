//! The root component: top bar (who is using the device, language), the screen, and
//! the navigation (a bottom bar on phones, a side rail on wide windows).
//!
//! Before a clinic exists it shows the first-start screen; the privacy notice is
//! shown once, at first start, before anything is recorded.

use crate::api;
use crate::components::session::{use_session, Session};
use crate::i18n::{languages, use_i18n, I18n};
use crate::nav::{use_nav, Nav, Screen};
use crate::pages::actions::ActionsPage;
use crate::pages::assemblies::AssembliesPage;
use crate::pages::committee::CommitteePage;
use crate::pages::home::HomePage;
use crate::pages::money::MoneyPage;
use crate::pages::settings::{PrivacyNotice, SettingsPage};
use crate::pages::setup::SetupPage;
use crate::pages::sync::SyncPage;
use cosabi_core::clinic::Clinic;
use cosabi_core::committee::Member;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// What the app knows about the replica while starting.
#[derive(Clone, PartialEq)]
enum Loaded {
    Loading,
    NoClinic,
    Clinic,
    Failed(api::ApiError),
}

/// Local setting remembering that the privacy notice was accepted on this device.
const PRIVACY_SETTING: &str = "privacy.accepted";

#[component]
pub fn App() -> impl IntoView {
    let i18n = I18n::new();
    provide_context(i18n);
    let session = Session::new();
    provide_context(session);
    let nav = Nav {
        screen: RwSignal::new(Screen::Home),
    };
    provide_context(nav);
    let state = RwSignal::new(Loaded::Loading);
    let privacy_accepted = RwSignal::new(true);

    spawn_local(async move {
        if let Ok(Some(lang)) = api::get_setting("language").await {
            i18n.set_lang(&lang);
        }
        privacy_accepted.set(matches!(
            api::get_setting(PRIVACY_SETTING).await,
            Ok(Some(_))
        ));
        if let Ok(m) = api::session::signed_in().await {
            session.member.set(m);
        }
        state.set(match api::get_clinic().await {
            Ok(Some(c)) => {
                session.clinic.set(Some(c));
                Loaded::Clinic
            }
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

    let on_created = Callback::new(move |c: Clinic| {
        session.clinic.set(Some(c));
        // A new clinic starts on its committee: the first thing to do is register it.
        nav.go(Screen::Committee);
        state.set(Loaded::Clinic);
    });
    let accept_privacy = Callback::new(move |_: ()| {
        privacy_accepted.set(true);
        spawn_local(async move {
            let _ = api::set_setting(PRIVACY_SETTING, "1").await;
        });
    });

    view! {
        <header class="topbar">
            <div class="brand">
                <span class="logo" aria-hidden="true">"+"</span>
                <div>
                    <div class="brand-name">{move || i18n.t("app.title")}</div>
                    <div class="brand-sub">{move || {
                        session.clinic.get().map(|c| c.name).unwrap_or_else(|| i18n.t("app.subtitle"))
                    }}</div>
                </div>
            </div>
            <Show when=move || state.get() == Loaded::Clinic>
                <WhoChip/>
            </Show>
            <LanguageSwitch/>
        </header>
        <div class="shell" class:with-nav=move || state.get() == Loaded::Clinic>
            <Show when=move || state.get() == Loaded::Clinic>
                <NavBar/>
            </Show>
            <main class="content">
                {move || if !privacy_accepted.get() {
                    view! { <section class="page narrow" id="page-privacy"><PrivacyNotice on_accept=Some(accept_privacy)/></section> }.into_any()
                } else {
                    match state.get() {
                        Loaded::Loading => view! { <p class="loading">{i18n.t("common.loading")}</p> }.into_any(),
                        Loaded::NoClinic => view! { <SetupPage on_created=on_created/> }.into_any(),
                        Loaded::Clinic => view! { <CurrentScreen/> }.into_any(),
                        Loaded::Failed(e) => {
                            let text = i18n.t_with(&format!("error.{}", e.code), &[("code", e.code.clone())]);
                            view! { <p class="banner error" role="alert" id="load-error">{text}</p> }.into_any()
                        }
                    }
                }}
            </main>
        </div>
        <Show when=move || session.sheet_open.get()>
            <WhoSheet/>
        </Show>
    }
}

#[component]
fn CurrentScreen() -> impl IntoView {
    let nav = use_nav();
    let session = use_session();
    move || match nav.screen.get() {
        Screen::Home => view! { <HomePage/> }.into_any(),
        Screen::Committee => match session.clinic.get() {
            Some(c) => view! { <CommitteePage clinic=c/> }.into_any(),
            None => ().into_any(),
        },
        Screen::Assemblies => view! { <AssembliesPage/> }.into_any(),
        Screen::Actions => view! { <ActionsPage/> }.into_any(),
        Screen::Money => view! { <MoneyPage/> }.into_any(),
        Screen::Sync => view! { <SyncPage/> }.into_any(),
        Screen::Settings => view! { <SettingsPage/> }.into_any(),
    }
}

/// The seven screens. Phones show a bottom bar with short labels; wide windows a rail.
#[component]
fn NavBar() -> impl IntoView {
    let i18n = use_i18n();
    let nav = use_nav();
    view! {
        <nav class="navbar" aria-label=move || i18n.t("nav.label")>
            {Screen::ALL
                .into_iter()
                .map(|s| {
                    let id = s.id();
                    view! {
                        <button type="button" id=format!("nav-{id}") class="nav-item"
                            class:active=move || nav.screen.get() == s
                            aria-current=move || (nav.screen.get() == s).then_some("page")
                            on:click=move |_| nav.go(s)>
                            <span class=format!("nav-icon icon-{id}") aria-hidden="true"></span>
                            <span class="nav-full">{move || i18n.t(&format!("nav.{id}"))}</span>
                            <span class="nav-short" aria-hidden="true">{move || i18n.t(&format!("nav.short.{id}"))}</span>
                        </button>
                    }
                })
                .collect_view()}
        </nav>
    }
}

/// The top-bar chip: who is using the device (tap to change or leave).
#[component]
fn WhoChip() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    view! {
        <button type="button" id="who-chip" class="who-chip" on:click=move |_| session.sheet_open.set(true)>
            {move || match session.member.get() {
                Some(m) => view! {
                    <span class="who-name" id="who-name">{first_name(&m.name)}</span>
                    <span class="who-role">{i18n.t(&format!("role.{}", m.role))}</span>
                }.into_any(),
                None => view! { <span class="who-name">{i18n.t("who.nobody")}</span> }.into_any(),
            }}
        </button>
    }
}

fn first_name(name: &str) -> String {
    name.split_whitespace().next().unwrap_or(name).to_owned()
}

/// Picks who is using the device: tap your name, type your PIN (or choose one the
/// first time on this device).
#[component]
fn WhoSheet() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let members = RwSignal::new(Vec::<(Member, bool)>::new());
    let chosen = RwSignal::new(None::<(Member, bool)>);
    let pin = RwSignal::new(String::new());
    let pin2 = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    spawn_local(async move {
        match api::session::members_with_pins().await {
            Ok(list) => members.set(list),
            Err(e) => error.set(Some(i18n.t(&format!("error.{}", e.code)))),
        }
    });

    let close = move || {
        session.sheet_open.set(false);
    };
    let sign_out = move |_| {
        spawn_local(async move {
            let _ = api::session::sign_out().await;
            session.member.set(None);
            session.sheet_open.set(false);
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((m, has_pin)) = chosen.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        if !has_pin && pin.get_untracked() != pin2.get_untracked() {
            error.set(Some(i18n.t("who.pins_differ")));
            return;
        }
        busy.set(true);
        let p = pin.get_untracked();
        spawn_local(async move {
            let result = if has_pin {
                api::session::sign_in(m.id, &p).await
            } else {
                api::session::set_pin_and_sign_in(m.id, &p).await
            };
            busy.set(false);
            match result {
                Ok(member) => {
                    session.member.set(Some(member));
                    session.sheet_open.set(false);
                }
                Err(e) => {
                    pin.set(String::new());
                    pin2.set(String::new());
                    let text = i18n.api_error_text(&e);
                    error.set(Some(text));
                }
            }
        });
    };

    view! {
        <div class="sheet-backdrop" on:click=move |_| close()></div>
        <div class="sheet" role="dialog" aria-modal="true" id="who-sheet" aria-labelledby="who-title">
            <div class="sheet-head">
                <h2 id="who-title">{move || i18n.t("who.title")}</h2>
                <button type="button" class="icon-button" id="who-close" aria-label=move || i18n.t("common.close") on:click=move |_| close()>"×"</button>
            </div>
            <p class="muted">{move || i18n.t("who.lead")}</p>
            {move || error.get().map(|e| view! { <p class="banner error" role="alert" id="who-error">{e}</p> })}
            {move || match chosen.get() {
                None => view! {
                    <ul class="who-list">
                        <For each=move || members.get() key=|(m, _)| m.id
                            children=move |(m, has_pin): (Member, bool)| {
                                let label = m.name.clone();
                                let role = m.role.clone();
                                let id = format!("who-{}", m.id);
                                let mm = m.clone();
                                view! {
                                    <li><button type="button" class="who-option" id=id
                                        on:click=move |_| { error.set(None); chosen.set(Some((mm.clone(), has_pin))) }>
                                        <span class="who-option-name">{label}</span>
                                        <span class="muted">{move || i18n.t(&format!("role.{role}"))}</span>
                                    </button></li>
                                }
                            }/>
                    </ul>
                    <Show when=move || members.get().is_empty()>
                        <p class="muted" id="who-empty">{move || i18n.t("who.no_members")}</p>
                    </Show>
                    <Show when=move || session.member.get().is_some()>
                        <button type="button" class="secondary" id="who-sign-out" on:click=sign_out>{move || i18n.t("who.sign_out")}</button>
                    </Show>
                }.into_any(),
                Some((m, has_pin)) => view! {
                    <form on:submit=submit novalidate=true id="pin-form">
                        <p class="who-chosen">{m.name.clone()}</p>
                        <p class="hint">{move || if has_pin { i18n.t("who.pin_enter") } else { i18n.t("who.pin_new") }}</p>
                        <label for="pin">{move || i18n.t("who.pin")}</label>
                        <input id="pin" type="password" inputmode="numeric" autocomplete="off" maxlength="6" bind:value=pin/>
                        <Show when=move || !has_pin>
                            <label for="pin2">{move || i18n.t("who.pin_again")}</label>
                            <input id="pin2" type="password" inputmode="numeric" autocomplete="off" maxlength="6" bind:value=pin2/>
                        </Show>
                        <button type="submit" class="primary" id="pin-submit" disabled=move || busy.get()>{move || i18n.t("who.enter")}</button>
                        <button type="button" class="secondary" on:click=move |_| { chosen.set(None); pin.set(String::new()); pin2.set(String::new()); }>{move || i18n.t("common.back")}</button>
                    </form>
                }.into_any(),
            }}
        </div>
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
