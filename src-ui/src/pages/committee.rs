//! The committee: the clinic's card, its members and the form to add one.

use crate::api;
use crate::components::history::HistoryButton;
use crate::i18n::use_i18n;
use crate::pages::{field_error, show_api_error};
use cosabi_core::clinic::Clinic;
use cosabi_core::committee::{Member, NewMember, Role};
use cosabi_core::format::display_date;
use cosabi_core::schema::MEMBER;
use cosabi_core::ValidationError;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn CommitteePage(
    /// The clinic this replica holds.
    clinic: Clinic,
) -> impl IntoView {
    let i18n = use_i18n();
    let members = RwSignal::new(Vec::<Member>::new());
    let load_error = RwSignal::new(None::<String>);

    let reload = move || {
        spawn_local(async move {
            match api::list_members().await {
                Ok(list) => members.set(list),
                Err(e) => load_error.set(Some(
                    i18n.t_with(&format!("error.{}", e.code), &[("code", e.code.clone())]),
                )),
            }
        })
    };
    reload();

    let filled = move || {
        members
            .get()
            .iter()
            .filter_map(|m| Role::from_code(&m.role))
            .filter(|r| r.is_committee_seat())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };

    let location = format!(
        "{}, {}, {}",
        clinic.locality, clinic.municipality, clinic.state_name
    );
    let allocation = clinic.allocation.to_string();
    let allocation_year = clinic.allocation_year.to_string();

    view! {
        <section class="page committee" id="page-committee">
            <crate::nav::PageTitle screen=crate::nav::Screen::Committee/>
            <div class="card clinic-card" id="clinic-card">
                <h2 id="clinic-name-title">{clinic.name.clone()}</h2>
                <p class="muted">{location}</p>
                <dl class="facts">
                    <div><dt>{move || i18n.t("clinic.clues")}</dt><dd id="clinic-clues">{clinic.clues.clone()}</dd></div>
                    <div><dt>{move || i18n.t("clinic.consultorios")}</dt><dd>{clinic.consultorios}</dd></div>
                    <div>
                        <dt>{let y = allocation_year.clone(); move || i18n.t_with("clinic.allocation", &[("year", y.clone())])}</dt>
                        <dd id="clinic-allocation" class="money">{allocation}</dd>
                    </div>
                </dl>
            </div>

            <div class="columns">
                <div class="card">
                    <h2>{move || i18n.t("committee.title")}</h2>
                    <p class="seats" id="seats" class:ok=move || filled() == 7>
                        {move || if filled() == 7 {
                            i18n.t("committee.installed")
                        } else {
                            i18n.t_with("committee.seats", &[("filled", filled().to_string())])
                        }}
                    </p>
                    {move || load_error.get().map(|e| view! { <p class="banner error" role="alert">{e}</p> })}
                    <Show
                        when=move || !members.get().is_empty()
                        fallback=move || view! { <p class="muted" id="no-members">{i18n.t("committee.empty")}</p> }
                    >
                        <ul class="members" id="members">
                            <For
                                each=move || members.get()
                                key=|m| m.id
                                children=move |m: Member| view! { <MemberRow member=m/> }
                            />
                        </ul>
                    </Show>
                </div>
                <AddMemberForm on_added=Callback::new(move |_| reload())/>
            </div>
        </section>
    }
}

#[component]
fn MemberRow(member: Member) -> impl IntoView {
    let i18n = use_i18n();
    let (role, gender) = (member.role.clone(), member.gender.clone());
    let term = {
        let start = member.term_start.clone();
        let end = member.term_end.clone();
        move || match (&start, &end) {
            (Some(s), Some(e)) => i18n.t_with(
                "member.term",
                &[("start", display_date(s)), ("end", display_date(e))],
            ),
            (Some(s), None) => i18n.t_with("member.term_open", &[("start", display_date(s))]),
            _ => String::new(),
        }
    };
    let initials: String = member
        .name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphabetic())
        .take(2)
        .collect();
    view! {
        <li class="member-row">
            <span class="avatar" aria-hidden="true">{initials}</span>
            <div class="member-text">
                <div class="member-name">{member.name.clone()}</div>
                <div class="member-role">{move || i18n.role(&role, &gender)}</div>
                <div class="member-term muted">{term}</div>
                <HistoryButton table=MEMBER.id row=member.id.0/>
            </div>
        </li>
    }
}

#[component]
fn AddMemberForm(
    /// Called after a member is saved.
    on_added: Callback<Member>,
) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    // The role is read from the element on submit, not mirrored in a signal: WebKit
    // fires no `change` when a person picks again the option that was selected before
    // the form was reset programmatically, so a mirror would silently stay empty.
    let role_select = NodeRef::<leptos::html::Select>::new();
    // Read on submit too, for the same reason.
    let gender_select = NodeRef::<leptos::html::Select>::new();
    let term_start = RwSignal::new(String::new());
    let term_end = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let banner = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let input = NewMember {
            name: name.get_untracked(),
            role: role_select
                .get_untracked()
                .map(|s| s.value())
                .unwrap_or_default(),
            term_start: term_start.get_untracked(),
            term_end: term_end.get_untracked(),
            gender: gender_select
                .get_untracked()
                .map(|s| s.value())
                .unwrap_or_default(),
        };
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            match api::add_member(&input).await {
                Ok(m) => {
                    errors.set(Vec::new());
                    banner.set(None);
                    notice.set(Some(
                        i18n.t_with("member.added", &[("name", m.name.clone())]),
                    ));
                    // Only a saved member clears the form; on error what was typed stays.
                    name.set(String::new());
                    term_start.set(String::new());
                    term_end.set(String::new());
                    for select in [role_select, gender_select] {
                        if let Some(s) = select.get_untracked() {
                            s.set_value("");
                        }
                    }
                    on_added.run(m);
                }
                Err(e) => show_api_error(i18n, e, errors, banner),
            }
            busy.set(false);
        });
    };

    view! {
        <form class="card" id="member-form" on:submit=submit novalidate=true>
            <h2>{move || i18n.t("committee.add_title")}</h2>
            {move || banner.get().map(|b| view! { <p class="banner error" id="member-form-error" role="alert">{b}</p> })}
            {move || notice.get().map(|n| view! { <p class="banner ok" id="member-notice" role="status">{n}</p> })}

            <label for="member-name">{move || i18n.t("field.member_name")}</label>
            <input id="member-name" name="name" autocomplete="off"
                class:invalid=move || errors.get().iter().any(|e| e.field == "name")
                bind:value=name/>
            {field_error(errors, "name")}

            <label for="member-role">{move || i18n.t("field.role")}</label>
            <select id="member-role" name="role"
                class:invalid=move || errors.get().iter().any(|e| e.field == "role")
                node_ref=role_select>
                <option value="">{move || i18n.t("field.role_choose")}</option>
                {Role::ALL
                    .iter()
                    .map(|r| {
                        let code = r.code();
                        view! { <option value=code>{move || i18n.t(&format!("role.{code}"))}</option> }
                    })
                    .collect_view()}
            </select>
            {field_error(errors, "role")}

            <label for="member-gender">{move || i18n.t("field.gender")}</label>
            <select id="member-gender" name="gender"
                class:invalid=move || errors.get().iter().any(|e| e.field == "gender")
                node_ref=gender_select>
                <option value="">{move || i18n.t("gender.none")}</option>
                <option value="f">{move || i18n.t("gender.f")}</option>
                <option value="m">{move || i18n.t("gender.m")}</option>
            </select>
            <p class="hint">{move || i18n.t("field.gender_hint")}</p>
            {field_error(errors, "gender")}

            <div class="row">
                <div>
                    <label for="term-start">{move || i18n.t("field.term_start")}</label>
                    <input id="term-start" inputmode="numeric" placeholder=move || i18n.t("field.date_placeholder") bind:value=term_start/>
                    {field_error(errors, "term_start")}
                </div>
                <div>
                    <label for="term-end">{move || i18n.t("field.term_end")}</label>
                    <input id="term-end" inputmode="numeric" placeholder=move || i18n.t("field.date_placeholder") bind:value=term_end/>
                    {field_error(errors, "term_end")}
                </div>
            </div>

            <button id="add-member" type="submit" class="primary" disabled=move || busy.get()>
                {move || if busy.get() { i18n.t("common.saving") } else { i18n.t("member.add") }}
            </button>
        </form>
    }
}
