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
use cosabi_core::committee::{approves_pins, DeviceStatus, Member, PinApproval, Role};
use cosabi_core::ids::MemberId;
use cosabi_core::settings::Preference;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// What the app knows about the replica while starting.
#[derive(Clone, PartialEq)]
enum Loaded {
    Loading,
    /// The replica is encrypted and waits for a member's PIN.
    Locked(DeviceStatus),
    NoClinic,
    Clinic,
    Failed(api::ApiError),
}

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
        if let Ok(Some(lang)) = api::get_preference(Preference::Language).await {
            i18n.set_lang(&lang);
        }
        privacy_accepted.set(matches!(
            api::get_preference(Preference::PrivacyAccepted).await,
            Ok(Some(_))
        ));
        match api::session::device_status().await {
            Ok(st) if st.locked => state.set(Loaded::Locked(st)),
            _ => load(session, state).await,
        }
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
            let _ = api::set_preference(Preference::PrivacyAccepted, "1").await;
        });
    });
    let on_unlocked = Callback::new(move |m: Option<Member>| {
        session.member.set(m);
        spawn_local(async move { load(session, state).await });
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
                        Loaded::Locked(st) => view! { <LockScreen status=st on_unlocked=on_unlocked/> }.into_any(),
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

/// Loads who is signed in and the clinic once the replica is open.
async fn load(session: Session, state: RwSignal<Loaded>) {
    if let Ok(m) = api::session::signed_in().await {
        if m.is_some() {
            session.member.set(m);
        }
    }
    state.set(match api::get_clinic().await {
        Ok(Some(c)) => {
            session.clinic.set(Some(c));
            Loaded::Clinic
        }
        Ok(None) => Loaded::NoClinic,
        Err(e) => Loaded::Failed(e),
    });
}

/// The device's data is encrypted: a member opens it with their PIN (chosen by role:
/// no names are readable before it opens), or the recovery code from the municipal
/// office when every PIN is forgotten.
#[component]
fn LockScreen(status: DeviceStatus, on_unlocked: Callback<Option<Member>>) -> impl IntoView {
    let i18n = use_i18n();
    let chosen = RwSignal::new(None::<MemberId>);
    let pin = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let use_code = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let has_recovery = status.has_recovery;
    let holders = status.keyholders.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = if use_code.get_untracked() {
                api::session::recover(&code.get_untracked())
                    .await
                    .map(|()| None)
            } else if let Some(m) = chosen.get_untracked() {
                api::session::unlock(m, &pin.get_untracked())
                    .await
                    .map(Some)
            } else {
                busy.set(false);
                return;
            };
            busy.set(false);
            match result {
                Ok(m) => on_unlocked.run(m),
                Err(e) => {
                    pin.set(String::new());
                    error.set(Some(i18n.api_error_text(&e)));
                }
            }
        });
    };
    view! {
        <section class="page narrow" id="lock-screen">
            <h1>{move || i18n.t("lock.title")}</h1>
            <p class="muted">{move || i18n.t("lock.lead")}</p>
            {move || error.get().map(|e| view! { <p class="banner error" role="alert" id="lock-error">{e}</p> })}
            <form class="card form" on:submit=submit novalidate=true>
                <Show when=move || !use_code.get()>
                    <fieldset class="who-list">
                        <legend>{move || i18n.t("lock.who")}</legend>
                        {holders.iter().map(|h| {
                            let id = h.member;
                            let role = if h.role.is_empty() { "unknown".to_string() } else { h.role.clone() };
                            view! {
                                <button type="button" class="lock-option who-option" id=format!("lock-{id}")
                                    aria-pressed=move || (chosen.get() == Some(id)).to_string()
                                    class:active=move || chosen.get() == Some(id)
                                    on:click=move |_| { error.set(None); chosen.set(Some(id)); }>
                                    {move || i18n.t(&format!("role.{role}"))}
                                </button>
                            }
                        }).collect_view()}
                    </fieldset>
                    <label for="lock-pin">{move || i18n.t("who.pin")}</label>
                    <input id="lock-pin" type="password" inputmode="numeric" autocomplete="off" maxlength="6" bind:value=pin/>
                </Show>
                <Show when=move || use_code.get()>
                    <label for="lock-code">{move || i18n.t("lock.code")}</label>
                    <input id="lock-code" autocomplete="off" autocapitalize="characters" bind:value=code/>
                    <p class="hint">{move || i18n.t("lock.code_hint")}</p>
                </Show>
                <button type="submit" class="primary" id="lock-submit" disabled=move || busy.get()>{move || i18n.t("lock.open")}</button>
                <Show when=move || has_recovery>
                    <button type="button" class="secondary" id="lock-use-code" on:click=move |_| { error.set(None); use_code.update(|u| *u = !*u); }>
                        {move || if use_code.get() { i18n.t("lock.use_pin") } else { i18n.t("lock.forgot") }}
                    </button>
                </Show>
            </form>
        </section>
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
    // Approving another member's PIN: who (presidencia or contraloría social with a
    // PIN here) and their PIN, or the recovery code.
    let approver = RwSignal::new(String::new());
    let approver_pin = RwSignal::new(String::new());
    let approval_code = RwSignal::new(String::new());
    let recovery_shown = RwSignal::new(None::<String>);
    // A member who forgot their PIN chooses a new one, approved like a first one.
    let resetting = RwSignal::new(false);
    let any_pin = move || members.get().iter().any(|(_, has)| *has);
    let approvers = move || {
        members
            .get()
            .into_iter()
            .filter(|(m, has)| {
                *has && Role::from_code(&m.role).is_some_and(approves_pins)
                    && chosen.get().is_none_or(|(c, _)| c.id != m.id)
            })
            .map(|(m, _)| m)
            .collect::<Vec<_>>()
    };

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
        let new_pin = !has_pin || resetting.get_untracked();
        if new_pin && pin.get_untracked() != pin2.get_untracked() {
            error.set(Some(i18n.t("who.pins_differ")));
            return;
        }
        busy.set(true);
        let p = pin.get_untracked();
        let approval = if !approval_code.get_untracked().trim().is_empty() {
            PinApproval::Recovery {
                code: approval_code.get_untracked(),
            }
        } else {
            match approver.get_untracked().parse() {
                Ok(id) => PinApproval::Member {
                    member: MemberId(id),
                    pin: approver_pin.get_untracked(),
                },
                Err(_) => PinApproval::None,
            }
        };
        spawn_local(async move {
            let result = if !new_pin {
                api::session::sign_in(m.id, &p)
                    .await
                    .map(|member| (member, None))
            } else {
                api::session::set_pin(m.id, &p, &approval)
                    .await
                    .map(|s| (s.member, s.recovery))
            };
            busy.set(false);
            approver_pin.set(String::new());
            match result {
                Ok((member, recovery)) => {
                    session.member.set(Some(member));
                    match recovery {
                        // The device's first PIN: its recovery code, shown once.
                        Some(code) => recovery_shown.set(Some(code)),
                        None => session.sheet_open.set(false),
                    }
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
            {move || recovery_shown.get().map(|code| view! {
                <div class="card" id="recovery-shown" role="status">
                    <h3>{move || i18n.t("recovery.title")}</h3>
                    <p>{move || i18n.t("recovery.lead")}</p>
                    <p class="recovery-code" id="recovery-code">{code}</p>
                    <button type="button" class="primary" id="recovery-done"
                        on:click=move |_| { recovery_shown.set(None); session.sheet_open.set(false); }>
                        {move || i18n.t("recovery.done")}
                    </button>
                </div>
            })}
            {move || match chosen.get() {
                _ if recovery_shown.get().is_some() => ().into_any(),
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
                        <p class="hint">{move || if resetting.get() { i18n.t("who.pin_reset") } else if has_pin { i18n.t("who.pin_enter") } else { i18n.t("who.pin_new") }}</p>
                        <label for="pin">{move || i18n.t("who.pin")}</label>
                        <input id="pin" type="password" inputmode="numeric" autocomplete="off" maxlength="6" bind:value=pin/>
                        <Show when=move || !has_pin || resetting.get()>
                            <label for="pin2">{move || i18n.t("who.pin_again")}</label>
                            <input id="pin2" type="password" inputmode="numeric" autocomplete="off" maxlength="6" bind:value=pin2/>
                        </Show>
                        <Show when=move || (!has_pin && any_pin()) || resetting.get()>
                            <fieldset class="approval" id="approval">
                                <legend>{move || i18n.t("approval.title")}</legend>
                                <p class="hint">{move || i18n.t("approval.lead")}</p>
                                <label for="approver">{move || i18n.t("approval.who")}</label>
                                <select id="approver" bind:value=approver>
                                    <option value="">{move || i18n.t("approval.choose")}</option>
                                    {move || approvers().into_iter().map(|a| {
                                        let label = format!("{} · {}", a.name, i18n.t(&format!("role.{}", a.role)));
                                        view! { <option value=a.id.to_string()>{label}</option> }
                                    }).collect_view()}
                                </select>
                                <label for="approver-pin">{move || i18n.t("approval.pin")}</label>
                                <input id="approver-pin" type="password" inputmode="numeric" autocomplete="off" maxlength="6" bind:value=approver_pin/>
                                <label for="approval-code">{move || i18n.t("approval.code")}</label>
                                <input id="approval-code" autocomplete="off" autocapitalize="characters" bind:value=approval_code/>
                            </fieldset>
                        </Show>
                        <button type="submit" class="primary" id="pin-submit" disabled=move || busy.get()>{move || i18n.t("who.enter")}</button>
                        <Show when=move || has_pin && !resetting.get()>
                            <button type="button" class="secondary" id="pin-forgot" on:click=move |_| { error.set(None); resetting.set(true); }>{move || i18n.t("who.pin_forgot")}</button>
                        </Show>
                        <button type="button" class="secondary" on:click=move |_| { chosen.set(None); resetting.set(false); pin.set(String::new()); pin2.set(String::new()); }>{move || i18n.t("common.back")}</button>
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
            let _ = api::set_preference(Preference::Language, &code).await;
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
