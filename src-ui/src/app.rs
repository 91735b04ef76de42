//! The root component: the header (who is using the device, what is left to spend,
//! and whether this is the demo), the screen, and the navigation (five tabs at the
//! bottom on phones, a side rail on wide windows).
//!
//! The header stays on screen while a page scrolls (`position: sticky`, which needs
//! the window to be the scrolling box: see `overflow-x: clip` in styles.css).
//! Before a clinic exists it shows the first-start screen, with the language choice
//! in the header (Ajustes is not reachable yet); the privacy notice is shown once,
//! at first start, before anything is recorded.

use crate::api;
use crate::components::money::{amount_view, left_to_spend};
use crate::components::pin::PinInput;
use crate::components::session::{use_session, Session};
use crate::i18n::{languages, use_i18n, I18n};
use crate::nav::{use_nav, Nav, PageTitle, Screen};
use crate::pages::actions::ActionsPage;
use crate::pages::assemblies::AssembliesPage;
use crate::pages::committee::CommitteePage;
use crate::pages::home::HomePage;
use crate::pages::money::{DocumentsPage, MoneyPage};
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

    // Once, at start: the steps of opening the app, each deciding the next; no
    // form waits on it and nothing can be tapped twice.
    spawn_local(async move {
        if let Ok(Some(lang)) = api::get_preference(Preference::Language).await {
            i18n.set_lang(&lang);
        }
        privacy_accepted.set(matches!(
            api::get_preference(Preference::PrivacyAccepted).await,
            Ok(Some(_))
        ));
        match api::session::device_status().await {
            Ok(st) if st.locked => {
                session.demo.set(st.demo);
                state.set(Loaded::Locked(st))
            }
            Ok(st) => {
                session.demo.set(st.demo);
                load(session, state).await
            }
            Err(_) => load(session, state).await,
        }
    });

    // The year's money, for the header of every screen; reloaded after every write.
    Effect::new(move |_| {
        session.track();
        let year = session.year.get();
        if state.get() != Loaded::Clinic {
            return;
        }
        // Fire and forget: the header keeps the last figure until this one arrives.
        spawn_local(async move {
            if let Ok(b) = api::money::balance(year).await {
                session.balance.set(Some(b));
            }
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
        // The demo clinic is made in demo mode: the header says so from now on
        // (fire and forget: only the notice waits on it).
        spawn_local(async move {
            if let Ok(st) = api::session::device_status().await {
                session.demo.set(st.demo);
            }
        });
        // A new clinic starts on its committee: the first thing to do is register it.
        nav.go(Screen::Committee);
        state.set(Loaded::Clinic);
    });
    let accept_privacy = Callback::new(move |_: ()| {
        privacy_accepted.set(true);
        // Fire and forget: not remembering it only shows the notice once more.
        spawn_local(async move {
            let _ = api::set_preference(Preference::PrivacyAccepted, "1").await;
        });
    });
    let on_left_demo = Callback::new(move |_: ()| {
        session.demo.set(false);
        session.member.set(None);
        session.clinic.set(None);
        session.balance.set(None);
        nav.go(Screen::Home);
        state.set(Loaded::NoClinic);
    });
    let on_unlocked = Callback::new(move |m: Option<Member>| {
        session.member.set(m);
        // The same loading as at start, once the device is open.
        spawn_local(async move { load(session, state).await });
    });

    let with_nav = move || state.get() == Loaded::Clinic;
    let leave_asking = RwSignal::new(false);
    view! {
        <div class="shell" class:with-nav=with_nav>
            <Show when=with_nav>
                <NavBar/>
            </Show>
            <div class="main-col">
                <header class="topbar" id="app-header">
                    <div class="topbar-row">
                        <div class="brand">
                            <span class="logo" aria-hidden="true">"+"</span>
                            <div>
                                <div class="brand-name">{move || i18n.t("app.title")}</div>
                                <div class="brand-sub">{move || {
                                    session.clinic.get().map(|c| c.name).unwrap_or_else(|| i18n.t("app.subtitle"))
                                }}</div>
                            </div>
                        </div>
                        <Show when=with_nav>
                            <MoneyStrip/>
                            <WhoChip/>
                        </Show>
                        <Show when=move || !with_nav()>
                            <LanguageSwitch/>
                        </Show>
                    </div>
                    <Show when=move || session.demo.get()>
                        <DemoBanner can_leave=Signal::derive(with_nav) asking=leave_asking/>
                    </Show>
                </header>
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
        </div>
        <Show when=move || session.sheet_open.get()>
            <WhoSheet/>
        </Show>
        <Show when=move || leave_asking.get() && session.demo.get()>
            <LeaveDemoDialog asking=leave_asking on_left=on_left_demo/>
        </Show>
    }
}

/// What is left to spend this year (card and cash), in the header of every screen.
#[component]
fn MoneyStrip() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    view! {
        <div class="money-strip" id="money-strip">
            <span class="money-strip-label">{move || i18n.t("money.left")}</span>
            <strong class="money-strip-amount" id="header-left">{move || match session.balance.get() {
                Some(b) => amount_view(left_to_spend(b.card, b.cash)).into_any(),
                None => "—".into_any(),
            }}</strong>
        </div>
    }
}

/// Says on every screen that this is the demonstration, with the way out (which
/// asks first, in [`LeaveDemoDialog`]).
#[component]
fn DemoBanner(can_leave: Signal<bool>, asking: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="demo-banner" id="demo-banner" role="status">
            <span class="demo-text">{move || i18n.t("demo.banner")}</span>
            <Show when=move || can_leave.get()>
                <button type="button" class="demo-leave" id="leave-demo" on:click=move |_| asking.set(true)>
                    {move || i18n.t("demo.leave")}
                </button>
            </Show>
        </div>
    }
}

/// Asks before leaving the demo; on "yes" the demo's records are removed and the
/// first screen comes back (`on_left`).
#[component]
fn LeaveDemoDialog(asking: RwSignal<bool>, on_left: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let error = RwSignal::new(None::<String>);
    let leave_demo = Action::new_local(move |_: &()| async move {
        match api::leave_demo().await {
            Ok(()) => {
                error.set(None);
                asking.set(false);
                on_left.run(());
            }
            Err(e) => error.set(Some(i18n.api_error_text(&e))),
        }
    });
    let busy = leave_demo.pending();
    let leave = move |_| {
        // A second tap while the demo is being removed does nothing.
        if !busy.get_untracked() {
            leave_demo.dispatch_local(());
        }
    };
    view! {
        <div class="sheet-backdrop" on:click=move |_| asking.set(false)></div>
        <div class="sheet" role="alertdialog" aria-modal="true" id="leave-demo-dialog" aria-labelledby="leave-demo-title">
            <h2 id="leave-demo-title">{move || i18n.t("demo.leave_title")}</h2>
            <p>{move || i18n.t("demo.leave_text")}</p>
            {move || error.get().map(|e| view! { <p class="banner error" role="alert" id="leave-demo-error">{e}</p> })}
            <div class="button-row">
                <button type="button" class="primary danger" id="leave-demo-confirm" disabled=move || busy.get() on:click=leave>
                    {move || i18n.t("demo.leave_confirm")}
                </button>
                <button type="button" class="secondary" id="leave-demo-cancel" on:click=move |_| asking.set(false)>
                    {move || i18n.t("common.cancel")}
                </button>
            </div>
        </div>
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

/// How the lock screen opens the device.
#[derive(Clone)]
enum Opening {
    Code(String),
    Pin(MemberId, String),
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
    let has_recovery = status.has_recovery;
    let holders = status.keyholders.clone();
    // Opening the device: with a member's PIN, or with the recovery code.
    let open = Action::new_local(move |with: &Opening| {
        let with = with.clone();
        async move {
            let result = match with {
                Opening::Code(code) => api::session::recover(&code).await.map(|()| None),
                Opening::Pin(m, pin) => api::session::unlock(m, &pin).await.map(Some),
            };
            match result {
                Ok(m) => on_unlocked.run(m),
                Err(e) => {
                    pin.set(String::new());
                    error.set(Some(i18n.api_error_text(&e)));
                }
            }
        }
    });
    let busy = open.pending();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let with = if use_code.get_untracked() {
            Opening::Code(code.get_untracked())
        } else if let Some(m) = chosen.get_untracked() {
            Opening::Pin(m, pin.get_untracked())
        } else {
            return;
        };
        open.dispatch_local(with);
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
                    <PinInput id="lock-pin" value=pin/>
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
        Screen::Documents => view! { <DocumentsPage/> }.into_any(),
        Screen::Sync => view! { <SyncPage/> }.into_any(),
        Screen::Settings => view! { <SettingsPage/> }.into_any(),
        Screen::More => view! { <MorePage/> }.into_any(),
    }
}

/// One navigation button: an icon and the screen's full name (its page title).
fn nav_button(nav: Nav, i18n: I18n, s: Screen, class: &'static str) -> impl IntoView {
    let id = s.id();
    let active = move || {
        let now = nav.screen.get();
        now == s || (s == Screen::More && now.under_more())
    };
    view! {
        <button type="button" id=format!("nav-{id}") class=format!("nav-item {class}")
            class:active=active
            aria-current=move || active().then_some("page")
            on:click=move |_| nav.go(s)>
            <span class=format!("nav-icon icon-{id}") aria-hidden="true"></span>
            <span class="nav-label">{move || i18n.t(&format!("nav.{id}"))}</span>
        </button>
    }
}

/// Phones: the four main screens and "Más" at the bottom. Wide windows: every screen
/// in a side rail ("Más" is not needed there).
#[component]
fn NavBar() -> impl IntoView {
    let i18n = use_i18n();
    let nav = use_nav();
    view! {
        <nav class="navbar" aria-label=move || i18n.t("nav.label")>
            {Screen::TABS.into_iter().map(|s| nav_button(nav, i18n, s, "nav-tab")).collect_view()}
            {Screen::MORE.into_iter().map(|s| nav_button(nav, i18n, s, "nav-rail-only")).collect_view()}
            {nav_button(nav, i18n, Screen::More, "nav-phone-only")}
        </nav>
    }
}

/// "Más": the screens without a tab of their own on phones, each with what it is for.
#[component]
fn MorePage() -> impl IntoView {
    let i18n = use_i18n();
    let nav = use_nav();
    view! {
        <section class="page" id="page-more">
            <PageTitle screen=Screen::More/>
            <ul class="more-list">
                {Screen::MORE.into_iter().map(|s| {
                    let id = s.id();
                    view! {
                        <li>
                            <button type="button" class="more-item" id=format!("more-{id}") on:click=move |_| nav.go(s)>
                                <span class=format!("nav-icon icon-{id}") aria-hidden="true"></span>
                                <span class="more-text">
                                    <span class="more-name">{move || i18n.t(&format!("nav.{id}"))}</span>
                                    <span class="more-what">{move || i18n.t(&format!("more.{id}"))}</span>
                                </span>
                                <span class="more-arrow" aria-hidden="true">"›"</span>
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
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
                    <span class="who-role">{i18n.role(&m.role, &m.gender)}</span>
                }.into_any(),
                None => view! { <span class="who-name">{i18n.t("who.nobody")}</span> }.into_any(),
            }}
        </button>
    }
}

fn first_name(name: &str) -> String {
    name.split_whitespace().next().unwrap_or(name).to_owned()
}

/// A member entering: with their PIN, or choosing a new one (approved).
#[derive(Clone)]
struct Entering {
    member: MemberId,
    new_pin: bool,
    pin: String,
    approval: PinApproval,
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

    // Who may sign in here, and who has a PIN on this device.
    let with_pins = LocalResource::new(api::session::members_with_pins);
    Effect::new(move |_| match with_pins.get() {
        Some(Ok(list)) => members.set(list),
        Some(Err(e)) => error.set(Some(i18n.t(&format!("error.{}", e.code)))),
        None => {}
    });

    let close = move || {
        session.sheet_open.set(false);
    };
    let leave = Action::new_local(move |_: &()| async move {
        // Signing out only forgets who uses the device: it cannot fail in a way
        // that should keep them signed in on screen.
        let _ = api::session::sign_out().await;
        session.member.set(None);
        session.sheet_open.set(false);
    });
    let sign_out = move |_| {
        leave.dispatch_local(());
    };
    let enter = Action::new_local(move |e: &Entering| {
        let Entering {
            member,
            new_pin,
            pin: p,
            approval,
        } = e.clone();
        async move {
            let result = if !new_pin {
                api::session::sign_in(member, &p)
                    .await
                    .map(|member| (member, None))
            } else {
                api::session::set_pin(member, &p, &approval)
                    .await
                    .map(|s| (s.member, s.recovery))
            };
            approver_pin.set(String::new());
            match result {
                Ok((member, recovery)) => {
                    error.set(None);
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
                    error.set(Some(i18n.api_error_text(&e)));
                }
            }
        }
    });
    let busy = enter.pending();
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
        enter.dispatch_local(Entering {
            member: m.id,
            new_pin,
            pin: pin.get_untracked(),
            approval,
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
                                let (role, gender) = (m.role.clone(), m.gender.clone());
                                let id = format!("who-{}", m.id);
                                let mm = m.clone();
                                view! {
                                    <li><button type="button" class="who-option" id=id
                                        on:click=move |_| { error.set(None); chosen.set(Some((mm.clone(), has_pin))) }>
                                        <span class="who-option-name">{label}</span>
                                        <span class="muted">{move || i18n.role(&role, &gender)}</span>
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
                        <PinInput id="pin" value=pin/>
                        <Show when=move || !has_pin || resetting.get()>
                            <label for="pin2">{move || i18n.t("who.pin_again")}</label>
                            <PinInput id="pin2" value=pin2/>
                        </Show>
                        <Show when=move || (!has_pin && any_pin()) || resetting.get()>
                            <fieldset class="approval" id="approval">
                                <legend>{move || i18n.t("approval.title")}</legend>
                                <p class="hint">{move || i18n.t("approval.lead")}</p>
                                <label for="approver">{move || i18n.t("approval.who")}</label>
                                <select id="approver" bind:value=approver>
                                    <option value="">{move || i18n.t("approval.choose")}</option>
                                    {move || approvers().into_iter().map(|a| {
                                        let label = format!("{} · {}", a.name, i18n.role(&a.role, &a.gender));
                                        view! { <option value=a.id.to_string()>{label}</option> }
                                    }).collect_view()}
                                </select>
                                <label for="approver-pin">{move || i18n.t("approval.pin")}</label>
                                <PinInput id="approver-pin" value=approver_pin/>
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
