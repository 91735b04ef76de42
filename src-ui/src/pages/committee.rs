//! The committee: the clinic's card, its members and the form to add one.

use crate::api;
use crate::components::date_picker::DatePicker;
use crate::components::history::HistoryButton;
use crate::i18n::use_i18n;
use crate::pages::FormState;
use cosabi_core::clinic::Clinic;
use cosabi_core::committee::{Member, NewMember, Role, Standing};
use cosabi_core::format::display_date;
use cosabi_core::ids::MemberId;
use cosabi_core::schema::MEMBER;
use leptos::prelude::*;

#[component]
pub fn CommitteePage(
    /// The clinic this replica holds.
    clinic: Clinic,
) -> impl IntoView {
    let i18n = use_i18n();
    // The committee, read again after each change made here.
    let loaded = LocalResource::new(api::list_members);
    let reload = move || loaded.refetch();
    let members =
        Signal::derive(move || loaded.get().and_then(|list| list.ok()).unwrap_or_default());
    let load_error = move || {
        loaded
            .get()
            .and_then(|list| list.err())
            .map(|e| i18n.t_with(&format!("error.{}", e.code), &[("code", e.code.clone())]))
    };

    let today = crate::pages::money::today_date();
    // Each member's standing today: in office, term expired, or replaced.
    let standings = move || {
        let list = members.get();
        list.iter()
            .map(|m| (m.clone(), m.standing(&list, today)))
            .collect::<Vec<_>>()
    };
    let filled = move || {
        standings()
            .into_iter()
            .filter(|(_, s)| *s == Standing::InOffice)
            .filter_map(|(m, _)| Role::from_code(&m.role))
            .filter(|r| r.is_committee_seat())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    let expired = move || {
        standings()
            .into_iter()
            .filter(|(_, s)| *s == Standing::Expired)
            .count()
    };
    let current = move || {
        standings()
            .into_iter()
            .filter(|(_, s)| *s != Standing::Former)
            .collect::<Vec<_>>()
    };
    let former = move || {
        standings()
            .into_iter()
            .filter(|(_, s)| *s == Standing::Former)
            .collect::<Vec<_>>()
    };
    // One member's form open at a time.
    let open = RwSignal::new(None::<(MemberId, Mode)>);
    let changed = Callback::new(move |_: ()| {
        open.set(None);
        reload();
    });

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
                    {move || (expired() > 0).then(|| view! {
                        <p class="banner warn" id="terms-expired" role="status">
                            {i18n.plural("committee.expired", expired())}
                        </p>
                    })}
                    {move || load_error().map(|e| view! { <p class="banner error" role="alert">{e}</p> })}
                    <Show
                        when=move || !members.get().is_empty()
                        fallback=move || view! { <p class="muted" id="no-members">{i18n.t("committee.empty")}</p> }
                    >
                        <ul class="members" id="members">
                            // A dozen rows at most, painted again when the committee changes.
                            {move || current().into_iter().map(|(m, s)| view! {
                                <MemberRow member=m standing=s open=open on_changed=changed/>
                            }).collect_view()}
                        </ul>
                        {move || (!former().is_empty()).then(|| view! {
                            <details class="former" id="former-members">
                                <summary>{i18n.t_with("committee.former", &[("count", former().len().to_string())])}</summary>
                                <ul class="members">
                                    {former().into_iter().map(|(m, s)| view! {
                                        <MemberRow member=m standing=s open=open on_changed=changed/>
                                    }).collect_view()}
                                </ul>
                            </details>
                        })}
                    </Show>
                </div>
                <AddMemberForm on_added=Callback::new(move |_| reload())/>
            </div>
        </section>
    }
}

/// What a member's row has open.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Edit,
    End,
    Replace,
}

#[component]
fn MemberRow(
    member: Member,
    standing: Standing,
    /// The member whose form is open, page-wide.
    open: RwSignal<Option<(MemberId, Mode)>>,
    on_changed: Callback<()>,
) -> impl IntoView {
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
            (None, Some(e)) => i18n.t_with("member.term_until", &[("end", display_date(e))]),
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
    let id = member.id;
    let short = id.0.simple().to_string()[24..].to_owned();
    let mode = move || open.get().filter(|(m, _)| *m == id).map(|(_, mode)| mode);
    let toggle = move |want: Mode| {
        open.update(|o| {
            *o = if *o == Some((id, want)) {
                None
            } else {
                Some((id, want))
            }
        })
    };
    let expired_note = {
        let end = member.term_end.clone().unwrap_or_default();
        move || i18n.t_with("member.expired", &[("end", display_date(&end))])
    };
    let m = member.clone();
    view! {
        <li class="member-row" class:former=standing == Standing::Former id=format!("member-{short}")>
            <span class="avatar" aria-hidden="true">{initials}</span>
            <div class="member-text">
                <div class="member-name">{member.name.clone()}</div>
                <div class="member-role">{move || i18n.role(&role, &gender)}</div>
                <div class="member-term muted">{term}</div>
                {(standing == Standing::Expired).then(|| view! {
                    <p class="member-expired warn-text">{expired_note}</p>
                })}
                {(standing != Standing::Former).then(|| view! {
                    <div class="member-actions">
                        <button type="button" class="secondary member-edit"
                            aria-expanded=move || (mode() == Some(Mode::Edit)).to_string()
                            on:click=move |_| toggle(Mode::Edit)>{move || i18n.t("member.edit")}</button>
                        <button type="button" class="secondary member-end"
                            aria-expanded=move || (mode() == Some(Mode::End)).to_string()
                            on:click=move |_| toggle(Mode::End)>{move || i18n.t("member.end")}</button>
                        <button type="button" class="secondary member-replace"
                            aria-expanded=move || (mode() == Some(Mode::Replace)).to_string()
                            on:click=move |_| toggle(Mode::Replace)>{move || i18n.t("member.replace")}</button>
                    </div>
                })}
                {move || mode().map(|mode| {
                    let m = m.clone();
                    match mode {
                        Mode::End => view! { <EndTermForm member=m on_done=on_changed on_cancel=Callback::new(move |_| open.set(None))/> }.into_any(),
                        _ => view! { <SeatForm member=m mode=mode on_done=on_changed on_cancel=Callback::new(move |_| open.set(None))/> }.into_any(),
                    }
                })}
                <HistoryButton table=MEMBER.id row=member.id.0/>
            </div>
        </li>
    }
}

/// Corrects a member (`Mode::Edit`, prefilled) or seats another person in their
/// place (`Mode::Replace`, empty; the start defaults to today).
#[component]
fn SeatForm(
    member: Member,
    mode: Mode,
    on_done: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let editing = mode == Mode::Edit;
    let typed = |d: &Option<String>| d.as_deref().map(display_date).unwrap_or_default();
    let name = RwSignal::new(if editing {
        member.name.clone()
    } else {
        String::new()
    });
    let gender = RwSignal::new(if editing {
        member.gender.clone()
    } else {
        String::new()
    });
    let term_start = RwSignal::new(if editing {
        typed(&member.term_start)
    } else {
        crate::pages::money::today_input()
    });
    let term_end = RwSignal::new(if editing {
        typed(&member.term_end)
    } else {
        String::new()
    });
    let form = FormState::new("member");
    let (id, role, old_name) = (member.id, member.role.clone(), member.name.clone());
    let save = form.save(
        move |input: &NewMember| {
            let input = input.clone();
            async move {
                if editing {
                    api::update_member(id, &input).await
                } else {
                    api::replace_member(id, &input).await
                }
            }
        },
        move |_| on_done.run(()),
    );
    let busy = save.pending();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = NewMember {
            name: name.get_untracked(),
            role: role.clone(),
            term_start: term_start.get_untracked(),
            term_end: term_end.get_untracked(),
            gender: gender.get_untracked(),
        };
        save.run(input);
    };
    let title = {
        let old_name = old_name.clone();
        move || {
            if editing {
                i18n.t_with("member.edit_title", &[("name", old_name.clone())])
            } else {
                i18n.t_with("member.replace_title", &[("name", old_name.clone())])
            }
        }
    };
    view! {
        <form class="member-form" class:replace=!editing novalidate=true on:submit=submit>
            <h3>{title}</h3>
            {(!editing).then(|| view! {
                <p class="hint">{move || i18n.t_with("member.replace_hint", &[("name", old_name.clone())])}</p>
            })}
            {form.banner_view("seat-form-error")}
            <label for="seat-name">{move || i18n.t("field.member_name")}</label>
            <input id="seat-name" autocomplete="off" bind:value=name
                class:invalid=form.invalid("name")/>
            {form.problem("name", "seat-name")}
            <label for="seat-gender">{move || i18n.t("field.gender")}</label>
            <select id="seat-gender" prop:value=move || gender.get()
                on:change=move |ev| gender.set(event_target_value(&ev))>
                <option value="">{move || i18n.t("gender.none")}</option>
                <option value="f">{move || i18n.t("gender.f")}</option>
                <option value="m">{move || i18n.t("gender.m")}</option>
            </select>
            <div class="row">
                <div>
                    <label for="seat-term-start">{move || i18n.t("field.term_start")}</label>
                    <input id="seat-term-start" inputmode="numeric" placeholder=move || i18n.t("field.date_placeholder") bind:value=term_start/>
                    <DatePicker value=term_start for_id="seat-term-start"/>
                    {form.problem("term_start", "seat-term-start")}
                </div>
                <div>
                    <label for="seat-term-end">{move || i18n.t("field.term_end")}</label>
                    <input id="seat-term-end" inputmode="numeric" placeholder=move || i18n.t("field.date_placeholder") bind:value=term_end/>
                    <DatePicker value=term_end for_id="seat-term-end"/>
                    {form.problem("term_end", "seat-term-end")}
                </div>
            </div>
            {form.problem("role", "seat-role")}
            <div class="actions">
                <button type="submit" id="seat-save" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { i18n.t("common.saving") } else if editing { i18n.t("member.save") } else { i18n.t("member.replace_save") }}
                </button>
                <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>{move || i18n.t("common.cancel")}</button>
            </div>
        </form>
    }
}

/// Ends a member's term on a day (today by default): the seat is free the day after.
#[component]
fn EndTermForm(member: Member, on_done: Callback<()>, on_cancel: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let on = RwSignal::new(crate::pages::money::today_input());
    let form = FormState::new("member");
    let id = member.id;
    let save = form.save(
        move |date: &String| {
            let date = date.clone();
            async move { api::end_term(id, &date).await }
        },
        move |_| on_done.run(()),
    );
    let busy = save.pending();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.run(on.get_untracked());
    };
    let name = member.name.clone();
    view! {
        <form class="member-form" novalidate=true on:submit=submit>
            <h3>{move || i18n.t_with("member.end_title", &[("name", name.clone())])}</h3>
            <p class="hint">{move || i18n.t("member.end_hint")}</p>
            {form.banner_view("end-form-error")}
            <label for="end-on">{move || i18n.t("member.end_on")}</label>
            <input id="end-on" inputmode="numeric" placeholder=move || i18n.t("field.date_placeholder") bind:value=on/>
                    <DatePicker value=on for_id="end-on"/>
            {form.problem("term_end", "end-on")}
            <div class="actions">
                <button type="submit" id="end-save" class="primary" disabled=move || busy.get()>{move || i18n.t("member.end_save")}</button>
                <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>{move || i18n.t("common.cancel")}</button>
            </div>
        </form>
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
    let form = FormState::new("member");
    let notice = RwSignal::new(None::<String>);
    let save = form.save(
        |input: &NewMember| {
            let input = input.clone();
            async move { api::add_member(&input).await }
        },
        move |m: Member| {
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
        },
    );
    let busy = save.pending();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
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
        if save.run(input) {
            notice.set(None);
        }
    };

    view! {
        <form class="card" id="member-form" on:submit=submit novalidate=true>
            <h2>{move || i18n.t("committee.add_title")}</h2>
            {form.banner_view("member-form-error")}
            {move || notice.get().map(|n| view! { <p class="banner ok" id="member-notice" role="status">{n}</p> })}

            <label for="member-name">{move || i18n.t("field.member_name")}</label>
            <input id="member-name" name="name" autocomplete="off"
                class:invalid=form.invalid("name")
                bind:value=name/>
            {form.problem("name", "member-name")}

            <label for="member-role">{move || i18n.t("field.role")}</label>
            <select id="member-role" name="role"
                class:invalid=form.invalid("role")
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
            {form.problem("role", "member-role")}

            <label for="member-gender">{move || i18n.t("field.gender")}</label>
            <select id="member-gender" name="gender"
                class:invalid=form.invalid("gender")
                node_ref=gender_select>
                <option value="">{move || i18n.t("gender.none")}</option>
                <option value="f">{move || i18n.t("gender.f")}</option>
                <option value="m">{move || i18n.t("gender.m")}</option>
            </select>
            <p class="hint">{move || i18n.t("field.gender_hint")}</p>
            {form.problem("gender", "member-gender")}

            <div class="row">
                <div>
                    <label for="term-start">{move || i18n.t("field.term_start")}</label>
                    <input id="term-start" inputmode="numeric" placeholder=move || i18n.t("field.date_placeholder") bind:value=term_start/>
                    <DatePicker value=term_start for_id="term-start"/>
                    {form.problem("term_start", "term-start")}
                </div>
                <div>
                    <label for="term-end">{move || i18n.t("field.term_end")}</label>
                    <input id="term-end" inputmode="numeric" placeholder=move || i18n.t("field.date_placeholder") bind:value=term_end/>
                    <DatePicker value=term_end for_id="term-end"/>
                    {form.problem("term_end", "term-end")}
                </div>
            </div>

            <button id="add-member" type="submit" class="primary" disabled=move || busy.get()>
                {move || if busy.get() { i18n.t("common.saving") } else { i18n.t("member.add") }}
            </button>
        </form>
    }
}
